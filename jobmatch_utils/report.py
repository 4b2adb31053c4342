"""Running every notebook with papermill into a report folder, with an ``index.html``.

A failing notebook is named with its failing cell, the others still run, and an earlier
complete output of the failing notebook is kept (the new, partial one is saved beside it as
``<name>.failed.ipynb``). Executed notebooks are written under a temporary name and renamed
when complete, so an interrupted report never leaves a half-written notebook that looks done.
"""

from __future__ import annotations

import html
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .data import REPO_ROOT, resolve_esco, resolve_talentclef
from .models import resolve_model
from .notebook import write_json
from .textio import atomic_write_text

__all__ = ["NOTEBOOKS_DIR", "KERNEL_NAME", "NotebookResult", "ReportResult", "ensure_kernel", "run_report",
           "list_notebooks"]

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
KERNEL_NAME = "jobmatch"


@dataclass
class NotebookResult:
    name: str
    status: str  # "ok", "failed", "interrupted", "not run"
    seconds: float = 0.0
    output: str = ""
    html: str = ""
    error: str = ""
    failing_cell: int | None = None
    model: str = ""


@dataclass
class ReportResult:
    out_dir: Path
    started: str
    model: str
    data: str
    quick: bool
    notebooks: list[NotebookResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(n.status == "ok" for n in self.notebooks)

    def to_dict(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "started": self.started, "model": self.model, "data": self.data,
                "quick": self.quick, "ok": self.ok, "notebooks": [asdict(n) for n in self.notebooks]}


def ensure_kernel(name: str = KERNEL_NAME) -> str:
    """Make sure a Jupyter kernel ``name`` runs *this* interpreter; register it in ``sys.prefix`` if not."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(name)
        if spec.argv and Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return name
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=name, display_name="Python (jobmatch)", prefix=sys.prefix)
    return name


def list_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The kit's notebooks in reading order (``NN_*.ipynb``)."""
    return sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))


def _to_html(notebook: Path) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target = notebook.with_suffix(".html")
    atomic_write_text(target, body)
    return target


def _failure(exc: BaseException) -> tuple[str, int | None]:
    cell = getattr(exc, "exec_count", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip().splitlines()[0][:300], cell


def run_report(
    out_dir: str | Path = REPO_ROOT / "reports",
    *,
    data_dir: str | Path | None = None,
    model: str | None = None,
    quick: bool = False,
    notebooks: list[Path] | None = None,
    kernel_name: str | None = None,
    cell_timeout: int = 1800,
    extra_parameters: dict[str, Any] | None = None,
) -> ReportResult:
    """Execute the notebooks in order into ``out_dir`` and write ``index.html`` and ``report.json``.

    Args:
        out_dir: The report folder (default ``reports/``).
        data_dir: TalentCLEF Task A root (default: ``JOBMATCH_TALENTCLEF`` or the sample).
        model: Model for every notebook (default: the resolution order of :mod:`models`).
        quick: Smoke run: tiny random model on the bundled sample (seconds; numbers mean nothing).
        notebooks: Which notebooks (default: all of ``notebooks/`` in order).
        kernel_name: Jupyter kernel (default: the kit's own, registered if missing).
        cell_timeout: Seconds one cell may run.
        extra_parameters: More parameters, passed to the notebooks that declare them.
    """
    import papermill

    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    kernel = kernel_name or ensure_kernel()
    if quick:
        spec_label, data_label = "tiny random test model (quick run)", "bundled sample (quick run)"
        base: dict[str, Any] = {"smoke": True}
        if model:
            base["model"] = model
    else:
        spec = resolve_model(model)
        talentclef = resolve_talentclef(data_dir)
        esco = resolve_esco(None)
        spec_label = spec.label
        data_label = talentclef.describe()
        base = {"model": spec.name_or_path,
                "data_dir": "" if talentclef.is_sample else str(talentclef.root),
                "esco_dir": "" if esco.is_sample else str(esco.root)}
    base.update(extra_parameters or {})
    result = ReportResult(out, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), spec_label,
                          data_label, quick)
    paths = notebooks if notebooks is not None else list_notebooks()
    result.notebooks = [NotebookResult(p.stem, "not run") for p in paths]
    print(f"Report → {out}\nModel: {spec_label}\nData:  {data_label}", flush=True)
    for position, (path, entry) in enumerate(zip(paths, result.notebooks), start=1):
        partial = out / f".{path.stem}.partial.ipynb"
        print(f"[{position}/{len(paths)}] {path.stem} …", flush=True)
        started = time.monotonic()
        try:
            declared = _declared_parameters(path)
            parameters = {k: v for k, v in base.items() if k in declared}
            if "output_dir" in declared:
                parameters["output_dir"] = str(out / "artifacts" / path.stem)
            papermill.execute_notebook(str(path), str(partial), parameters=parameters, kernel_name=kernel,
                                       cwd=str(path.parent), progress_bar=False, execution_timeout=cell_timeout,
                                       log_output=False)
        except KeyboardInterrupt:
            entry.status, entry.seconds = "interrupted", time.monotonic() - started
            _keep_partial(partial, out / f"{path.stem}.failed.ipynb", entry)
            _write_index(result)
            raise
        except Exception as exc:  # papermill raises PapermillExecutionError and others
            entry.status, entry.seconds = "failed", time.monotonic() - started
            entry.error, entry.failing_cell = _failure(exc)
            _keep_partial(partial, out / f"{path.stem}.failed.ipynb", entry)
            where = f" (cell [{entry.failing_cell}])" if entry.failing_cell is not None else ""
            print(f"    FAILED{where} after {entry.seconds:.1f} s: {entry.error}", flush=True)
        else:
            entry.status, entry.seconds = "ok", time.monotonic() - started
            final = out / f"{path.stem}.ipynb"
            partial.replace(final)
            (out / f"{path.stem}.failed.ipynb").unlink(missing_ok=True)
            (out / f"{path.stem}.failed.html").unlink(missing_ok=True)
            entry.output, entry.html = final.name, _to_html(final).name
            print(f"    ok ({entry.seconds:.1f} s)", flush=True)
        entry.model = _model_of(out / "artifacts" / path.stem)
        _write_index(result)
    return result


def _declared_parameters(path: Path) -> set[str]:
    """Names declared in a notebook's ``parameters`` cell (annotated or plain assignments)."""
    import ast

    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            tree = ast.parse(cell.source)
            names = {node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)
                     and isinstance(node.target, ast.Name)}
            names |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                      if isinstance(t, ast.Name)}
            return names
    return set()


def _keep_partial(partial: Path, failed: Path, entry: NotebookResult) -> None:
    if partial.exists():
        partial.replace(failed)
        entry.output = failed.name
        try:
            entry.html = _to_html(failed).name
        except Exception:  # a notebook cut off mid-write may not convert; the .ipynb is enough
            entry.html = ""


def _model_of(artifacts: Path) -> str:
    try:
        info = json.loads((artifacts / "run_info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(info.get("model", {}).get("label", ""))


def _write_index(result: ReportResult) -> None:
    write_json(result.out_dir / "report.json", result.to_dict())
    rows = []
    for n in result.notebooks:
        link = f'<a href="{html.escape(n.html or n.output)}">{html.escape(n.name)}</a>' if (n.html or n.output) else html.escape(n.name)
        detail = html.escape(n.error) if n.error else ""
        if n.failing_cell is not None:
            detail = f"failing cell [{n.failing_cell}]: {detail}"
        rows.append(f"<tr class='{n.status.replace(' ', '-')}'><td>{link}</td><td>{n.status}</td>"
                    f"<td>{n.seconds:.1f} s</td><td>{html.escape(n.model)}</td><td>{detail}</td></tr>")
    banner = ("" if "JobBGE" in result.model and "NOT" not in result.model else
              "<p class='warn'>The numbers in this report were produced by a model that is not JobBGE; "
              "they are not JobBGE's numbers.</p>")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jobmatch report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 70rem; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border: 1px solid #ccc; padding: .4rem .6rem; text-align: left; }}
tr.ok td:nth-child(2) {{ color: #176b1a; font-weight: bold; }}
tr.failed td:nth-child(2), tr.interrupted td:nth-child(2) {{ color: #a4161a; font-weight: bold; }}
.warn {{ background: #fff3cd; padding: .6rem; border: 1px solid #e0c36a; }}
</style></head><body>
<h1>jobmatch report</h1>
<p><b>Run:</b> {html.escape(result.started)}{' (quick run: tiny random model, numbers mean nothing)' if result.quick else ''}<br>
<b>Model:</b> {html.escape(result.model)}<br>
<b>Data:</b> {html.escape(result.data)}<br>
<b>Status:</b> {'all notebooks ran' if result.ok else 'some notebooks did not complete'}</p>
{banner}
<table><tr><th>notebook</th><th>status</th><th>time</th><th>model that ran</th><th>details</th></tr>
{''.join(rows)}
</table>
<p>Artifacts (tables, JSON, CSV) of each notebook are in <code>artifacts/&lt;notebook&gt;/</code>.</p>
</body></html>
"""
    atomic_write_text(result.out_dir / "index.html", page)
