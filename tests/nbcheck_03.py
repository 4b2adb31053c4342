"""Values notebook 03 must produce: the per-query error table, checked against the evaluator, and its summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

from jobmatch_utils.data import load_validation_sets
from jobmatch_utils.retrieval import EVALUATOR_BATCH_SIZE
from jobmatch_utils.taxonomy import RULES

NOTEBOOK = "03_error_analysis_per_language"


def check(artifacts: Path, model, data_root: Path) -> None:
    table = pd.read_csv(artifacts / "per_query_errors.csv", dtype={"q_id": str, "language": str})
    summary = json.loads((artifacts / "error_summary.json").read_text())
    sets = load_validation_sets(data_root, ["en", "es", "de", "zh"])

    # exactly one row per (language, judged query) of the validation sets
    assert not table.duplicated(["language", "q_id"]).any()
    assert set(table["language"]) == set(sets)
    for code, s in sets.items():
        assert set(table.loc[table["language"] == code, "q_id"]) == set(s.relevant), code
    for column in ("query", "map@100", "first_relevant_rank", "n_relevant", "n_tokens", *RULES):
        assert column in table.columns, column
    for rule in RULES:
        assert table[rule].dtype == bool, rule
    for code, s in sets.items():
        mine = table[table["language"] == code].set_index("q_id")
        assert all(mine.loc[q, "n_relevant"] == len(docs) for q, docs in s.relevant.items())
        assert all(mine.loc[q, "query"] == s.queries[q] for q in s.relevant)

    # the map@100 column against sentence-transformers' own evaluator
    for code, s in sets.items():
        evaluator = InformationRetrievalEvaluator(s.queries, s.corpus, s.relevant, accuracy_at_k=[1],
                                                  precision_recall_at_k=[1], mrr_at_k=[1], ndcg_at_k=[1],
                                                  map_at_k=[100], batch_size=EVALUATOR_BATCH_SIZE, write_csv=False)
        theirs = evaluator(model)
        mine = table.loc[table["language"] == code]
        assert mine["map@100"].mean() == pytest.approx(theirs["cosine_map@100"], abs=1e-9), code
        assert mine["accuracy@1"].mean() == pytest.approx(theirs["cosine_accuracy@1"], abs=1e-12), code

    # the summary agrees with the table
    assert summary["model"] and "not jobbge" in summary["model"].lower()
    assert summary["rules"] == list(RULES)
    assert set(summary["languages"]) == set(sets)
    for code, entry in summary["languages"].items():
        mine = table[table["language"] == code]
        assert entry["queries"] == len(mine)
        assert entry["map@100"] == pytest.approx(mine["map@100"].mean(), abs=1e-9)
        listed = [f["rule"] for f in entry["top_failures"]]
        assert len(listed) <= 3 and len(set(listed)) == len(listed)
        counts = {rule: int(mine[rule].sum()) for rule in RULES}
        for failure in entry["top_failures"]:
            rule = failure["rule"]
            assert failure["queries"] == counts[rule] > 0
            assert failure["share"] == pytest.approx(mine[rule].mean(), abs=1e-12)
            assert failure["map@100"] == pytest.approx(mine.loc[mine[rule], "map@100"].mean(), abs=1e-9)
        unlisted = [counts[rule] for rule in RULES if rule not in listed]
        if listed and unlisted:
            assert max(unlisted) <= min(counts[rule] for rule in listed)
        if len(listed) < 3:
            assert not any(unlisted)
        parity = entry["gender_parity"]
        assert parity["pairs"] >= 0
        if parity["pairs"]:
            assert 0 <= parity["ci_low"] <= parity["mean_rbo"] <= parity["ci_high"] <= 1
    # the bundled sample asks both forms of a gender pair in German and Spanish
    if data_root.resolve() == (Path(__file__).resolve().parents[1] / "data" / "sample" / "TaskA").resolve():
        assert summary["languages"]["de"]["gender_parity"]["pairs"] > 0
        assert summary["languages"]["es"]["gender_parity"]["pairs"] > 0
