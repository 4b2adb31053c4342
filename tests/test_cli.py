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


def test_evaluate_trec_protocol_reports_what_it_counted(tmp_path: Path, capsys) -> None:
    qrels = tmp_path / "qrels"
    qrels.write_text("1 0 a 1\n1 0 b 1\n2 0 c 1\n", encoding="utf-8")
    run = tmp_path / "run"
    run.write_text("q_id Q0 doc_id rank score tag\n1 Q0 a 1 0.9 t\n1 Q0 x 2 0.8 t\n1 Q0 b 3 0.7 t\n9 Q0 a 1 0.5 t\n",
                   encoding="utf-8")
    assert main(["evaluate", "--qrels", str(qrels), "--run", str(run), "--protocol", "trec", "--format", "json"]) == 0
    captured = capsys.readouterr()
    import json

    scores = json.loads(captured.out)
    assert scores["map"] == pytest.approx(((1 + 2 / 3) / 2 + 0) / 2)  # query 2 is missing: 0, kept in the mean
    assert scores["mrr"] == pytest.approx(0.5) and scores["precision@5"] == pytest.approx((2 / 5) / 2)
    assert "1 judged query(ies) have no line in the run: scored 0 and kept in the mean" in captured.err
    assert "1 run query(ies) have no judgment: ignored" in captured.err
