"""The card's metric set and TalentCLEF's official metrics, computed from rankings with numpy.

For a query with relevant set R, hits ``h_i ∈ {0, 1}`` at ranks ``i = 1..n`` and
``H_k = Σ_{i≤k} h_i``. Gains are binary (relevance > 0 is relevant; relevance 0 is not).

Protocol ``sentence-transformers`` — the card's; identical to ``InformationRetrievalEvaluator``:

* queries with no relevant document are dropped;
* ``accuracy@k  = 1 if H_k > 0 else 0``
* ``precision@k = H_k / k``
* ``recall@k    = H_k / |R|``
* ``mrr@k       = 1 / (rank of the first hit) if that rank ≤ k else 0``
* ``ndcg@k      = Σ_{i≤k} h_i / log2(i+1)  ÷  Σ_{i≤min(k,|R|)} 1 / log2(i+1)``
* ``map@k       = Σ_{i≤k} h_i · H_i / i  ÷  min(k, |R|)``   ← the evaluator's choice

Protocol ``trec`` — TalentCLEF's official script (ranx) and trec_eval:

* every judged query counts; a query with judgments but no line in the run scores 0;
* ``map  = Σ_i h_i · H_i / i  ÷  |R|``   (AP over the whole run, divided by |R|, not min(k, |R|))
* ``mrr  = 1 / (rank of the first hit)``; ``ndcg`` over the whole run, ideal over |R|;
* ``precision@5``, ``precision@10``, ``precision@100`` as above.

With many relevant titles per query (TalentCLEF has about 23 on average in English) the two
MAPs differ a lot: notebook 05 shows by how much. Rankings come from
:mod:`jobmatch_utils.retrieval` (ties broken by ascending corpus id) or from run files.
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
    "TREC_METRICS",
    "Protocol",
    "card_metric_keys",
    "hit_matrix",
    "per_query_metrics",
    "evaluate_ranking",
    "count_near_ties",
]

#: The cut-offs of the card's table.
CARD_KS: tuple[int, ...] = (1, 20, 50, 100, 150, 200)
#: MAP is also reported at 500.
CARD_MAP_KS: tuple[int, ...] = (*CARD_KS, 500)
METRIC_NAMES: tuple[str, ...] = ("accuracy", "precision", "recall", "ndcg", "mrr", "map")
#: TalentCLEF 2025's official metric set.
TREC_METRICS: tuple[str, ...] = ("map", "mrr", "ndcg", "precision@5", "precision@10", "precision@100")
Protocol = Literal["sentence-transformers", "trec"]


def card_metric_keys(ks: Sequence[int] = CARD_KS, map_ks: Sequence[int] = CARD_MAP_KS) -> list[str]:
    """The card's metric names in table order: ``accuracy@1 … map@500``."""
    keys = [f"{m}@{k}" for m in METRIC_NAMES[:-1] for k in ks]
    return keys + [f"map@{k}" for k in map_ks]


def hit_matrix(ranking: Ranking, relevant: Mapping[str, Iterable[str]], *,
               query_ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Binary hits per query.

    Args:
        ranking: The rankings.
        relevant: ``{q_id: relevant doc ids}``.
        query_ids: Queries to score, in order; a query absent from ``ranking`` gets no hits.
            Default: the queries of ``ranking`` with at least one relevant document.

    Returns:
        ``(query_ids, hits, n_relevant)``: a ``(n, depth)`` float array of 0/1 hits and ``|R|``.
    """
    corpus_position = {cid: i for i, cid in enumerate(ranking.corpus_ids)}
    row_of = {qid: row for row, qid in enumerate(ranking.query_ids)}
    if query_ids is None:
        query_ids = [q for q in ranking.query_ids if any(True for _ in relevant.get(q, ()))]
    hits = np.zeros((len(query_ids), ranking.depth), dtype=np.float64)
    sizes = np.zeros(len(query_ids), dtype=np.float64)
    is_relevant = np.zeros(len(ranking.corpus_ids), dtype=bool)
    for out_row, qid in enumerate(query_ids):
        docs = set(relevant.get(qid, ()))
        sizes[out_row] = len(docs)
        row = row_of.get(qid)
        if row is None or not docs:
            continue
        positions = [corpus_position[d] for d in docs if d in corpus_position]
        is_relevant[positions] = True
        hits[out_row] = is_relevant[ranking.indices[row]]
        is_relevant[positions] = False
    return list(query_ids), hits, sizes


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=np.float64),
                     where=denominator > 0)


def _metrics_from_hits(hits: np.ndarray, n_relevant: np.ndarray, ks: Sequence[int], map_ks: Sequence[int],
                       map_divisor: Literal["min_k_r", "r"]) -> dict[str, np.ndarray]:
    n, depth = hits.shape
    ranks = np.arange(1, depth + 1, dtype=np.float64)
    cumulative = np.cumsum(hits, axis=1)
    dcg = np.cumsum(hits / np.log2(ranks + 1.0), axis=1)
    longest = int(n_relevant.max(initial=0)) + depth + 1
    ideal = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(1, longest + 1) + 1.0))])
    precision_sum = np.cumsum(hits * cumulative / ranks, axis=1)
    first_rank = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, np.inf)

    def at(matrix: np.ndarray, k: int) -> np.ndarray:
        return matrix[:, min(k, depth) - 1] if depth else np.zeros(n)

    sizes = n_relevant.astype(int)
    out: dict[str, np.ndarray] = {}
    for k in ks:
        hits_k = at(cumulative, k)
        out[f"accuracy@{k}"] = (hits_k > 0).astype(np.float64)
        out[f"precision@{k}"] = hits_k / k
        out[f"recall@{k}"] = _safe_divide(hits_k, n_relevant)
        out[f"ndcg@{k}"] = _safe_divide(at(dcg, k), ideal[np.minimum(k, sizes)])
        out[f"mrr@{k}"] = np.where(first_rank <= k, 1.0 / first_rank, 0.0)
    for k in map_ks:
        divisor = np.minimum(k, n_relevant) if map_divisor == "min_k_r" else n_relevant
        out[f"map@{k}"] = _safe_divide(at(precision_sum, k), divisor)
    if map_divisor == "r":  # the official set, over the whole run
        out["map"] = _safe_divide(at(precision_sum, depth), n_relevant) if depth else np.zeros(n)
        out["mrr"] = np.where(np.isfinite(first_rank), 1.0 / first_rank, 0.0)
        out["ndcg"] = _safe_divide(at(dcg, depth), ideal[sizes]) if depth else np.zeros(n)
    return out


def per_query_metrics(
    ranking: Ranking,
    relevant: Mapping[str, Iterable[str]],
    *,
    ks: Sequence[int] = CARD_KS,
    map_ks: Sequence[int] = CARD_MAP_KS,
    protocol: Protocol = "sentence-transformers",
    query_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per evaluated query, one column per metric (the input of error analysis).

    Args:
        ranking: The rankings (from :func:`~jobmatch_utils.retrieval.rank_set` or a run file).
        relevant: ``{q_id: relevant doc ids}``; for ``trec``, every key is a judged query.
        ks: Cut-offs of accuracy, precision, recall, ndcg and mrr.
        map_ks: Cut-offs of MAP.
        protocol: ``"sentence-transformers"`` (the card's) or ``"trec"`` (TalentCLEF's official).
        query_ids: Which queries to score (default: the protocol's choice, see the module docstring).

    Example:
        >>> r = Ranking(["q"], ["a", "b"], np.array([[1, 0]]), np.array([[0.9, 0.1]]))
        >>> per_query_metrics(r, {"q": {"a"}}, ks=[1, 2], map_ks=[2])[["mrr@2", "map@2"]].iloc[0].tolist()
        [0.5, 0.5]
    """
    if protocol == "sentence-transformers":
        chosen = query_ids if query_ids is not None else [q for q in ranking.query_ids if relevant.get(q)]
        divisor: Literal["min_k_r", "r"] = "min_k_r"
        columns = card_metric_keys(ks, map_ks)
    elif protocol == "trec":
        chosen = query_ids if query_ids is not None else list(relevant)
        divisor = "r"
        ks = sorted({*ks, 5, 10, 100})
        columns = [*TREC_METRICS, *(f"{m}@{k}" for m in METRIC_NAMES[:-1] for k in ks
                                    if f"{m}@{k}" not in TREC_METRICS), *(f"map@{k}" for k in map_ks)]
    else:
        raise ValueError(f"unknown protocol {protocol!r}: use 'sentence-transformers' or 'trec'")
    qids, hits, sizes = hit_matrix(ranking, relevant, query_ids=chosen)
    values = _metrics_from_hits(hits, sizes, ks, map_ks, divisor)
    frame = pd.DataFrame(values, index=pd.Index(qids, name="q_id", dtype=object))
    return frame[columns]


def evaluate_ranking(
    ranking: Ranking,
    relevant: Mapping[str, Iterable[str]],
    *,
    ks: Sequence[int] = CARD_KS,
    map_ks: Sequence[int] = CARD_MAP_KS,
    protocol: Protocol = "sentence-transformers",
    query_ids: Sequence[str] | None = None,
) -> dict[str, float]:
    """Mean of every metric over the evaluated queries, e.g. ``{"accuracy@1": …, "map@500": …}``.

    Example (notebook 01):
        >>> r = Ranking(["q"], ["a", "b"], np.array([[1, 0]]), np.array([[0.9, 0.1]]))
        >>> evaluate_ranking(r, {"q": {"a"}}, ks=[1], map_ks=[1])["accuracy@1"]
        0.0
    """
    frame = per_query_metrics(ranking, relevant, ks=ks, map_ks=map_ks, protocol=protocol, query_ids=query_ids)
    return {column: float(frame[column].mean()) if len(frame) else float("nan") for column in frame.columns}


def count_near_ties(scores: Mapping[str, Mapping[str, float]]) -> dict[str, int]:
    """Count neighbouring scores in each query's ranking that are tied or nearly tied.

    ``exact``: equal scores (the kit breaks them by ascending document id). ``float32``:
    different scores that become equal in single precision — trec_eval (and so pytrec_eval)
    reads scores as floats and then breaks such ties by document id, so its ranking, and its
    metrics, can differ from ranx's and the kit's on the same run.

    Example:
        >>> count_near_ties({"q": {"a": 0.5, "b": 0.5, "c": 0.30000001, "d": 0.3}})
        {'exact': 1, 'float32': 1, 'queries_affected': 1}
    """
    exact = near = affected = 0
    for ranked in scores.values():
        values = np.sort(np.fromiter(ranked.values(), dtype=np.float64, count=len(ranked)))[::-1]
        if values.size < 2:
            continue
        same = values[1:] == values[:-1]
        single = (values[1:].astype(np.float32) == values[:-1].astype(np.float32)) & ~same
        exact += int(same.sum())
        near += int(single.sum())
        affected += int(bool(same.any() or single.any()))
    return {"exact": exact, "float32": near, "queries_affected": affected}
