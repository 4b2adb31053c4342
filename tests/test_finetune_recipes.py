"""The recorded recipe attempts (notebook 04, section 11): consistent with themselves and with the script."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from jobmatch_utils.finetune_report import RECIPE_ATTEMPTS, recipe_attempts

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "es", "de", "zh")


@pytest.fixture(scope="module")
def recipes():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from finetune_recipes import RECIPES
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return RECIPES


def test_every_recorded_recipe_is_one_the_script_can_run(recipes):
    frame = pd.read_csv(RECIPE_ATTEMPTS)
    assert len(frame) >= 5 and frame["key"].is_unique
    assert set(frame["recipe"]) <= set(recipes)
    for _, row in frame.iterrows():  # what the script says a recipe changes is what was recorded
        datasets, overrides, _ = recipes[row["recipe"]]
        assert row["datasets"] == "+".join(datasets)
        for knob in ("learning_rate", "temperature", "margin", "batch_size"):
            if knob in overrides:
                assert row[knob] == pytest.approx(overrides[knob]), (row["recipe"], knob)


def test_every_attempt_started_from_the_same_untuned_model():
    frame = pd.read_csv(RECIPE_ATTEMPTS)
    assert (frame["model"] == "sentence-transformers/all-MiniLM-L6-v2").all()  # the stand-in, never JobBGE
    for code in LANGUAGES:
        before = frame[f"{code} ndcg@200"] - frame[f"{code} Δndcg@200"]
        assert before.max() - before.min() < 1e-9, code  # one baseline: the deltas are comparable
        assert (frame["pairs"] == frame["steps"] * frame["batch_size"]).all()


def test_the_attempts_table_is_sorted_best_first_within_each_budget():
    table = recipe_attempts()
    assert list(table.columns[:3]) == ["budget_s", "recipe", "what"]
    assert [f"{c} Δndcg@200" for c in LANGUAGES] == [c for c in table.columns if "Δ" in c]
    for _, group in table.groupby("budget_s", sort=False):
        target = group[["es Δndcg@200", "de Δndcg@200"]].mean(axis=1)
        assert target.is_monotonic_decreasing
