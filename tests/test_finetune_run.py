"""The fine-tune command: bad input is one line and exit status 2, in the command's own flag names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jobmatch_utils.finetune_run", *args, "--out", str(tmp_path / "o")],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO),
                               "JOBMATCH_CACHE": str(tmp_path / "cache")})


@pytest.mark.parametrize(("args", "says"), [
    (("--batch-size", "1", "--max-steps", "2"), "--batch-size = 1"),
    (("--max-steps", "0", "--time-budget", "0"), "neither --max-steps nor --time-budget is set"),
])
def test_bad_settings_are_one_line_before_any_model_is_loaded(args, says, tmp_path: Path):
    done = _run(*args, tmp_path=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0] and " — " in lines[0]
    assert "Traceback" not in done.stderr and not (tmp_path / "cache").exists()  # nothing was loaded


def test_an_unknown_training_set_is_named_with_the_choices(tmp_path: Path):
    done = _run("--datasets", "ful_es", "--max-steps", "1", "--model", "tiny", tmp_path=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown training set 'ful_es'" in done.stderr and "full_es" in done.stderr


def test_help_shows_the_defaults(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "jobmatch_utils.finetune_run", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "(default: 5e-05)" in done.stdout and "full_zh, mix" in done.stdout
