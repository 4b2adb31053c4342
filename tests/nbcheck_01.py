"""Values notebook 01 must produce: per-language counts and metrics equal to the evaluator's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

from jobmatch_utils.data import load_validation_sets
from jobmatch_utils.retrieval import EVALUATOR_BATCH_SIZE

NOTEBOOK = "01_loading_the_model"


def check(artifacts: Path, model, data_root: Path) -> None:
    summary = json.loads((artifacts / "summary.json").read_text())
    rows = {row["language"]: row for row in summary["languages"]}
    sets = load_validation_sets(data_root, ["en", "es", "de", "zh"])
    assert set(rows) == set(sets)
    for code, s in sets.items():
        assert rows[code]["queries"] == len(s.queries) and rows[code]["corpus titles"] == len(s.corpus)
        assert rows[code]["correct at rank 1"] == round(rows[code]["accuracy@1"] * len(s.relevant))
    for code, s in sets.items():
        evaluator = InformationRetrievalEvaluator(s.queries, s.corpus, s.relevant, accuracy_at_k=[1],
                                                  precision_recall_at_k=[1], mrr_at_k=[1], ndcg_at_k=[1],
                                                  map_at_k=[100], batch_size=EVALUATOR_BATCH_SIZE, write_csv=False)
        theirs = evaluator(model)
        assert rows[code]["accuracy@1"] == pytest.approx(theirs["cosine_accuracy@1"], abs=1e-12), code
        assert rows[code]["map@100"] == pytest.approx(theirs["cosine_map@100"], abs=1e-9), code
    assert summary["model"]["label"]


