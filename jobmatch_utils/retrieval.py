"""Encoding titles (with a progress bar and the embedding cache) and cosine top-k search.

Two encodings:

* ``"evaluator"`` reproduces sentence-transformers' ``InformationRetrievalEvaluator`` to the
  last bit: each list (judged queries, corpus) is encoded in file order in batches of 128 (the card's evaluation batch size).
  A title's vector depends, at the 1e-7 level, on the padding of the batch it was encoded in,
  and with the stand-in many Chinese titles become the same ``[UNK]`` tokens, so such
  float noise decides their order. Use it to reproduce the card's protocol.
* ``"distinct"`` encodes each distinct text once and caches it per text, so sets that share
  titles (cross-lingual directions) cost only their new titles. Identical texts then get
  identical scores.

Scores are cosine similarities computed as the evaluator does (re-normalise, ``torch.mm``);
ties are broken by ascending corpus id (compared as strings), the evaluator's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from .cache import EmbeddingCache, model_fingerprint
from .data import RetrievalSet

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["Ranking", "Encoding", "encode", "encode_like_evaluator", "search", "rank_set", "nearest_neighbours", "warn_if_truncated", "DEFAULT_TOP_K",
           "EVALUATOR_BATCH_SIZE"]

#: Deep enough for every metric of the card (map@500 needs 500).
DEFAULT_TOP_K = 500
#: Batch size of the evaluator-exact encoding: the card's evaluation batch size (128), also passed
#: to ``InformationRetrievalEvaluator(batch_size=...)`` when the kit cross-checks against it.
EVALUATOR_BATCH_SIZE = 128
Encoding = Literal["evaluator", "distinct"]


def warn_if_truncated(model: SentenceTransformer, texts: Sequence[str]) -> int:
    """Warn once (with a count) when titles are longer than the model's max_seq_length; return the count."""
    limit = model.max_seq_length
    tokenizer = getattr(model, "tokenizer", None)
    if not limit or tokenizer is None:
        return 0
    candidates = [t for t in set(texts) if len(t) > limit // 2]  # shorter texts cannot reach the limit
    if not candidates:
        return 0
    lengths = tokenizer(candidates, add_special_tokens=True, truncation=False)["input_ids"]
    too_long = sum(len(ids) > limit for ids in lengths)
    if too_long:
        import warnings

        warnings.warn(f"{too_long} title(s) are longer than the model's {limit}-token limit and are truncated "
                      "to their first tokens", stacklevel=3)
    return too_long


def _resolve_cache(model: SentenceTransformer, cache: EmbeddingCache | bool) -> EmbeddingCache | None:
    if isinstance(cache, EmbeddingCache):
        return cache
    return EmbeddingCache(model_fingerprint(model)) if cache else None


def encode(
    model: SentenceTransformer,
    texts: Sequence[str],
    *,
    cache: EmbeddingCache | bool = True,
    batch_size: int = 128,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Encode texts into L2-normalised float32 vectors, reusing cached ones.

    Each distinct text is encoded once; repeated texts share a row.

    Args:
        model: A sentence-transformers model.
        texts: The texts, in the order of the returned rows.
        cache: ``True`` for the default on-disk cache, an :class:`EmbeddingCache`, or ``False``.
        batch_size: Texts per forward pass.
        show_progress: Progress bar; ``None`` shows it for more than 1,000 new texts.

    Example (notebook 01):
        >>> from jobmatch_utils.models import load_model
        >>> model, _ = load_model("tiny")
        >>> encode(model, ["nurse", "nurse"], cache=False).shape
        (2, 32)
    """
    texts = list(texts)
    store = _resolve_cache(model, cache)
    found, missing = store.get(texts) if store is not None else ({}, list(dict.fromkeys(texts)))
    if missing:
        warn_if_truncated(model, missing)
        progress = len(missing) > 1000 if show_progress is None else show_progress
        # longest first: batches of similar length pad less
        order = sorted(range(len(missing)), key=lambda i: -len(missing[i]))
        vectors = model.encode([missing[i] for i in order], batch_size=batch_size, show_progress_bar=progress,
                               convert_to_numpy=True, normalize_embeddings=True).astype(np.float32)
        new = np.empty_like(vectors)
        new[order] = vectors
        if store is not None:
            store.put(missing, new)
        found.update(zip(missing, new))
    dimension = model.get_embedding_dimension()
    if not texts:
        return np.zeros((0, dimension or 0), dtype=np.float32)
    return np.stack([found[text] for text in texts]).astype(np.float32, copy=False)


def encode_like_evaluator(
    model: SentenceTransformer,
    texts: Sequence[str],
    *,
    cache: EmbeddingCache | bool = True,
    batch_size: int = EVALUATOR_BATCH_SIZE,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Encode a list exactly as ``InformationRetrievalEvaluator`` does (same call, same batches).

    The whole list is cached under its own key, so re-running a notebook costs nothing.
    """
    texts = list(texts)
    store = _resolve_cache(model, cache)
    if store is not None:
        stored = store.get_list(texts, batch_size)
        if stored is not None:
            return stored
    warn_if_truncated(model, texts)
    progress = len(texts) > 1000 if show_progress is None else show_progress
    vectors = model.encode(texts, batch_size=batch_size, show_progress_bar=progress, convert_to_tensor=True)
    vectors = vectors.detach().cpu().float().numpy()
    if store is not None:
        store.put_list(texts, batch_size, vectors)
    return vectors


@dataclass
class Ranking:
    """The top-k corpus entries per query, best first.

    Attributes:
        query_ids: One id per row.
        corpus_ids: The corpus ids that ``indices`` point into.
        indices: ``(n_queries, k)`` positions in ``corpus_ids``.
        scores: ``(n_queries, k)`` cosine similarities, non-increasing along each row.
    """

    query_ids: list[str]
    corpus_ids: list[str]
    indices: np.ndarray
    scores: np.ndarray

    @property
    def depth(self) -> int:
        return int(self.indices.shape[1])

    def doc_ids(self, row: int) -> list[str]:
        """The ranked corpus ids of one query row."""
        return [self.corpus_ids[i] for i in self.indices[row]]

    def to_dict(self) -> dict[str, dict[str, float]]:
        """``{q_id: {c_id: score}}`` — the run format of ranx and pytrec_eval."""
        return {qid: {self.corpus_ids[i]: float(s) for i, s in zip(self.indices[row], self.scores[row])}
                for row, qid in enumerate(self.query_ids)}

    def subset(self, query_ids: Sequence[str]) -> Ranking:
        """The rows of the given queries, in the given order."""
        position = {qid: row for row, qid in enumerate(self.query_ids)}
        rows = [position[q] for q in query_ids]
        return Ranking(list(query_ids), self.corpus_ids, self.indices[rows], self.scores[rows])


def search(
    query_embeddings: np.ndarray,
    corpus_embeddings: np.ndarray,
    *,
    query_ids: Sequence[str],
    corpus_ids: Sequence[str],
    top_k: int = DEFAULT_TOP_K,
    chunk_size: int = 2048,
) -> Ranking:
    """Exact cosine top-k search; ties broken by ascending corpus id (as strings).

    Cosine is computed as sentence-transformers' ``cos_sim`` does (normalise, then ``torch.mm``
    over all corpus rows at once), so scores are bit-identical to the evaluator's.

    Example:
        >>> q = np.array([[1.0, 0.0]], dtype=np.float32)
        >>> c = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
        >>> search(q, c, query_ids=["q"], corpus_ids=["b", "c", "a"], top_k=2).doc_ids(0)
        ['a', 'c']
    """
    import torch
    from sentence_transformers.util import cos_sim

    corpus_ids = [str(c) for c in corpus_ids]
    k = min(int(top_k), len(corpus_ids))
    # permute columns into tie-break order, so "lowest column" means "lowest id"
    tie_order = np.array(sorted(range(len(corpus_ids)), key=corpus_ids.__getitem__), dtype=np.int64)
    corpus_tensor = torch.from_numpy(np.ascontiguousarray(corpus_embeddings, dtype=np.float32))
    queries = torch.from_numpy(np.ascontiguousarray(query_embeddings, dtype=np.float32))
    all_idx = np.empty((len(queries), k), dtype=np.int64)
    all_scores = np.empty((len(queries), k), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(queries), chunk_size):
            scores = cos_sim(queries[start:start + chunk_size], corpus_tensor).numpy()[:, tie_order]
            idx = _top_k_lowest_index_on_ties(scores, k)
            all_idx[start:start + chunk_size] = tie_order[idx]
            all_scores[start:start + chunk_size] = np.take_along_axis(scores, idx, axis=1)
    return Ranking([str(q) for q in query_ids], corpus_ids, all_idx, all_scores)


def _top_k_lowest_index_on_ties(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best scores per row, sorted by (-score, column)."""
    n_rows, n_cols = scores.shape
    if k == 0:
        return np.zeros((n_rows, 0), dtype=np.int64)
    if k < n_cols:
        kth = np.partition(scores, n_cols - k, axis=1)[:, n_cols - k]  # k-th largest per row
        above = scores > kth[:, None]
        at = scores == kth[:, None]
        need = k - above.sum(axis=1)
        take = above | (at & (np.cumsum(at, axis=1) <= need[:, None]))
        idx = np.nonzero(take)[1].reshape(n_rows, k)  # row-major: columns ascending within a row
    else:
        idx = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols)).copy()
    picked = np.take_along_axis(scores, idx, axis=1)
    order = np.lexsort((idx, -picked), axis=1)  # primary: score descending; then column
    return np.take_along_axis(idx, order, axis=1)


def rank_set(
    model: SentenceTransformer,
    retrieval_set: RetrievalSet,
    *,
    top_k: int = DEFAULT_TOP_K,
    cache: EmbeddingCache | bool = True,
    encoding: Encoding = "evaluator",
) -> Ranking:
    """Encode a retrieval set's queries and corpus and rank the corpus for every query.

    Args:
        model: A sentence-transformers model.
        retrieval_set: The set to rank.
        top_k: Depth of the ranking.
        cache: See :func:`encode`.
        encoding: ``"evaluator"`` (bit-identical to the card's evaluator) or ``"distinct"``
            (each distinct text once, shared across sets); see the module docstring.

    Example (notebook 01):
        >>> from jobmatch_utils.data import load_validation_set
        >>> from jobmatch_utils.models import load_model
        >>> model, _ = load_model("tiny")
        >>> rank_set(model, load_validation_set(None, "en"), top_k=5).depth
        5
    """
    resolved = _resolve_cache(model, cache)
    store: EmbeddingCache | bool = resolved if resolved is not None else False  # an empty cache is falsy
    relevant = retrieval_set.relevant
    # the evaluator encodes only judged queries, in file order; unjudged ones are encoded apart
    judged = [q for q in retrieval_set.queries if q in relevant]
    unjudged = [q for q in retrieval_set.queries if q not in relevant]
    cids = list(retrieval_set.corpus)
    embed = encode_like_evaluator if encoding == "evaluator" else encode
    parts = [embed(model, [retrieval_set.queries[q] for q in group], cache=store)
             for group in (judged, unjudged) if group]
    q_emb = np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)
    c_emb = embed(model, [retrieval_set.corpus[c] for c in cids], cache=store)
    return search(q_emb, c_emb, query_ids=judged + unjudged, corpus_ids=cids, top_k=top_k,
                  chunk_size=max(1, len(judged) + len(unjudged)))


def nearest_neighbours(model: SentenceTransformer, retrieval_set: RetrievalSet, *, n_queries: int = 3,
                       k: int = 5, cache: EmbeddingCache | bool = True):
    """Top-k corpus titles for the first ``n_queries`` queries of a set, as a table.

    Columns: ``query``, ``rank``, ``title``, ``score``, ``relevant`` (judged relevant or not).

    Example (notebook 01):
        >>> from jobmatch_utils.data import load_validation_set
        >>> from jobmatch_utils.models import load_model
        >>> model, _ = load_model("tiny")
        >>> nearest_neighbours(model, load_validation_set(None, "de"), n_queries=1, k=2).shape
        (2, 5)
    """
    import pandas as pd

    qids = list(retrieval_set.queries)[:n_queries]
    cids = list(retrieval_set.corpus)
    ranking = search(encode(model, [retrieval_set.queries[q] for q in qids], cache=cache),
                     encode(model, [retrieval_set.corpus[c] for c in cids], cache=cache),
                     query_ids=qids, corpus_ids=cids, top_k=k)
    relevant = retrieval_set.relevant
    rows = [{"query": retrieval_set.queries[qid], "rank": rank, "title": retrieval_set.corpus[cid],
             "score": float(score), "relevant": cid in relevant.get(qid, set())}
            for row, qid in enumerate(qids)
            for rank, (cid, score) in enumerate(zip(ranking.doc_ids(row), ranking.scores[row]), start=1)]
    return pd.DataFrame(rows)
