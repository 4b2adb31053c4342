"""The card's metric set, computed from rankings with numpy.

Protocol ``sentence-transformers`` (the card's; identical to ``InformationRetrievalEvaluator``):
for a query with relevant set R (|R| > 0; queries with no relevant document are dropped),
hits ``h_i ∈ {0, 1}`` at ranks ``i = 1..k`` and ``H_k = Σ_{i≤k} h_i``:

* ``accuracy@k  = 1 if H_k > 0 else 0``
* ``precision@k = H_k / k``
* ``recall@k    = H_k / |R|``
* ``mrr@k       = 1 / (rank of the first hit) if that rank ≤ k else 0``
* ``ndcg@k      = Σ_{i≤k} h_i / log2(i+1)  ÷  Σ_{i≤min(k,|R|)} 1 / log2(i+1)``  (binary gains)
* ``map@k       = Σ_{i≤k} h_i · H_i / i  ÷  min(k, |R|)``   ← not |R|: the evaluator's choice

Each metric is the mean over queries. Rankings come from :mod:`jobmatch_utils.retrieval`
(ties broken by ascending corpus id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .retrieval import Ranking

__all__ = [
    "CARD_KS",
    "CARD_MAP_KS",
    "METRIC_NAMES",
    "card_metric_keys",
    "hit_matrix",
    "per_query_metrics",
    "evaluate_ranking",
]

#: The cut-offs of the card's table.
CARD_KS: tuple[int, ...] = (1, 20, 50, 100, 150, 200)
#: MAP is also reported at 500.
CARD_MAP_KS: tuple[int, ...] = (*CARD_KS, 500)
METRIC_NAMES: tuple[str, ...] = ("accuracy", "precision", "recall", "ndcg", "mrr", "map")
Protocol = Literal["sentence-transformers"]


def card_metric_keys(ks: Sequence[int] = CARD_KS, map_ks: Sequence[int] = CARD_MAP_KS) -> list[str]:
    """The card's metric names in table order: ``accuracy@1 … map@500``."""
    keys = [f"{m}@{k}" for m in METRIC_NAMES[:-1] for k in ks]
    return keys + [f"map@{k}" for k in map_ks]


def hit_matrix(ranking: Ranking, relevant: Mapping[str, Iterable[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Binary hits of the judged queries.

    Returns:
        ``(query_ids, hits, n_relevant)``: the queries of ``ranking`` that have at least one
        relevant document (others are dropped, as the card's protocol does), a
        ``(n, depth)`` float array of 0/1 hits, and ``|R|`` per query.
    """
    corpus_position = {cid: i for i, cid in enumerate(ranking.corpus_ids)}
    rows, kept, sizes = [], [], []
    for row, qid in enumerate(ranking.query_ids):
        docs = set(relevant.get(qid, ()))
        if not docs:
            continue
        is_relevant = np.zeros(len(ranking.corpus_ids), dtype=bool)
        is_relevant[[corpus_position[d] for d in docs if d in corpus_position]] = True
        rows.append(is_relevant[ranking.indices[row]])
        kept.append(qid)
        sizes.append(len(docs))
    hits = np.array(rows, dtype=np.float64).reshape(len(rows), ranking.depth)
    return kept, hits, np.array(sizes, dtype=np.float64)


def _metrics_from_hits(hits: np.ndarray, n_relevant: np.ndarray, ks: Sequence[int],
                       map_ks: Sequence[int]) -> dict[str, np.ndarray]:
    n, depth = hits.shape
    ranks = np.arange(1, depth + 1, dtype=np.float64)
    cumulative = np.cumsum(hits, axis=1)
    discounts = 1.0 / np.log2(ranks + 1.0)
    dcg = np.cumsum(hits * discounts, axis=1)
    ideal = np.cumsum(1.0 / np.log2(np.arange(1, int(n_relevant.max(initial=1)) + depth + 1) + 1.0))
    precision_sum = np.cumsum(hits * cumulative / ranks, axis=1)
    any_hit = hits.any(axis=1)
    first_rank = np.where(any_hit, hits.argmax(axis=1) + 1, np.inf)

    def at(matrix: np.ndarray, k: int) -> np.ndarray:
        return matrix[:, min(k, depth) - 1] if depth else np.zeros(n)

    out: dict[str, np.ndarray] = {}
    for k in ks:
        hits_k = at(cumulative, k)
        out[f"accuracy@{k}"] = (hits_k > 0).astype(np.float64)
        out[f"precision@{k}"] = hits_k / k
        out[f"recall@{k}"] = hits_k / n_relevant
        out[f"ndcg@{k}"] = at(dcg, k) / ideal[np.minimum(k, n_relevant).astype(int) - 1]
        out[f"mrr@{k}"] = np.where(first_rank <= k, 1.0 / first_rank, 0.0)
    for k in map_ks:
        out[f"map@{k}"] = at(precision_sum, k) / np.minimum(k, n_relevant)
    return out


def per_query_metrics(
    ranking: Ranking,
    relevant: Mapping[str, Iterable[str]],
    *,
    ks: Sequence[int] = CARD_KS,
    map_ks: Sequence[int] = CARD_MAP_KS,
    protocol: Protocol = "sentence-transformers",
) -> pd.DataFrame:
    """One row per judged query, one column per metric (the input of error analysis).

    Example:
        >>> r = Ranking(["q"], ["a", "b"], np.array([[1, 0]]), np.array([[0.9, 0.1]]))
        >>> per_query_metrics(r, {"q": {"a"}}, ks=[1, 2], map_ks=[2])[["mrr@2", "map@2"]].iloc[0].tolist()
        [0.5, 0.5]
    """
    if protocol != "sentence-transformers":
        raise ValueError(f"unknown protocol {protocol!r}")
    query_ids, hits, n_relevant = hit_matrix(ranking, relevant)
    columns = _metrics_from_hits(hits, n_relevant, ks, map_ks)
    frame = pd.DataFrame(columns, index=pd.Index(query_ids, name="q_id", dtype=object))
    return frame[[f"{m}@{k}" for m in METRIC_NAMES[:-1] for k in ks] + [f"map@{k}" for k in map_ks]]


def evaluate_ranking(
    ranking: Ranking,
    relevant: Mapping[str, Iterable[str]],
    *,
    ks: Sequence[int] = CARD_KS,
    map_ks: Sequence[int] = CARD_MAP_KS,
    protocol: Protocol = "sentence-transformers",
) -> dict[str, float]:
    """Mean of every metric over the judged queries: ``{"accuracy@1": …, …, "map@500": …}``.

    Example (notebook 01):
        >>> r = Ranking(["q"], ["a", "b"], np.array([[1, 0]]), np.array([[0.9, 0.1]]))
        >>> evaluate_ranking(r, {"q": {"a"}}, ks=[1], map_ks=[1])["accuracy@1"]
        0.0
    """
    frame = per_query_metrics(ranking, relevant, ks=ks, map_ks=map_ks, protocol=protocol)
    return {column: float(frame[column].mean()) if len(frame) else float("nan") for column in frame.columns}
