from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jobmatch_utils.report import NOTEBOOKS_DIR, run_report


def failing_notebook(path: Path) -> Path:
    params = new_code_cell('output_dir: str = ""  # artifacts\nsmoke: bool = False  # smoke run')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# fails"), params, new_code_cell("x = 1"),
                             new_code_cell("raise ValueError('boom')"), new_code_cell("y = 2")])
    nb.metadata["kernelspec"] = {"name": "jobmatch", "display_name": "Python (jobmatch)", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_report_runs_in_order_names_the_failing_cell_and_keeps_earlier_outputs(tmp_path: Path,
                                                                                tiny_model_dir: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    first = Path(shutil.copy(NOTEBOOKS_DIR / "01_loading_the_model.ipynb", notebooks))
    second = failing_notebook(notebooks / "02_fails.ipynb")
    third = Path(shutil.copy(first, notebooks / "03_again.ipynb"))
    out = tmp_path / "reports"
    out.mkdir()
    (out / "02_fails.ipynb").write_text("earlier complete output", encoding="utf-8")

    result = run_report(out, quick=True, model=str(tiny_model_dir), notebooks=[first, second, third])

    statuses = {n.name: n.status for n in result.notebooks}
    assert statuses == {"01_loading_the_model": "ok", "02_fails": "failed", "03_again": "ok"}
    failed = result.notebooks[1]
    # execution count as shown in the executed notebook: parameters, injected parameters, x = 1, raise
    assert failed.error == "ValueError: boom" and failed.failing_cell == 4
    assert (out / "02_fails.ipynb").read_text(encoding="utf-8") == "earlier complete output"
    assert (out / "02_fails.failed.ipynb").exists()
    assert (out / "01_loading_the_model.html").exists() and not list(out.glob(".*.partial.ipynb"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "02_fails" in page and "failing cell [4]: ValueError: boom" in page
    assert "tiny random test model" in page and "bundled sample" in page and "not JobBGE" in page
    report = json.loads((out / "report.json").read_text())
    assert report["ok"] is False and [n["name"] for n in report["notebooks"]] == [p.stem for p in (first, second, third)]
    summary = json.loads((out / "artifacts" / "01_loading_the_model" / "summary.json").read_text())
    assert len(summary["languages"]) == 4
