"""Values notebook 04 must produce: before = the evaluator on the untuned model, after = the evaluator on the saved model."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

from jobmatch_utils.data import load_validation_sets
from jobmatch_utils.models import load_model
from jobmatch_utils.retrieval import EVALUATOR_BATCH_SIZE

NOTEBOOK = "04_gistembed_finetune"


def _ndcg200(model, s) -> float:
    evaluator = InformationRetrievalEvaluator(s.queries, s.corpus, s.relevant, accuracy_at_k=[1],
                                              precision_recall_at_k=[1], mrr_at_k=[1], ndcg_at_k=[200],
                                              map_at_k=[100], batch_size=EVALUATOR_BATCH_SIZE, write_csv=False)
    return evaluator(model)["cosine_ndcg@200"]


def check(artifacts: Path, model, data_root: Path) -> None:
    sets = load_validation_sets(data_root, ["en", "es", "de", "zh"])
    table = pd.read_csv(artifacts / "finetune_metrics.csv", index_col="metric")
    assert len(table) == 37
    assert list(table.columns) == [f"{s.name}_{when}" for s in sets.values() for when in ("before", "after")]
    summary = json.loads((artifacts / "finetune_summary.json").read_text())
    assert "not JobBGE" in summary["model"] or "NOT JobBGE" in summary["model"]
    assert summary["fp16"] is False and summary["fp16_reason"]
    assert summary["steps"] > 0
    assert summary["pairs_seen"] == summary["steps"] * summary["batch_size"] * summary[
        "gradient_accumulation_steps"] * summary["world_size"]
    for s in sets.values():
        row = summary["ndcg@200"][s.name]
        assert row["before"] == pytest.approx(table.loc["ndcg@200", f"{s.name}_before"], abs=1e-12)
        assert row["delta"] == pytest.approx(row["after"] - row["before"], abs=1e-12)
        # before: the untuned model the test passed in, scored by sentence-transformers itself
        assert table.loc["ndcg@200", f"{s.name}_before"] == pytest.approx(_ndcg200(model, s), abs=1e-9), s.name
    saved, _ = load_model(str(artifacts / "model"))
    assert summary["output_model"] == str(artifacts / "model")
    assert not (artifacts / "model" / "INCOMPLETE").exists() and (artifacts / "model_card.md").exists()
    de = sets["de"]
    assert table.loc["ndcg@200", "full_de_after"] == pytest.approx(_ndcg200(saved, de), abs=1e-9)
    log = pd.read_csv(artifacts / "training_log.csv")
    assert {"step", "loss"} <= set(log.columns)
    assert log["step"].max() == summary["steps"] and (log["loss"].dropna() >= 0).all()
