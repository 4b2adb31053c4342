"""Every notebook: stored clean, parameterised, and executed by papermill with values checked."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import papermill
import pytest

from jobmatch_utils.data import SAMPLE_ROOT
from jobmatch_utils.report import NOTEBOOKS_DIR, ensure_kernel, list_notebooks

NOTEBOOKS = list_notebooks()
CELL_TIMEOUT = 900


@pytest.fixture(scope="session")
def kernel() -> str:
    return ensure_kernel()


def execute(path: Path, out: Path, kernel: str, **parameters) -> Path:
    """Run a notebook in a fresh kernel from a folder that is not the repository."""
    target = out / path.name
    papermill.execute_notebook(str(path), str(target), parameters={"output_dir": str(out / "artifacts"), **parameters},
                               kernel_name=kernel, cwd=str(out), execution_timeout=CELL_TIMEOUT, progress_bar=False)
    return out / "artifacts"


def _load_checks() -> dict[str, Callable[[Path, object, Path], None]]:
    """``tests/nbcheck_*.py`` each define ``NOTEBOOK`` (a stem) and ``check(artifacts, model, data_root)``."""
    checks = {}
    for file in sorted(Path(__file__).parent.glob("nbcheck_*.py")):
        spec = importlib.util.spec_from_file_location(file.stem, file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        checks[module.NOTEBOOK] = module.check
    return checks


#: What each notebook must have produced; a notebook without a check fails the suite.
CHECKS = _load_checks()


def test_every_notebook_has_a_value_check() -> None:
    assert NOTEBOOKS, "no notebooks found"
    assert {p.stem for p in NOTEBOOKS} <= set(CHECKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_and_well_formed(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.get("outputs") for c in code), "committed with outputs: strip them"
    assert not any(c.get("execution_count") for c in code), "execution counts stored: strip them"
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and nb.cells[tagged[0]] is code[0], "the first code cell must be the parameters cell"
    for line in nb.cells[tagged[0]].source.splitlines():
        assert re.match(r"^\w+: [\w\[\]]+ = .+  # .+$", line), f"parameter line needs a type and a comment: {line}"
    assert len(code[0].source.splitlines()) <= 20, "too many parameters: group them or drop rarely used ones"
    for cell in code:
        assert not re.search(r"^\s*[!%]", cell.source, re.M), "no shell escapes or magics in notebooks"
    for cell in code[1:]:  # the parameters cell declares, it holds no logic
        assert len(cell.source.splitlines()) <= 15, "cells stay short: move logic into jobmatch_utils"
    assert nb.cells[0].cell_type == "markdown" and "Runs in" in nb.cells[0].source
    assert "Exercises" in nb.cells[-1].source
    assert "start_notebook(globals()" in code[1].source, "the cell after the parameters validates them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_sample_and_produces_its_values(path: Path, tmp_path: Path, kernel: str,
                                                             tiny_model_dir: Path, tiny_model) -> None:
    artifacts = execute(path, tmp_path, kernel, smoke=True, model=str(tiny_model_dir))
    run_info = json.loads((artifacts / "run_info.json").read_text())
    assert run_info["data_is_sample"] and "not JobBGE" in run_info["model"]["label"]
    CHECKS[path.stem](artifacts, tiny_model, SAMPLE_ROOT / "TaskA")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_unknown_parameter_stops_at_the_parameter_check(path: Path, tmp_path: Path, kernel: str) -> None:
    with pytest.raises(papermill.PapermillExecutionError) as info:
        execute(path, tmp_path, kernel, smoke=True, langauges=["en"])
    assert "unknown parameter(s) langauges" in str(info.value)
    executed = nbformat.read(tmp_path / path.name, as_version=4)
    failing = next(c for c in executed.cells if c.cell_type == "code" and any(
        o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert "start_notebook(globals()" in failing.source  # stopped before any expensive work


@pytest.mark.realdata
@pytest.mark.slow
def test_notebook_01_on_real_data_with_the_stand_in(tmp_path: Path, kernel: str, talentclef_root: Path,
                                                    stand_in) -> None:
    path = NOTEBOOKS_DIR / "01_loading_the_model.ipynb"
    artifacts = execute(path, tmp_path, kernel, model="stand-in", data_dir=str(talentclef_root))
    summary = json.loads((artifacts / "summary.json").read_text())
    assert {r["language"]: r["queries"] for r in summary["languages"]} == {"en": 105, "es": 185, "de": 203, "zh": 103}
    assert summary["model"]["is_stand_in"] and "NOT JobBGE" in summary["model"]["label"]
    CHECKS["01_loading_the_model"](artifacts, stand_in[0], talentclef_root)
