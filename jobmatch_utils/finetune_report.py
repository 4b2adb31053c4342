"""What notebook 04 shows and writes about a fine-tune: the config from parameters, masked negatives,
the before/after table, the training log and the summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .training import FinetuneConfig, FinetuneResult
from .training_data import TrainingSets, to_dataset_dict

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from .guide_cache import GuideEmbeddingCache

__all__ = ["config_from_params", "SMOKE_OVERRIDES", "masking_report", "before_after_table", "ndcg_deltas",
           "training_log_table", "finetune_summary", "RECIPE_ATTEMPTS", "recipe_attempts"]

#: Recipes measured with ``benchmarks/finetune_recipes.py`` on the real data (stand-in model).
RECIPE_ATTEMPTS = Path(__file__).resolve().parents[1] / "data" / "reference" / "finetune_recipes.csv"

#: What ``smoke=True`` changes, so the test run takes seconds (numbers mean nothing).
SMOKE_OVERRIDES: dict[str, Any] = {"batch_size": 8, "max_steps": 4, "time_budget_s": 0.0, "save_steps": 2,
                                   "eval_steps": 2, "logging_steps": 1}


def config_from_params(params: Mapping[str, Any]) -> FinetuneConfig:
    """A :class:`FinetuneConfig` from notebook parameters (smoke runs get :data:`SMOKE_OVERRIDES`).

    Example (notebook 04):
        >>> config_from_params({"smoke": True, "batch_size": 128}).batch_size
        8
    """
    names = {f for f in FinetuneConfig.__dataclass_fields__}
    values = {k: v for k, v in params.items() if k in names}
    if params.get("smoke"):
        values.update(SMOKE_OVERRIDES)
    return FinetuneConfig(**values).check()


def masking_report(student: SentenceTransformer, cache: GuideEmbeddingCache, sets: TrainingSets, *,
                   batch_size: int, batches: int = 3, seed: int = 42, margin: float = 0.0,
                   examples: int = 5, distinct_occupations: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How many in-batch negatives the guide masks on the first batches of each training set.

    ``distinct_occupations`` draws the batches as training does with that setting (no two pairs
    of one occupation in a batch).

    Returns:
        ``(counts, examples)``: one row per batch (masked anchor–positive, anchor–anchor and
        positive–positive candidates, and the share of all candidates), and a few masked pairs
        (anchor, its positive, the masked candidate, the guide's two similarities).
    """
    from .guide_cache import guide_vectors, masked_negatives
    from .samplers import LengthBucketedNoDuplicatesBatchSampler

    rows, shown = [], []
    for name, dataset in to_dataset_dict(sets).items():
        size = min(batch_size, len(dataset))
        if size < 2:
            continue
        sampler = LengthBucketedNoDuplicatesBatchSampler(
            dataset, batch_size=size, drop_last=True, seed=seed, pool_batches=1,
            pair_groups=sets.pair_occupations() if distinct_occupations else None)
        for number, batch in enumerate(sampler):
            if number >= batches:
                break
            anchors = [dataset[i]["anchor"] for i in batch]
            positives = [dataset[i]["positive"] for i in batch]
            a, p = guide_vectors(cache, student, anchors), guide_vectors(cache, student, positives)
            counts = masked_negatives(a, p, margin=margin)
            masked = counts["anchor-positive"] + counts["anchor-anchor"] + counts["positive-positive"]
            rows.append({"dataset": name, "batch": number, "pairs": len(batch),
                         **{k: counts[k] for k in ("anchor-positive", "anchor-anchor", "positive-positive")},
                         "share of negatives masked": masked / (3 * counts["candidates"])})
            a_n, p_n = a / np.linalg.norm(a, axis=1, keepdims=True), p / np.linalg.norm(p, axis=1, keepdims=True)
            for i, j, matrix in counts["pairs"][:examples] if number == 0 else []:
                other = positives[j] if matrix != "anchor-anchor" else anchors[j]
                source = a_n[i] if matrix != "positive-positive" else p_n[i]
                target = p_n[j] if matrix != "anchor-anchor" else a_n[j]
                shown.append({"dataset": name, "matrix": matrix,
                              "row text": anchors[i] if matrix != "positive-positive" else positives[i],
                              "its pair": positives[i] if matrix != "positive-positive" else anchors[i],
                              "masked candidate": other, "guide sim to candidate": float(source @ target),
                              "guide sim of the pair": float(a_n[i] @ p_n[i])})
    return pd.DataFrame(rows), pd.DataFrame(shown)


def before_after_table(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The card-format table with columns ``<set>_before, <set>_after`` (rows: metrics).

    Example:
        >>> b = pd.DataFrame({"full_en": [0.5]}, index=pd.Index(["ndcg@200"], name="metric"))
        >>> before_after_table(b, b + 0.1).columns.tolist()
        ['full_en_before', 'full_en_after']
    """
    columns = {}
    for name in before.columns:
        columns[f"{name}_before"] = before[name]
        columns[f"{name}_after"] = after[name]
    table = pd.DataFrame(columns)
    table.index.name = "metric"
    return table


def ndcg_deltas(before: pd.DataFrame, after: pd.DataFrame, metric: str = "ndcg@200") -> pd.DataFrame:
    """One row per set: ``before``, ``after``, ``Δ`` of one metric."""
    frame = pd.DataFrame({"before": before.loc[metric], "after": after.loc[metric]})
    frame["Δ"] = frame["after"] - frame["before"]
    frame.index.name = "set"
    return frame


def training_log_table(log: pd.DataFrame) -> pd.DataFrame:
    """``step, loss, learning_rate, train_seconds`` and any ``…ndcg@200`` columns, one row per step logged."""
    if log.empty:
        return pd.DataFrame(columns=["step", "loss"])
    keep = [c for c in log.columns if c in ("step", "loss", "learning_rate", "train_seconds", "grad_norm")
            or c.endswith(("ndcg@200", "accuracy@1"))]
    table = log[keep].groupby("step", as_index=False).first()
    table.columns = [c.removeprefix("eval_") for c in table.columns]
    return table


def finetune_summary(*, model_label: str, guide_label: str, result: FinetuneResult, config: FinetuneConfig,
                     before: pd.DataFrame, after: pd.DataFrame, model_path: str, datasets: Sequence[str],
                     sets: TrainingSets, unk: pd.DataFrame | None = None) -> dict[str, Any]:
    """The run in one JSON-able dict (``finetune_summary.json``)."""
    deltas = ndcg_deltas(before, after)
    return {
        "model": model_label, "guide": guide_label, "steps": result.steps, "pairs_seen": result.pairs_seen,
        "train_seconds": result.train_seconds, "pairs_per_second": result.pairs_per_second,
        "batch_size": config.batch_size, "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "world_size": result.world_size, "learning_rate": config.learning_rate, "temperature": config.temperature,
        "seed": config.seed, "distinct_occupations": config.distinct_occupations,
        "datasets": list(datasets), "training_pairs": {k: len(v) for k, v in sets.pairs.items()},
        "excluded_validation_pairs": dict(sets.excluded),
        "max_seq_length_trained": result.max_seq_length, "resumed_from": result.resumed_from,
        "fp16": result.fp16, "fp16_reason": result.fp16_reason,
        "guide_cached_texts": result.guide_texts, "guide_retokenized": result.guide_retokenized,
        "ndcg@200": {name: {"before": row["before"], "after": row["after"], "delta": row["Δ"]}
                     for name, row in deltas.iterrows()},
        "unk_rate": unk["[UNK] share of tokens"].to_dict() if unk is not None else {},
        "output_model": model_path, "notes": list(result.notes),
    }


def recipe_attempts(path: str | Path = RECIPE_ATTEMPTS, *, languages: Sequence[str] = ("en", "es", "de", "zh"),
                    ) -> pd.DataFrame:
    """The recipes tried, one row each: what changed, steps, pairs and the ndcg@200 change per language.

    Sorted by budget, then by the mean change on Spanish and German (the target languages).

    Example:
        >>> recipe_attempts().columns[:3].tolist()
        ['budget_s', 'recipe', 'what']
    """
    frame = pd.read_csv(path)
    deltas = [f"{code} Δndcg@200" for code in languages if f"{code} Δndcg@200" in frame.columns]
    extra = [c for c in ("learning_rate", "temperature", "schedule", "note") if c in frame.columns]
    table = frame[["budget_s", "recipe", "what", "steps", "pairs", "train_s", *deltas, *extra]].copy()
    if "note" in table.columns:
        table["note"] = table["note"].fillna("")
    table["budget_s"] = table["budget_s"].astype(int)
    target = [c for c in deltas if c.split()[0] in ("es", "de")]
    table["_order"] = -table[target].mean(axis=1) if target else 0.0
    table = table.sort_values(["budget_s", "_order"]).drop(columns="_order").reset_index(drop=True)
    return table
