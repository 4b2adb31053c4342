from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobmatch_utils.cli import main
from jobmatch_utils.data import SAMPLE_ROOT, load_validation_set
from jobmatch_utils.metrics import evaluate_ranking
from jobmatch_utils.retrieval import rank_set

ENGLISH = SAMPLE_ROOT / "TaskA" / "validation" / "english"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jobmatch_utils", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_info_offline_is_fast_and_names_the_stand_in() -> None:
    started = time.monotonic()
    result = run_cli("info", env={"HF_HUB_OFFLINE": "1", "JOBMATCH_MODEL": ""})
    assert time.monotonic() - started < 5, "jobmatch info must answer offline in under 5 s"
    assert result.returncode == 0
    assert "offline stand-in, NOT JobBGE" in result.stdout and "talentclef:" in result.stdout


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "run.txt"
    bad.write_text("1 Q0 a 1 x t\n", encoding="utf-8")
    result = run_cli("evaluate", "--qrels", str(ENGLISH / "qrels.tsv"), "--run", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {bad}:1: score 'x' is not a number — the fifth column must be the retrieval score"]
    assert "Traceback" not in result.stderr


def test_search_then_evaluate_equals_the_library(tiny_model_dir: Path, tiny_model, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run.txt"
    assert main(["search", "--model", str(tiny_model_dir), "--queries", str(ENGLISH / "queries"),
                 "--corpus", str(ENGLISH / "corpus_elements"), "--top-k", "500", "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--qrels", str(ENGLISH / "qrels.tsv"), "--run", str(run), "--format", "json"]) == 0
    import json

    printed = json.loads(capsys.readouterr().out)
    s = load_validation_set(SAMPLE_ROOT / "TaskA", "en")
    expected = evaluate_ranking(rank_set(tiny_model, s), s.relevant)
    for key in ("accuracy@1", "map@100", "ndcg@200", "map@500"):
        assert printed[key] == pytest.approx(expected[key], abs=1e-6), key


def test_evaluate_model_writes_the_card_table(tiny_model_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["evaluate", "--model", str(tiny_model_dir), "--data-dir", str(SAMPLE_ROOT / "TaskA"),
                 "--languages", "en,zh", "--out", str(tmp_path)]) == 0
    import pandas as pd

    table = pd.read_csv(tmp_path / "card_table.csv", index_col=0)
    assert list(table.columns) == ["full_en", "full_zh"] and len(table) == 37  # 5 metrics x 6 cut-offs + map at 7
    assert (tmp_path / "card_table.md").read_text().startswith("Model: ")
