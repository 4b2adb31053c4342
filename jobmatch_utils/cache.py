"""An on-disk embedding cache keyed by a model fingerprint and the exact text.

Layout: ``<cache>/embeddings/<fingerprint>/<shard>.npz``; each shard holds ``texts`` (a
unicode array) and ``vectors`` (float32). Shards are numpy files loaded with
``allow_pickle=False``, written to a temporary name and renamed into place, so a reader
never sees half a file and two processes writing at once each add their own shard. A shard
that fails to load (truncated, corrupted) is reported, deleted and its texts re-encoded.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .settings import cache_dir

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["EmbeddingCache", "model_fingerprint"]


def model_fingerprint(model: SentenceTransformer) -> str:
    """A short hash of everything that changes a model's embeddings: weights, modules, max length.

    Fine-tuning changes the weights, so a fine-tuned model never reads its base model's entries.
    """
    digest = hashlib.blake2b(digest_size=12)
    digest.update(repr([type(m).__name__ for m in model]).encode())
    digest.update(f"{model.max_seq_length}".encode())
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is not None:
        digest.update(repr(tokenizer.tokenize("Krankenpflegerin/Lehrer 护士 ÁB")).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


class EmbeddingCache:
    """Embeddings of one model, stored per exact text.

    Args:
        fingerprint: The model's :func:`model_fingerprint`.
        root: Cache folder (default ``<JOBMATCH_CACHE or ~/.cache/jobmatch>/embeddings``).

    Example:
        >>> import tempfile
        >>> cache = EmbeddingCache("demo", root=tempfile.mkdtemp())
        >>> cache.put(["nurse"], np.ones((1, 3), dtype=np.float32))
        >>> cache.get(["nurse", "cook"])[1]
        ['cook']
    """

    def __init__(self, fingerprint: str, root: str | Path | None = None) -> None:
        base = Path(root) if root is not None else cache_dir() / "embeddings"
        self.folder = base / fingerprint
        self._index: dict[str, np.ndarray] | None = None
        self.rebuilt_shards: list[str] = []

    def _load(self) -> dict[str, np.ndarray]:
        if self._index is not None:
            return self._index
        index: dict[str, np.ndarray] = {}
        for shard in sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []:
            try:
                with np.load(shard, allow_pickle=False) as data:
                    texts, vectors = data["texts"], data["vectors"]
                if texts.ndim != 1 or vectors.ndim != 2 or len(texts) != len(vectors):
                    raise ValueError("texts and vectors do not match")
                if not np.isfinite(vectors).all():
                    raise ValueError("non-finite values")
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                warnings.warn(f"{shard}: unreadable embedding-cache shard ({exc}); deleted, its texts "
                              "will be re-encoded", stacklevel=3)
                shard.unlink(missing_ok=True)
                self.rebuilt_shards.append(shard.name)
                continue
            for text, vector in zip(texts.tolist(), vectors):
                index[text] = vector
        self._index = index
        return index

    def __len__(self) -> int:
        return len(self._load())

    def __bool__(self) -> bool:  # a cache is a cache even when empty (``len`` would make it falsy)
        return True

    def get(self, texts: list[str]) -> tuple[dict[str, np.ndarray], list[str]]:
        """Return ``({text: vector} for cached texts, [texts not cached, unique, in order])``."""
        index = self._load()
        found: dict[str, np.ndarray] = {}
        missing: list[str] = []
        seen: set[str] = set()
        for text in texts:
            if text in index:
                found[text] = index[text]
            elif text not in seen:
                missing.append(text)
                seen.add(text)
        return found, missing

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        """Store vectors for texts in a new shard (atomic rename)."""
        if not texts:
            return
        _write_shard(self.folder / f"{uuid.uuid4().hex}.npz", texts, vectors)
        index = self._load()
        for text, vector in zip(texts, np.asarray(vectors, dtype=np.float32)):
            index[text] = vector

    # Whole lists, for the evaluator-exact encoding: a text's vector then depends on the batch
    # it was encoded in, so the list (in order) and the batch size are the key.
    def _list_path(self, texts: list[str], batch_size: int) -> Path:
        digest = hashlib.blake2b(f"{batch_size}\x00".encode(), digest_size=16)
        for text in texts:
            digest.update(text.encode("utf-8") + b"\x00")
        return self.folder / "lists" / f"{digest.hexdigest()}.npz"

    def get_list(self, texts: list[str], batch_size: int) -> np.ndarray | None:
        """Vectors stored for exactly this list of texts and batch size, or ``None``."""
        path = self._list_path(texts, batch_size)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                stored, vectors = data["texts"].tolist(), data["vectors"]
            if stored != list(texts) or not np.isfinite(vectors).all():
                raise ValueError("content does not match its key")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            warnings.warn(f"{path}: unreadable embedding-cache file ({exc}); deleted, re-encoding",
                          stacklevel=3)
            path.unlink(missing_ok=True)
            self.rebuilt_shards.append(path.name)
            return None
        return vectors

    def put_list(self, texts: list[str], batch_size: int, vectors: np.ndarray) -> None:
        """Store the vectors of a whole list (atomic rename)."""
        _write_shard(self._list_path(texts, batch_size), texts, vectors)


def _write_shard(path: Path, texts: list[str], vectors: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, texts=np.array(texts, dtype=str), vectors=np.asarray(vectors, dtype=np.float32))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
