"""Evaluating a model on retrieval sets: the card-format table (rows = metrics, columns = sets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from .data import RetrievalSet
from .metrics import CARD_KS, CARD_MAP_KS, card_metric_keys, evaluate_ranking
from .retrieval import DEFAULT_TOP_K, Encoding, Ranking, rank_set

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["card_table", "rank_sets", "summary_table"]


def rank_sets(model: SentenceTransformer, sets: Mapping[str, RetrievalSet], *, top_k: int = DEFAULT_TOP_K,
              encoding: Encoding = "evaluator") -> dict[str, Ranking]:
    """Rank every set (keyed as given)."""
    return {key: rank_set(model, s, top_k=top_k, encoding=encoding) for key, s in sets.items()}


def card_table(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], *,
               ks: Sequence[int] = CARD_KS, map_ks: Sequence[int] = CARD_MAP_KS) -> pd.DataFrame:
    """The card's table: one row per metric (``accuracy@1`` … ``map@500``), one column per set name.

    Example (notebook 05):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> from jobmatch_utils.models import load_model
        >>> model, _ = load_model("tiny")
        >>> sets = load_validation_sets(None, ["en"])
        >>> card_table(sets, rank_sets(model, sets)).shape
        (37, 1)
    """
    columns = {}
    for key, s in sets.items():
        columns[s.name] = evaluate_ranking(rankings[key], s.relevant, ks=ks, map_ks=map_ks)
    table = pd.DataFrame(columns).reindex(card_metric_keys(ks, map_ks))
    table.index.name = "metric"
    return table


def summary_table(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking]) -> pd.DataFrame:
    """Per-language summary for notebook 01: queries, corpus size, accuracy@1 (with the count), MAP@100."""
    rows = []
    for key, s in sets.items():
        scores = evaluate_ranking(rankings[key], s.relevant, ks=[1], map_ks=[100])
        judged = len(s.relevant)
        rows.append({"language": key, "set": s.name, "queries": len(s.queries), "judged queries": judged,
                     "corpus titles": len(s.corpus), "accuracy@1": scores["accuracy@1"],
                     "correct at rank 1": round(scores["accuracy@1"] * judged), "map@100": scores["map@100"]})
    return pd.DataFrame(rows).set_index("language")
