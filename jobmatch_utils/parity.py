"""Gender parity of rankings: rank-biased overlap (RBO) between the masculine and feminine query.

TalentCLEF 2025 evaluated gender bias by comparing the rankings a system returns for the
masculine and the feminine form of the same job title with rank-biased overlap (RBO,
Webber, Moffat & Zobel 2010; García-Sardiña et al. 2025, arXiv 2509.13803): a model that
ignores grammatical gender returns the same ranking for ``Lehrer`` and ``Lehrerin`` (RBO 1).
Taught in notebook 03.

Notation: two rankings ``S`` and ``T`` evaluated to depth ``d``; ``X_k = |S[:k] ∩ T[:k]|``
is their overlap at depth ``k`` and ``A_k = X_k / k`` their agreement. Two variants:

* ``"ext"`` (default) — RBO_ext, the extrapolated point estimate (Webber et al., eq. 32, for
  two lists of the same length ``d``)::

      RBO_ext = A_d · p^d  +  (1 − p) / p · Σ_{k=1..d} A_k · p^k

  It is 1 for identical lists and 0 for disjoint ones.
* ``"truncated"`` — the prefix sum RBO@d (eq. 7 cut at ``d``), a lower bound in ``[0, 1 − p^d]``::

      RBO@d = (1 − p) · Σ_{k=1..d} p^(k−1) · A_k

``p`` (the *persistence*) sets how top-heavy the measure is: the top ``1 / (1 − p)`` ranks carry
most of the weight (10 ranks for p = 0.9).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .data import RetrievalSet
from .errors import ParameterError
from .gender import GenderPair
from .retrieval import Ranking
from .stats import bootstrap_ci, paired_comparison
from .titletext import fold_title

__all__ = ["rbo", "overlap_at_k", "compare_gender_pairs", "parity_summary"]

RBOVariant = Literal["ext", "truncated"]


def _check_list(items: Sequence[str], name: str) -> None:
    if len(set(items)) != len(items):
        raise ParameterError(f"ranking '{name}' lists an item twice",
                             fix="pass each document once per ranking (a ranking has no duplicates)")


def rbo(first: Sequence[str], second: Sequence[str], *, p: float = 0.9, depth: int | None = None,
        variant: RBOVariant = "ext") -> float:
    """Rank-biased overlap of two rankings (formulas in the module docstring).

    Args:
        first: A ranking, best first, without duplicates.
        second: Another ranking of the same kind of items.
        p: Persistence, ``0 < p < 1``.
        depth: Evaluate the top ``depth`` of both (default and upper limit: the shorter list).
        variant: ``"ext"`` (RBO_ext) or ``"truncated"`` (RBO@d).

    Raises:
        ParameterError: ``p`` outside (0, 1), an unknown variant, or a list with duplicates.

    Example (notebook 03):
        >>> rbo(["a", "b", "c"], ["a", "c", "b"], p=0.5)
        0.875
        >>> rbo(["a", "b", "c"], ["a", "c", "b"], p=0.5, variant="truncated")
        0.75
    """
    if not 0 < p < 1:
        raise ParameterError(f"RBO persistence p = {p!r} is outside (0, 1)", fix="use e.g. p = 0.9")
    if variant not in ("ext", "truncated"):
        raise ParameterError(f"unknown RBO variant {variant!r}", fix="use 'ext' or 'truncated'")
    _check_list(first, "first")
    _check_list(second, "second")
    d = min(len(first), len(second), depth if depth is not None else math.inf)
    d = int(d)
    if d == 0:
        return float("nan")
    seen_first: set[str] = set()
    seen_second: set[str] = set()
    overlap = 0
    agreements = np.empty(d)
    for k in range(d):
        a, b = first[k], second[k]
        if a == b:
            overlap += 1
        else:
            overlap += (a in seen_second) + (b in seen_first)
        seen_first.add(a)
        seen_second.add(b)
        agreements[k] = overlap / (k + 1)
    ranks = np.arange(1, d + 1)
    if variant == "truncated":
        value = (1 - p) * np.sum(p ** (ranks - 1) * agreements)
    else:
        value = agreements[-1] * p ** d + (1 - p) / p * np.sum(agreements * p ** ranks)
    return float(min(1.0, max(0.0, value)))  # clip rounding (identical lists give 1 + 1e-16)


def overlap_at_k(first: Sequence[str], second: Sequence[str], k: int) -> float:
    """Share of the top ``k`` that two rankings have in common: ``|S[:k] ∩ T[:k]| / k``.

    Example:
        >>> overlap_at_k(["a", "b", "c"], ["b", "a", "d"], 2)
        1.0
    """
    if k <= 0:
        raise ParameterError(f"k = {k} must be positive", fix="use e.g. k = 10")
    return len(set(first[:k]) & set(second[:k])) / k


def _rank_of_text(ranking: Ranking, row: int, positions: dict[str, list[int]], text: str) -> float:
    """Best rank (1-based) of a corpus title equal (folded) to ``text``; NaN when absent."""
    wanted = positions.get(fold_title(text))
    if not wanted:
        return float("nan")
    hits = np.nonzero(np.isin(ranking.indices[row], wanted))[0]
    return float(hits[0] + 1) if hits.size else float("nan")


def compare_gender_pairs(retrieval_set: RetrievalSet, ranking: Ranking, pairs: Sequence[GenderPair],
                         per_query: pd.DataFrame | None = None, *, p: float = 0.9, depth: int = 100, k: int = 10,
                         metric: str = "map@100") -> pd.DataFrame:
    """Compare the rankings of the masculine and the feminine query of each pair.

    Args:
        retrieval_set: The set the pairs' queries come from.
        ranking: Its ranking (every query, judged or not, as :func:`~jobmatch_utils.retrieval.rank_set` gives).
        pairs: From :func:`jobmatch_utils.gender.find_gender_pairs` on the set's queries.
        per_query: Per-query metrics (index ``q_id``) for the metric columns; optional.
        p: RBO persistence.
        depth: RBO depth (RBO_ext over the top ``depth`` of both rankings).
        k: Cut-off of ``overlap@k``.
        metric: Metric compared between the two forms.

    Returns:
        One row per pair: both queries, ``rbo``, ``overlap@k``, the metric for each form and
        their difference (feminine − masculine), and where each form's own title (if it is in
        the corpus) ranks for the other query.

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_set
        >>> from jobmatch_utils.gender import find_gender_pairs
        >>> from jobmatch_utils.models import load_model
        >>> from jobmatch_utils.retrieval import rank_set
        >>> s = load_validation_set(None, "de")
        >>> table = compare_gender_pairs(s, rank_set(load_model("tiny")[0], s), find_gender_pairs(s.queries, "de"))
        >>> bool(table["rbo"].between(0, 1).all())
        True
    """
    row_of = {qid: row for row, qid in enumerate(ranking.query_ids)}
    positions: dict[str, list[int]] = {}
    for i, cid in enumerate(ranking.corpus_ids):
        positions.setdefault(fold_title(retrieval_set.corpus[cid]), []).append(i)
    rows = []
    for pair in pairs:
        m_row, f_row = row_of[pair.masculine_id], row_of[pair.feminine_id]
        m_docs, f_docs = ranking.doc_ids(m_row), ranking.doc_ids(f_row)
        m_value = f_value = float("nan")
        if per_query is not None and metric in per_query.columns:
            m_value = float(per_query[metric].get(pair.masculine_id, float("nan")))
            f_value = float(per_query[metric].get(pair.feminine_id, float("nan")))
        rows.append({
            "language": pair.language, "masculine_q_id": pair.masculine_id, "masculine": pair.masculine,
            "feminine_q_id": pair.feminine_id, "feminine": pair.feminine,
            "rbo": rbo(m_docs, f_docs, p=p, depth=depth), f"overlap@{k}": overlap_at_k(m_docs, f_docs, k),
            f"{metric} masculine": m_value, f"{metric} feminine": f_value,
            f"{metric} difference": f_value - m_value,
            "rank of feminine title for masculine query": _rank_of_text(ranking, m_row, positions, pair.feminine),
            "rank of masculine title for feminine query": _rank_of_text(ranking, f_row, positions, pair.masculine),
        })
    columns = ["language", "masculine_q_id", "masculine", "feminine_q_id", "feminine", "rbo", f"overlap@{k}",
               f"{metric} masculine", f"{metric} feminine", f"{metric} difference",
               "rank of feminine title for masculine query", "rank of masculine title for feminine query"]
    return pd.DataFrame(rows, columns=columns)


def parity_summary(tables: dict[str, pd.DataFrame], *, metric: str = "map@100", level: float = 0.95,
                   resamples: int = 10_000) -> pd.DataFrame:
    """Gender parity per language: pairs, mean RBO with a bootstrap CI, and the metric gap.

    The interval resamples pairs (:func:`jobmatch_utils.stats.bootstrap_ci`); the metric gap
    (feminine − masculine) is a paired comparison over the pairs whose queries are both judged
    (:func:`jobmatch_utils.stats.paired_comparison`).

    Example (notebook 03):
        >>> t = pd.DataFrame({"rbo": [0.5, 0.7], "overlap@10": [0.4, 0.6], "map@100 masculine": [0.2, 0.4],
        ...                   "map@100 feminine": [0.1, 0.3]})
        >>> float(parity_summary({"de": t}, resamples=200).loc["de", "mean rbo"])
        0.6
    """
    rows = []
    for language, table in tables.items():
        interval = bootstrap_ci(table["rbo"].to_numpy(dtype=float), level=level, resamples=resamples)
        overlap = [c for c in table.columns if c.startswith("overlap@")]
        judged = table[[f"{metric} masculine", f"{metric} feminine"]].dropna()
        row = {"language": language, "pairs": len(table), "mean rbo": interval.mean, "rbo ci low": interval.low,
               "rbo ci high": interval.high, "ci level": level, "mean overlap": float(table[overlap[0]].mean()) if overlap and len(table)
               else float("nan"), f"{metric} masculine": float(judged.iloc[:, 0].mean()) if len(judged) else math.nan,
               f"{metric} feminine": float(judged.iloc[:, 1].mean()) if len(judged) else math.nan,
               "difference (f − m)": math.nan, "p-value": math.nan}
        if len(judged) >= 2:
            test = paired_comparison(judged.iloc[:, 0], judged.iloc[:, 1], level=level, resamples=resamples)
            row["difference (f − m)"], row["p-value"] = test.difference, test.p_value
        rows.append(row)
    return pd.DataFrame(rows).set_index("language")
