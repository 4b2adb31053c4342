"""What every notebook does first: check parameters, say which data and model, prepare outputs.

Example (the second code cell of each notebook)::

    from jobmatch_utils.notebook import start_notebook
    nb = start_notebook(globals(), "01_loading_the_model")
    model, info = nb.load_model()
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data import REPO_ROOT, SAMPLE_ROOT, DataSource, resolve_esco, resolve_talentclef
from .errors import JobmatchError
from .models import ModelInfo, ModelSpec, load_model, resolve_model
from .params import check_parameters
from .textio import atomic_write_text

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["NotebookRun", "start_notebook", "write_json", "show_errors_as_one_line"]


def write_json(path: str | Path, payload: Any) -> Path:
    """Write JSON atomically (NaN written as null)."""
    text = json.dumps(_clean(payload), indent=2, ensure_ascii=False, default=str)
    atomic_write_text(path, text + "\n")
    return Path(path)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _clean(value.item())
    return value


def show_errors_as_one_line() -> None:
    """In IPython, display the kit's own errors as ``error: <message>`` without a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str]:
        lines = [f"error: {value}"]
        shell._showtraceback(etype, value, lines)  # publishes ename/evalue, so papermill reports them
        return lines

    shell.set_custom_exc((JobmatchError,), handler)


@dataclass
class NotebookRun:
    """A notebook's resolved settings: data roots, model, output folder, parameters."""

    name: str
    params: dict[str, Any]
    talentclef: DataSource
    esco: DataSource | None
    model_spec: ModelSpec
    output_dir: Path
    model_info: ModelInfo | None = None
    _model: Any = field(default=None, repr=False)

    @property
    def languages(self) -> list[str]:
        return list(self.params.get("languages", ["en", "es", "de", "zh"]))

    @property
    def data_root(self) -> Path:
        return self.talentclef.root

    def load_model(self) -> tuple[SentenceTransformer, ModelInfo]:
        """Load (once) the resolved model and record what ran in ``run_info.json``."""
        if self._model is None:
            self._model, self.model_info = load_model(self.model_spec)
            self._write_run_info()
            print(f"Model loaded: {self.model_info.label}")
        return self._model, self.model_info

    def artifact(self, name: str) -> Path:
        """Path of a file this notebook writes into its output folder."""
        return self.output_dir / name

    def _write_run_info(self) -> None:
        write_json(self.artifact("run_info.json"), {
            "notebook": self.name,
            "parameters": self.params,
            "talentclef": self.talentclef.describe(),
            "data_is_sample": self.talentclef.is_sample,
            "esco": self.esco.describe() if self.esco else None,
            "model": self.model_info.to_dict() if self.model_info else {
                "name": self.model_spec.name_or_path, "source": self.model_spec.source,
                "is_stand_in": self.model_spec.is_stand_in, "is_jobbge": self.model_spec.is_jobbge,
                "label": self.model_spec.label},
        })


def start_notebook(namespace: MutableMapping[str, Any], name: str, *,
                   injected: set[str] | None = None,
                   choices: Mapping[str, tuple[Any, ...]] | None = None) -> NotebookRun:
    """Check the parameters, resolve data and model (without loading), print what will run.

    Parameters the kit understands (declare those a notebook uses in its parameters cell):
    ``model`` (empty = resolution order), ``data_dir`` (TalentCLEF root), ``esco_dir``,
    ``languages``, ``output_dir`` (empty = ``reports/artifacts/<notebook>``), ``smoke`` (tiny
    random model on the bundled sample, for tests: numbers mean nothing).

    Raises:
        ParameterError: see :func:`jobmatch_utils.params.check_parameters`.
    """
    show_errors_as_one_line()
    params = check_parameters(namespace, injected=injected, choices=choices)
    smoke = bool(params.get("smoke", False))
    data_dir = params.get("data_dir", "")
    # a smoke run ignores JOBMATCH_* and uses the sample unless a folder is passed explicitly
    if smoke and not data_dir:
        talentclef = DataSource(SAMPLE_ROOT / "TaskA", "bundled sample")
    else:
        talentclef = resolve_talentclef(data_dir or None)
    esco = None
    if "esco_dir" in params:
        esco_dir = params["esco_dir"]
        esco = (DataSource(SAMPLE_ROOT / "esco", "bundled sample") if smoke and not esco_dir
                else resolve_esco(esco_dir or None))
    model_name = params.get("model", "") or ("tiny" if smoke else "")
    spec = resolve_model(model_name or None)
    output = params.get("output_dir", "") or str(REPO_ROOT / "reports" / "artifacts" / name)
    run = NotebookRun(name=name, params=params, talentclef=talentclef, esco=esco, model_spec=spec,
                      output_dir=Path(output).expanduser().resolve())
    run.output_dir.mkdir(parents=True, exist_ok=True)
    run._write_run_info()
    print(f"Notebook: {name}")
    print(f"Data:     {talentclef.describe()}" + ("  ← the kit's own small sample" if talentclef.is_sample else ""))
    if esco is not None:
        print(f"ESCO:     {esco.describe()}")
    print(f"Model:    {spec.label}")
    if smoke:
        print("Smoke run: a tiny random model on the bundled sample — the numbers below mean nothing.")
    print(f"Outputs:  {run.output_dir}")
    return run
