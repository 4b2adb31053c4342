"""The model card's reported numbers (``data/reference/``) and comparisons against them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .data import REPO_ROOT

__all__ = ["REFERENCE_DIR", "CARD_SETS", "load_card_metrics", "load_card_training_log", "card_base_ndcg200",
           "card_accuracy_counts", "compare_with_card_table", "reproduction_verdict"]

REFERENCE_DIR = REPO_ROOT / "data" / "reference"
#: The card's evaluation sets that are TalentCLEF 2025 Task A validation sets.
CARD_SETS: tuple[str, ...] = ("full_en", "full_es", "full_de", "full_zh")


def load_card_metrics() -> pd.DataFrame:
    """The card's table: index ``metric`` (``accuracy@1`` …), columns ``full_en`` … ``mix_zh``.

    Example (notebook 05):
        >>> load_card_metrics().loc["accuracy@1", "full_en"]
        0.6571
    """
    return pd.read_csv(REFERENCE_DIR / "card_metrics.csv", index_col="metric")


def load_card_training_log() -> pd.DataFrame:
    """The card's training log (step −1 is the untuned ``bge-small-en-v1.5``)."""
    return pd.read_csv(REFERENCE_DIR / "card_training_log.csv")


def card_base_ndcg200() -> dict[str, float]:
    """ndcg@200 of the untuned base model per evaluation set (the log's step −1 row)."""
    log = load_card_training_log()
    row = log.loc[log["step"] == -1].iloc[0]
    return {c.removesuffix("_ndcg@200"): float(row[c]) for c in log.columns if c.endswith("_ndcg@200")}


def card_accuracy_counts(query_counts: Mapping[str, int], card: pd.DataFrame | None = None) -> pd.DataFrame:
    """Is each of the card's accuracy@1 values a whole count over the given number of queries?

    On the TalentCLEF validation sets (105, 185, 203, 103 queries) they are: 69/105, 23/185,
    60/203, 36/103 — evidence that the card evaluated exactly these queries with this protocol.

    Example (notebook 05):
        >>> card_accuracy_counts({"full_en": 105}).loc["full_en", "correct queries"]
        69
    """
    card = load_card_metrics() if card is None else card
    rows = []
    for name, n in query_counts.items():
        value = float(card.loc["accuracy@1", name])
        count = round(value * n)
        rows.append({"set": name, "card accuracy@1": value, "queries": n, "correct queries": count,
                     "count / queries": round(count / n, 4),
                     "whole count": bool(np.isclose(round(count / n, 4), value, atol=5e-5))})
    return pd.DataFrame(rows).set_index("set")


def compare_with_card_table(ours: pd.DataFrame, card: pd.DataFrame | None = None) -> pd.DataFrame:
    """Side by side: for each set, the loaded model's value, the card's, and the difference."""
    card = load_card_metrics() if card is None else card
    columns = {}
    for name in ours.columns:
        if name in card.columns:
            columns[(name, "loaded")] = ours[name]
            columns[(name, "card")] = card.loc[ours.index, name]
            columns[(name, "Δ")] = ours[name] - card.loc[ours.index, name]
    table = pd.DataFrame(columns)
    table.columns = pd.MultiIndex.from_tuples(table.columns, names=["set", ""])
    return table


def reproduction_verdict(ours: pd.DataFrame, *, is_jobbge: bool, tolerance: float = 0.005) -> dict[str, object]:
    """What the comparison shows. For JobBGE: does every metric agree with the card within ``tolerance``?

    For any other model: it cannot reproduce JobBGE's numbers; compare ndcg@200 with the card's
    untuned base (``bge-small-en-v1.5``, the training log's step −1) instead.
    """
    card = load_card_metrics()
    sets = [c for c in ours.columns if c in card.columns]
    if is_jobbge:
        delta = (ours[sets] - card.loc[ours.index, sets]).abs()
        off = [(m, s, float(delta.loc[m, s])) for m in delta.index for s in sets if delta.loc[m, s] > tolerance]
        return {"model_is_jobbge": True, "tolerance": tolerance, "reproduced": not off,
                "metrics_compared": int(delta.size), "outside_tolerance": off}
    base = card_base_ndcg200()
    return {"model_is_jobbge": False, "reproduced": False,
            "reason": "the loaded model is not JobBGE, so the card's numbers cannot be reproduced with it",
            "ndcg@200 vs untuned base": {s: {"loaded": float(ours.loc["ndcg@200", s]), "card base": base[s],
                                             "Δ": float(ours.loc["ndcg@200", s]) - base[s]}
                                         for s in sets if s in base}}
