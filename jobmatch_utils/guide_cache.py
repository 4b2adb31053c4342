"""The frozen guide of GISTEmbedLoss, encoded once: a cache of guide embeddings and a loss that reads it.

GISTEmbedLoss (Solatorio, 2024) scores every anchor against every in-batch candidate with the
model being trained, and asks a frozen **guide** model which candidates are *false negatives*:
with ``margin_strategy="absolute"`` and ``margin=0``, a candidate the guide finds more similar to
the anchor than the anchor's own positive is masked out (``-inf``) before the cross-entropy.

sentence-transformers' loss re-encodes every text with the guide at every step. The guide never
changes, so the kit encodes each distinct training text once (:class:`GuideEmbeddingCache`) and
:class:`CachedGuideGISTEmbedLoss` looks the vectors up. The lookup key is the student's own token
ids (padding removed) — exactly what the live loss hands the guide — so the loss is the same, to
float tolerance (a vector computed in a differently padded batch differs at the 1e-7 level).

When the guide's vocabulary differs from the student's (or its max length is shorter), the live
loss decodes the student's tokens back to text and the guide encodes *that* (lower-cased, accents
stripped, ``[UNK]`` pieces dropped when the student lower-cases); the cache does the same and
records it in :attr:`GuideEmbeddingCache.retokenized`.

Every process of a multi-process run builds the same cache deterministically (guide in eval mode,
the same texts in the same order), so nothing has to be shared between processes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

__all__ = ["GuideEmbeddingCache", "CachedGuideGISTEmbedLoss", "guide_must_retokenize", "masked_negatives",
           "freeze"]

logger = logging.getLogger(__name__)


def freeze(model: SentenceTransformer) -> SentenceTransformer:
    """Put a guide in eval mode (no dropout) with gradients off; return it.

    A freshly loaded SentenceTransformer is in *training* mode, so sentence-transformers' own
    GISTEmbedLoss runs its guide with dropout unless you do this.
    """
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def guide_must_retokenize(student: SentenceTransformer, guide: SentenceTransformer) -> bool:
    """True when the guide cannot read the student's tokens (GISTEmbedLoss's own test)."""
    return (student.tokenizer.get_vocab() != guide.tokenizer.get_vocab()
            or guide.max_seq_length < student.max_seq_length)


def _keys(input_ids: Any, attention_mask: Any) -> list[tuple[int, ...]]:
    ids = input_ids.tolist()
    lengths = attention_mask.sum(dim=1).tolist()
    return [tuple(row[:n]) for row, n in zip(ids, lengths)]


@dataclass
class GuideEmbeddingCache:
    """Guide embeddings of distinct texts, keyed by the student's token ids.

    Attributes:
        index: ``{student token ids: row}``.
        vectors: ``(rows, dim)`` float32 guide embeddings.
        retokenized: Whether the guide saw text decoded from the student's tokens.
        texts: Number of distinct texts encoded.
    """

    index: dict[tuple[int, ...], int]
    vectors: torch.Tensor
    retokenized: bool
    texts: int

    @classmethod
    def build(cls, student: SentenceTransformer, guide: SentenceTransformer, texts: Iterable[str], *,
              batch_size: int = 256, show_progress: bool = False) -> GuideEmbeddingCache:
        """Encode every distinct text once with the (frozen) guide.

        Texts are tokenized by the student exactly as the trainer's collator does
        (``student.preprocess``), then either handed to the guide as they are or, when the guide's
        tokenizer differs, decoded and re-tokenized by the guide — what GISTEmbedLoss does live.

        Example:
            >>> from jobmatch_utils.models import load_model
            >>> tiny, _ = load_model("tiny")
            >>> cache = GuideEmbeddingCache.build(tiny, tiny, ["nurse", "Lehrer", "nurse"])
            >>> cache.texts, cache.retokenized
            (2, False)
        """
        import torch
        from sentence_transformers.util import batch_to_device

        distinct = sorted(dict.fromkeys(texts), key=len)
        retokenize = guide_must_retokenize(student, guide)
        if retokenize:
            logger.warning("the guide's tokenizer differs from the student's: the guide sees text decoded from "
                           "the student's tokens (lower-cased, accents stripped, [UNK] pieces dropped)")
        was_training = guide.training
        guide.eval()
        index: dict[tuple[int, ...], int] = {}
        chunks = []
        iterator = range(0, len(distinct), batch_size)
        if show_progress:
            from tqdm.auto import tqdm

            iterator = tqdm(iterator, desc="guide embeddings", unit="batch")
        with torch.no_grad():
            for start in iterator:
                batch = distinct[start:start + batch_size]
                features = student.preprocess(batch)
                keys = _keys(features["input_ids"], features["attention_mask"])
                if retokenize:
                    decoded = student.tokenizer.batch_decode(features["input_ids"], skip_special_tokens=True)
                    features = guide.preprocess(decoded)
                features = batch_to_device(dict(features), guide.device)
                vectors = guide(features)["sentence_embedding"].detach().float().cpu()
                for key, vector in zip(keys, vectors):
                    if key not in index:
                        index[key] = len(index)
                        chunks.append(vector)
        guide.train(was_training)
        dim = guide.get_embedding_dimension() or 0
        table = torch.stack(chunks) if chunks else torch.zeros((0, dim))
        return cls(index=index, vectors=table, retokenized=retokenize, texts=len(distinct))

    def __len__(self) -> int:
        return len(self.index)

    def save(self, path: str | Path) -> Path:
        """Write the cache to one ``.npz`` file (atomic rename)."""
        import os
        import tempfile

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.index)
        flat = np.array([t for k in keys for t in k], dtype=np.int64)
        offsets = np.cumsum([0] + [len(k) for k in keys]).astype(np.int64)
        rows = np.array([self.index[k] for k in keys], dtype=np.int64)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, flat=flat, offsets=offsets, rows=rows, vectors=self.vectors.numpy(),
                     meta=np.array([int(self.retokenized), self.texts], dtype=np.int64))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> GuideEmbeddingCache:
        """Read a cache written by :meth:`save`."""
        import torch

        with np.load(Path(path), allow_pickle=False) as data:
            flat, offsets, rows = data["flat"].tolist(), data["offsets"].tolist(), data["rows"].tolist()
            vectors, meta = torch.from_numpy(data["vectors"].copy()), data["meta"].tolist()
        index = {tuple(flat[offsets[i]:offsets[i + 1]]): rows[i] for i in range(len(rows))}
        return cls(index=index, vectors=vectors, retokenized=bool(meta[0]), texts=int(meta[1]))

    @classmethod
    def cached_build(cls, student: SentenceTransformer, guide: SentenceTransformer, texts: Iterable[str],
                     **kwargs: Any) -> GuideEmbeddingCache:
        """:meth:`build`, stored under the kit's cache folder and reused when guide, student tokens and texts match.

        The key hashes the guide's fingerprint, the student's tokenizer and max length, and the
        distinct texts, so every process of a distributed run finds (or builds) the same file.
        """
        import hashlib

        from .cache import model_fingerprint
        from .settings import cache_dir

        distinct = sorted(dict.fromkeys(texts))
        digest = hashlib.blake2b(digest_size=16)
        digest.update(model_fingerprint(guide).encode())
        digest.update(f"{student.max_seq_length}\x00{len(student.tokenizer)}\x00".encode())
        digest.update(repr(student.tokenizer.tokenize("Krankenpflegerin/Lehrer 护士 ÁB")).encode())
        for text in distinct:
            digest.update(text.encode("utf-8") + b"\x00")
        path = cache_dir() / "guide" / f"{digest.hexdigest()}.npz"
        if path.exists():
            try:
                return cls.load(path)
            except (OSError, ValueError, KeyError):
                path.unlink(missing_ok=True)
        cache = cls.build(student, guide, distinct, **kwargs)
        cache.save(path)
        return cache

    def lookup(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
        """Rows for a batch of student features, and the positions not in the cache (zeros there)."""
        import torch

        rows = [self.index.get(key, -1) for key in _keys(input_ids, attention_mask)]
        missing = [i for i, r in enumerate(rows) if r < 0]
        safe = torch.tensor([max(r, 0) for r in rows], dtype=torch.long)
        out = self.vectors[safe].clone() if len(self.vectors) else torch.zeros((len(rows), 1))
        if missing:
            out[missing] = 0.0
        return out, missing


class _CachedGuide:
    """Callable standing in for the guide inside GISTEmbedLoss: ``guide(features)["sentence_embedding"]``."""

    def __init__(self, cache: GuideEmbeddingCache, student: SentenceTransformer, guide: SentenceTransformer) -> None:
        self.cache, self.student, self.guide = cache, student, guide
        self.misses = 0

    def __call__(self, features: dict[str, Any]) -> dict[str, Any]:
        import torch
        from sentence_transformers.util import batch_to_device

        vectors, missing = self.cache.lookup(features["input_ids"].cpu(), features["attention_mask"].cpu())
        if missing:  # a text the cache was not built for: encode it live, as GISTEmbedLoss would
            self.misses += len(missing)
            ids = features["input_ids"][missing]
            if self.cache.retokenized:
                decoded = self.student.tokenizer.batch_decode(ids, skip_special_tokens=True)
                sub = self.guide.preprocess(decoded)
            else:
                sub = {k: v[missing] for k, v in features.items() if hasattr(v, "shape") and v.shape[:1] == ids.shape[:1]}
            with torch.no_grad():
                live = self.guide(batch_to_device(dict(sub), self.guide.device))["sentence_embedding"]
            vectors[missing] = live.detach().float().cpu()
        return {"sentence_embedding": vectors.to(features["input_ids"].device)}


class _Precomputed:
    """Callable standing in for the student inside GISTEmbedLoss: the embeddings of known feature dicts."""

    def __init__(self, features_list: Sequence[dict[str, Any]], embeddings: Sequence[Any]) -> None:
        self.by_id = {id(features): embedding for features, embedding in zip(features_list, embeddings)}

    def __call__(self, features: dict[str, Any]) -> dict[str, Any]:
        return {"sentence_embedding": self.by_id[id(features)]}


def _gist_base() -> type:
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    return GISTEmbedLoss


class CachedGuideGISTEmbedLoss:
    """GISTEmbedLoss whose guide embeddings come from a :class:`GuideEmbeddingCache`.

    Same arguments as ``GISTEmbedLoss`` plus ``cache`` and ``chunk_size`` (rows per forward pass of
    the student over the batch's texts sorted by length, see :mod:`jobmatch_utils.sorted_forward`;
    0 = one forward per column, as sentence-transformers); the real guide stays in ``guide_model``
    (reported in the model card) and encodes live only texts missing from the cache. Created via
    ``__new__`` so that importing this module does not import torch.

    Example:
        >>> from jobmatch_utils.models import load_model
        >>> tiny, _ = load_model("tiny")
        >>> cache = GuideEmbeddingCache.build(tiny, tiny, ["nurse", "Lehrer"])
        >>> loss = CachedGuideGISTEmbedLoss(tiny, tiny, cache=cache)
        >>> loss.temperature
        0.01
    """

    def __new__(cls, model: SentenceTransformer, guide: SentenceTransformer, *, cache: GuideEmbeddingCache,
                temperature: float = 0.01, margin_strategy: str = "absolute", margin: float = 0.0,
                **kwargs: Any) -> Any:
        loss_class = _cached_loss_class()
        return loss_class(model, guide, cache=cache, temperature=temperature, margin_strategy=margin_strategy,
                          margin=margin, **kwargs)


_LOSS_CLASS: type | None = None


def _cached_loss_class() -> type:
    global _LOSS_CLASS
    if _LOSS_CLASS is not None:
        return _LOSS_CLASS
    base = _gist_base()

    class _CachedGuideGIST(base):  # type: ignore[misc, valid-type]
        """GISTEmbedLoss reading its guide embeddings from a cache (see CachedGuideGISTEmbedLoss)."""

        def __init__(self, model: Any, guide: Any, *, cache: GuideEmbeddingCache, chunk_size: int = 0,
                     **kwargs: Any) -> None:
            super().__init__(model, freeze(guide), **kwargs)
            self.guide_cache = cache
            self.chunk_size = int(chunk_size)
            self._lookup = _CachedGuide(cache, model, guide)

        def forward(self, sentence_features: Iterable[dict[str, Any]], labels: Any) -> Any:
            sentence_features = list(sentence_features)
            stand_ins: dict[str, Any] = {"guide": self._lookup}
            if self.chunk_size > 0 and len(sentence_features) == 2:
                from .sorted_forward import length_sorted_embeddings

                embeddings = length_sorted_embeddings(self.model, sentence_features, chunk_size=self.chunk_size)
                if embeddings is not None:
                    stand_ins["model"] = _Precomputed(sentence_features, embeddings)
            retokenize = self.must_retokenize
            # GISTEmbedLoss calls self.model(features) and self.guide(features) on the student's features:
            # hand it the precomputed student embeddings and the guide lookup instead
            real = {name: self._modules.pop(name) for name in stand_ins}
            for name, stand_in in stand_ins.items():
                object.__setattr__(self, name, stand_in)
            self.must_retokenize = False
            try:
                return super().forward(sentence_features, labels)
            finally:
                for name, module in real.items():
                    object.__delattr__(self, name)
                    self._modules[name] = module
                self.must_retokenize = retokenize

    _CachedGuideGIST.__name__ = "CachedGuideGISTEmbedLoss"
    _CachedGuideGIST.__qualname__ = "CachedGuideGISTEmbedLoss"
    _LOSS_CLASS = _CachedGuideGIST
    return _CachedGuideGIST


def masked_negatives(guide_vectors_anchor: np.ndarray, guide_vectors_positive: np.ndarray, *,
                     margin: float = 0.0) -> dict[str, Any]:
    """What the guide masks in one batch (absolute margin): counts per similarity matrix.

    A candidate is masked when the guide's similarity to the anchor (or positive) exceeds the
    guide's anchor–positive similarity minus ``margin``; the true positive and self pairs are never
    counted.

    Returns:
        ``{"anchor-positive": n, "anchor-anchor": n, "positive-positive": n, "candidates": n,
        "pairs": [(row, column, matrix), ...]}`` where ``candidates`` is the number of negatives
        per matrix (``batch × (batch − 1)``).

    Example:
        >>> a = np.array([[1.0, 0.0], [1.0, 0.0]]); p = np.array([[0.8, 0.6], [0.0, 1.0]])
        >>> masked_negatives(a, p)["anchor-positive"]
        1
    """
    a = guide_vectors_anchor / np.linalg.norm(guide_vectors_anchor, axis=1, keepdims=True)
    p = guide_vectors_positive / np.linalg.norm(guide_vectors_positive, axis=1, keepdims=True)
    n = len(a)
    threshold = (a * p).sum(axis=1)[:, None] - margin
    off_diagonal = ~np.eye(n, dtype=bool)
    result: dict[str, Any] = {"candidates": n * (n - 1), "pairs": []}
    for name, sims in (("anchor-positive", a @ p.T), ("anchor-anchor", a @ a.T), ("positive-positive", p @ p.T)):
        mask = (sims > threshold) & off_diagonal
        result[name] = int(mask.sum())
        result["pairs"] += [(int(i), int(j), name) for i, j in zip(*np.nonzero(mask))]
    return result


def guide_vectors(cache: GuideEmbeddingCache, student: SentenceTransformer, texts: Sequence[str]) -> np.ndarray:
    """Cached guide vectors of texts (tokenized by the student), as a numpy array."""
    features = student.preprocess(list(texts))
    vectors, missing = cache.lookup(features["input_ids"], features["attention_mask"])
    if missing:
        from .errors import ParameterError

        raise ParameterError(f"{len(missing)} text(s) are not in the guide cache, e.g. '{texts[missing[0]]}'",
                             fix="build the cache from every text you look up")
    return vectors.numpy()


__all__ += ["guide_vectors"]
