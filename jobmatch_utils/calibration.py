"""Score calibration: how cosine scores of relevant and other pairs differ, and what a threshold buys.

A system that returns "every title scoring at least t" needs a threshold; this module finds
the one that reaches a target precision (e.g. 90%) with the highest recall, per language,
from scikit-learn's ``precision_recall_curve``. Taught in notebook 03.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import RetrievalSet
from .metrics import hit_matrix
from .retrieval import Ranking
from .titletext import fold_title

__all__ = ["ScoreSample", "pair_scores", "ThresholdChoice", "precision_threshold", "calibration_table"]


@dataclass
class ScoreSample:
    """Cosine scores of (judged query, corpus title) pairs of one language and whether each is relevant.

    Attributes:
        scores: ``(judged queries, depth)`` scores, best first per row (``-inf`` for masked pairs).
        relevant: Same shape, ``True`` where the title is judged relevant.
        n_relevant_total: Relevant pairs of these queries, including any beyond the depth.
    """

    scores: np.ndarray
    relevant: np.ndarray
    n_relevant_total: int

    @property
    def n_queries(self) -> int:
        return int(self.scores.shape[0])


def pair_scores(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], *,
                drop_identical: bool = False) -> dict[str, ScoreSample]:
    """Every scored pair of the judged queries, per language (all pairs when the rankings are full).

    ``drop_identical`` masks pairs whose corpus title is the query's own text (their score is
    1 whatever the model; see :func:`jobmatch_utils.analysis.self_matches`): they get score
    ``-inf`` and count as not relevant, so no threshold keeps them.

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> from jobmatch_utils.models import load_model
        >>> from jobmatch_utils.analysis import full_rankings
        >>> sets = load_validation_sets(None, ["en"])
        >>> sample = pair_scores(sets, full_rankings(load_model("tiny")[0], sets))["en"]
        >>> int(sample.relevant.sum()) == sample.n_relevant_total
        True
    """
    samples = {}
    for language, s in sets.items():
        ranking = rankings[language]
        query_ids, hits, n_relevant = hit_matrix(ranking, s.relevant)
        rows = [ranking.query_ids.index(q) for q in query_ids]
        scores, labels = ranking.scores[rows].astype(np.float64), hits.astype(bool)
        total = int(n_relevant.sum())
        if drop_identical:
            folded = np.array([fold_title(s.corpus[c]) for c in ranking.corpus_ids], dtype=object)
            for i, (qid, row) in enumerate(zip(query_ids, rows)):
                same = folded[ranking.indices[row]] == fold_title(s.queries[qid])
                total -= int(labels[i, same].sum())
                scores[i, same], labels[i, same] = -np.inf, False
        samples[language] = ScoreSample(scores, labels, total)
    return samples


@dataclass(frozen=True)
class ThresholdChoice:
    """The score threshold that reaches a target precision with the highest recall."""

    target: float
    threshold: float
    precision: float
    recall: float
    found: bool


def precision_threshold(scores: np.ndarray, relevant: np.ndarray, *, target: float = 0.9,
                        n_positive: int | None = None) -> ThresholdChoice:
    """Lowest-risk threshold for "keep every pair scoring ≥ t": precision ≥ ``target``, recall maximal.

    Computed from scikit-learn's ``precision_recall_curve`` (one point per distinct score).
    Among thresholds whose precision reaches ``target`` it takes the highest recall, and among
    those the highest threshold (fewest false positives). Recall divides by ``n_positive``
    when given (relevant pairs beyond the ranking's depth count as never retrieved).

    Example (notebook 03):
        >>> choice = precision_threshold(np.array([0.9, 0.8, 0.7, 0.2]), np.array([1, 1, 0, 1]), target=0.9)
        >>> choice.threshold, round(choice.recall, 3)
        (0.8, 0.667)
    """
    from sklearn.metrics import precision_recall_curve

    labels = np.asarray(relevant, dtype=bool).ravel()
    values = np.asarray(scores, dtype=np.float64).ravel()
    if not labels.any():
        return ThresholdChoice(target, math.nan, math.nan, math.nan, False)
    precision, recall, thresholds = precision_recall_curve(labels, values)
    precision, recall = precision[:-1], recall[:-1]  # the last point (precision 1, recall 0) has no threshold
    if n_positive:
        recall = recall * labels.sum() / n_positive
    ok = np.nonzero(precision >= target)[0]
    if ok.size == 0:
        return ThresholdChoice(target, math.nan, math.nan, math.nan, False)
    best = ok[recall[ok] == recall[ok].max()]
    i = best[np.argmax(thresholds[best])]
    return ThresholdChoice(target, float(thresholds[i]), float(precision[i]), float(recall[i]), True)


def calibration_table(samples: Mapping[str, ScoreSample], *, target: float = 0.9,
                      min_recall: float = 0.1) -> pd.DataFrame:
    """Per language: score distributions of relevant and other pairs, ROC AUC, and what a threshold buys.

    ``threshold`` is :func:`precision_threshold` at ``target`` (NaN when no threshold reaches
    it); ``titles kept per query`` and ``queries with a kept relevant title`` say what a system
    cutting at that score returns; ``best precision`` is the highest precision any threshold
    reaches while keeping at least ``min_recall`` of the relevant pairs.

    Example (notebook 03):
        >>> s = ScoreSample(np.array([[0.9, 0.1], [0.8, 0.2]]), np.array([[True, False], [True, False]]), 2)
        >>> float(calibration_table({"en": s}).loc["en", "roc auc"])
        1.0
    """
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    rows = []
    for language, sample in samples.items():
        valid = np.isfinite(sample.scores)
        scores, labels = sample.scores, sample.relevant
        choice = precision_threshold(scores[valid], labels[valid], target=target, n_positive=sample.n_relevant_total)
        kept = scores >= choice.threshold if choice.found else np.zeros_like(labels)
        both = labels.any() and (~labels[valid]).any()
        best = math.nan
        if both:
            precision, recall, _ = precision_recall_curve(labels[valid], scores[valid])
            recall = recall * labels.sum() / max(sample.n_relevant_total, 1)
            reachable = precision[:-1][recall[:-1] >= min_recall]
            best = float(reachable.max()) if reachable.size else math.nan
        labels, scores = labels[valid], scores[valid]
        rows.append({"language": language, "relevant pairs": int(labels.sum()), "other pairs": int((~labels).sum()),
                     "mean score relevant": float(scores[labels].mean()) if labels.any() else math.nan,
                     "mean score other": float(scores[~labels].mean()) if (~labels).any() else math.nan,
                     "roc auc": float(roc_auc_score(labels.ravel(), scores.ravel())) if both else math.nan,
                     f"threshold for {target:.0%} precision": choice.threshold, "precision": choice.precision,
                     "recall": choice.recall, "titles kept per query": float(kept.sum(axis=1).mean()),
                     "queries with a kept relevant title": float((kept & sample.relevant).any(axis=1).mean()),
                     f"best precision (recall ≥ {min_recall:.0%})": best})
    return pd.DataFrame(rows).set_index("language")
