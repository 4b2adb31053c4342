"""A time budget: the run stops when it is spent, the schedule follows it, a resumed run continues the clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobmatch_utils.budget import BUDGET_FILE, evaluation_fractions, linear_schedule, saved_seconds
from jobmatch_utils.data import SAMPLE_ROOT, load_validation_sets
from jobmatch_utils.models import load_model
from jobmatch_utils.training import FinetuneConfig, finetune, last_checkpoint
from jobmatch_utils.training_data import load_training_sets


@pytest.fixture(scope="module")
def sample_sets():
    validation = load_validation_sets(SAMPLE_ROOT / "TaskA", ["en", "es", "de", "zh"])
    return load_training_sets(SAMPLE_ROOT / "TaskA", SAMPLE_ROOT / "esco", ["full_de", "full_es"], validation)


def test_the_schedule_warms_up_then_decays_to_zero_at_the_end_of_the_budget():
    factors = [linear_schedule(f / 100, 0.05) for f in range(0, 121)]
    assert factors[0] == 0.0 and factors[5] == pytest.approx(1.0) and factors[100] == 0.0 and max(factors) <= 1.0
    assert all(a <= b for a, b in zip(factors[:5], factors[1:6]))  # warm-up rises
    assert all(a >= b for a, b in zip(factors[5:], factors[6:]))  # then never rises again
    assert linear_schedule(0.3, 0.0) == pytest.approx(0.7)
    assert evaluation_fractions(0) == [] and evaluation_fractions(3) == [0.25, 0.5, 0.75]


def test_a_budget_run_stops_at_the_budget_and_its_learning_rate_reaches_zero(tiny_model_copy: Path, sample_sets,
                                                                            tmp_path: Path):
    budget = 6.0
    config = FinetuneConfig(batch_size=8, time_budget_s=budget, save_steps=10**6, logging_steps=1, seed=3)
    model, _ = load_model(str(tiny_model_copy))
    result = finetune(model, load_model(str(tiny_model_copy))[0], sample_sets, {}, config, tmp_path / "run",
                      progress=False)
    assert budget <= result.train_seconds < budget + 5  # the last step may run past the budget, not much more
    rates = result.log.dropna(subset=["learning_rate"])
    assert len(rates) >= 3
    peak = rates["learning_rate"].max()
    assert 0 < peak <= config.learning_rate
    # the rate decays with the clock (never rising after its peak) and is low by the last step; how low
    # depends on how long a step takes against this short budget
    after_peak = rates["learning_rate"].iloc[int(rates["learning_rate"].to_numpy().argmax()):]
    assert after_peak.is_monotonic_decreasing and after_peak.iloc[-1] <= 0.5 * peak
    assert rates["train_seconds"].is_monotonic_increasing


def test_a_resumed_budget_run_continues_the_clock(tiny_model_copy: Path, sample_sets, tmp_path: Path):
    from transformers import TrainerCallback

    class Interrupt(Exception):
        pass

    class StopAt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 3:
                raise Interrupt

    budget = 8.0
    config = FinetuneConfig(batch_size=8, time_budget_s=budget, save_steps=2, logging_steps=1, seed=3)
    with pytest.raises(Interrupt):
        finetune(load_model(str(tiny_model_copy))[0], load_model(str(tiny_model_copy))[0], sample_sets, {}, config,
                 tmp_path / "run", callbacks=[StopAt()], progress=False)
    checkpoint = last_checkpoint(tmp_path / "run" / "checkpoints")
    spent = saved_seconds(checkpoint)
    assert checkpoint.name == "checkpoint-2" and 0 < spent < budget
    assert json.loads((checkpoint / BUDGET_FILE).read_text())["train_seconds"] == spent
    result = finetune(load_model(str(tiny_model_copy))[0], load_model(str(tiny_model_copy))[0], sample_sets, {},
                      config, tmp_path / "run", progress=False)
    assert result.resumed_from.endswith("checkpoint-2") and result.steps > 2
    assert budget <= result.train_seconds < budget + 5  # the whole run, both parts, spent the budget once
    assert not result.notes
    again = finetune(load_model(str(tiny_model_copy))[0], load_model(str(tiny_model_copy))[0], sample_sets, {},
                     config, tmp_path / "run", progress=False)  # the budget is spent: nothing more to train
    assert again.steps == result.steps and any("already complete" in note for note in again.notes)
    assert saved_seconds(None) == 0.0 and saved_seconds(tmp_path) == 0.0


def test_a_time_budget_needs_a_schedule_that_can_run_on_time(tiny_model_copy: Path, sample_sets, tmp_path: Path):
    from jobmatch_utils.errors import ParameterError

    config = FinetuneConfig(batch_size=8, time_budget_s=5, lr_scheduler_type="cosine")
    with pytest.raises(ParameterError, match="time budget"):
        finetune(load_model(str(tiny_model_copy))[0], load_model(str(tiny_model_copy))[0], sample_sets, {}, config,
                 tmp_path / "run", progress=False)
