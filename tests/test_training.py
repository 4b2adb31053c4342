"""The GISTEmbed fine-tune: batches, cached guide, columns, validation hygiene, precision, resume, saving, DDP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from jobmatch_utils.data import SAMPLE_ROOT, load_validation_sets
from jobmatch_utils.errors import DataFormatError, ParameterError
from jobmatch_utils.guide_cache import CachedGuideGISTEmbedLoss, GuideEmbeddingCache, freeze, masked_negatives
from jobmatch_utils.models import load_model
from jobmatch_utils.samplers import LengthBucketedNoDuplicatesBatchSampler, batch_texts_are_distinct
from jobmatch_utils.training import FinetuneConfig, finetune, last_checkpoint, precision_settings, save_model
from jobmatch_utils.training_data import (
    TrainingSets,
    check_pair_columns,
    load_training_sets,
    pin_columns,
    to_dataset_dict,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def validation():
    return load_validation_sets(SAMPLE_ROOT / "TaskA", ["en", "es", "de", "zh"])


@pytest.fixture(scope="module")
def sample_sets(validation):
    return load_training_sets(SAMPLE_ROOT / "TaskA", SAMPLE_ROOT / "esco", ["full_de", "full_es"], validation)


def _features(model, anchors, positives):
    return [dict(model.preprocess(list(anchors))), dict(model.preprocess(list(positives)))]


# --- batches -------------------------------------------------------------------------------------

def test_sampler_never_repeats_a_text_in_a_batch_and_uses_each_pair_once():
    from datasets import Dataset

    rng = np.random.default_rng(0)
    words = [f"title {i}" for i in range(60)]  # few distinct texts: many clashes to avoid
    anchors = [words[i] for i in rng.integers(0, 60, 400)]
    positives = [words[i] + " p" + " x" * int(rng.integers(0, 5)) for i in rng.integers(0, 60, 400)]
    ds = Dataset.from_dict({"anchor": anchors, "positive": positives})
    sampler = LengthBucketedNoDuplicatesBatchSampler(ds, batch_size=16, drop_last=True, seed=42)
    batches = list(sampler)
    assert batches and all(len(b) == 16 for b in batches)
    assert all(batch_texts_are_distinct([(anchors[i], positives[i]) for i in b]) for b in batches)
    used = [i for b in batches for i in b]
    assert len(batches) == len(sampler) == 400 // 16
    assert len(set(used)) > 0.9 * len(used)  # top-up passes repeat only a few pairs
    sampler.set_epoch(0)
    assert list(sampler) == batches  # a pure function of seed and epoch: every process sees the same
    sampler.set_epoch(1)
    assert list(sampler) != batches


def test_sampler_groups_lengths(sample_sets):
    ds = to_dataset_dict(sample_sets)["full_de"]
    grouped = LengthBucketedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=True, seed=1)
    plain = LengthBucketedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=True, seed=1, pool_batches=1)

    def spread(sampler):
        return np.mean([np.ptp([sampler.lengths[i] for i in b]) for b in sampler])

    assert spread(grouped) < spread(plain)


def test_sampler_keeps_two_pairs_of_one_occupation_out_of_a_batch(sample_sets):
    from collections import Counter

    groups = sample_sets.pair_occupations()
    assert groups and all(groups.values())  # the sample's TalentCLEF files carry an occupation per pair
    ds = to_dataset_dict(sample_sets)["full_de"]
    rows = list(zip(ds["anchor"], ds["positive"]))

    def clashes(sampler):
        return sum(n - 1 for b in sampler for n in Counter(groups[rows[i]] for i in b).values())

    kept_apart = LengthBucketedNoDuplicatesBatchSampler(ds, batch_size=4, drop_last=True, seed=1, pool_batches=1,
                                                        pair_groups=groups)
    plain = LengthBucketedNoDuplicatesBatchSampler(ds, batch_size=4, drop_last=True, seed=1, pool_batches=1)
    assert clashes(plain) > 0 and clashes(kept_apart) == 0
    assert all(batch_texts_are_distinct([rows[i] for i in b]) for b in kept_apart)


# --- the cached guide ----------------------------------------------------------------------------

def test_cached_guide_gives_the_live_loss(tiny_model_dir: Path):
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    model, _ = load_model(str(tiny_model_dir))
    guide = freeze(load_model(str(tiny_model_dir))[0])
    model.eval()
    anchors = ["nurse", "registered nurse", "teacher", "Lehrer", "software developer", "cocinero"]
    positives = ["enfermera", "Krankenpfleger", "profesora", "Lehrerin", "Softwareentwickler", "cook"]
    cache = GuideEmbeddingCache.build(model, guide, anchors + positives)
    live = GISTEmbedLoss(model, guide, temperature=0.01, margin_strategy="absolute", margin=0.0)
    cached = CachedGuideGISTEmbedLoss(model, guide, cache=cache)
    with torch.no_grad():
        a = live(_features(model, anchors, positives), None)
        b = cached(_features(model, anchors, positives), None)
    assert float(a) > 0 and float(b) == pytest.approx(float(a), abs=1e-5)
    assert cached._modules["guide"] is guide  # the real guide is back after the call
    assert cached.get_config_dict()["guide"] is guide


@pytest.mark.slow
def test_cached_guide_matches_a_guide_with_another_tokenizer(tiny_model_dir: Path, stand_in):
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    model, _ = load_model(str(tiny_model_dir))
    model.eval()
    guide = freeze(stand_in[0])
    anchors, positives = ["Krankenpflegerin", "técnico de sonido", "护士"], ["Pflegefachkraft", "sonidista", "护理员"]
    cache = GuideEmbeddingCache.build(model, guide, anchors + positives)
    assert cache.retokenized  # the guide sees text decoded from the tiny model's tokens
    with torch.no_grad():
        a = GISTEmbedLoss(model, guide)(_features(model, anchors, positives), None)
        b = CachedGuideGISTEmbedLoss(model, guide, cache=cache)(_features(model, anchors, positives), None)
    assert float(b) == pytest.approx(float(a), abs=1e-5)


def test_masked_negatives_counts_what_the_guide_removes():
    anchor = np.array([[1.0, 0.0], [0.0, 1.0]])
    positive = np.array([[0.6, 0.8], [1.0, 0.0]])  # each anchor is closer to the other positive
    counts = masked_negatives(anchor, positive)
    assert counts["candidates"] == 2 and counts["anchor-positive"] == 2 and counts["anchor-anchor"] == 0


# --- columns -------------------------------------------------------------------------------------

def test_id_columns_are_dropped_and_order_pinned():
    frame = pd.DataFrame({"family_id": ["C1", "C1"], "esco_id": ["o1", "o2"], "positive": ["RN", "cook"],
                          "anchor": ["nurse", "chef"]})
    pinned = pin_columns(frame)
    assert pinned.columns.tolist() == ["anchor", "positive"]
    assert pinned.iloc[0].tolist() == ["nurse", "RN"]  # by name, not by position
    with pytest.raises(DataFormatError, match="no column"):
        pin_columns(frame.drop(columns=["anchor"]))


def test_a_dataset_with_extra_columns_is_rejected():
    from datasets import Dataset

    ds = Dataset.from_dict({"family_id": ["C1"], "anchor": ["nurse"], "positive": ["RN"]})
    with pytest.raises(ParameterError, match="exactly"):
        check_pair_columns(ds)
    check_pair_columns(Dataset.from_dict({"anchor": ["nurse"], "positive": ["RN"]}))


def test_a_constant_column_would_make_batches_of_one_with_zero_loss(tiny_model_dir: Path, sample_sets):
    """The pitfall the column pinning prevents: shown with sentence-transformers' own sampler and loss."""
    from datasets import Dataset
    from sentence_transformers.base.sampler import NoDuplicatesBatchSampler
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    seen: set[str] = set()
    rows = []
    for anchor, positive in sample_sets.pairs["full_de"].itertuples(index=False):
        if not {anchor, positive} & seen:
            rows.append((anchor, positive))
            seen |= {anchor, positive}
    frame = pd.DataFrame(rows[:12], columns=["anchor", "positive"]).assign(family_id="C2341")
    raw = Dataset.from_pandas(frame[["family_id", "anchor", "positive"]], preserve_index=False)
    batches = list(NoDuplicatesBatchSampler(raw, batch_size=4, drop_last=False))
    assert {len(b) for b in batches} == {1}
    model, _ = load_model(str(tiny_model_dir))
    model.eval()
    loss = GISTEmbedLoss(model, freeze(load_model(str(tiny_model_dir))[0]))
    row = frame.iloc[0]
    with torch.no_grad():
        assert float(loss(_features(model, [row.anchor], [row.positive]), None)) == 0.0
    # the kit drops the constant column: batches are full again
    pinned = to_dataset_dict(TrainingSets({"full_de": frame}))["full_de"]
    assert pinned.column_names == ["anchor", "positive"]
    assert {len(b) for b in NoDuplicatesBatchSampler(pinned, batch_size=4, drop_last=True)} == {4}


# --- validation hygiene --------------------------------------------------------------------------

def test_nothing_from_the_validation_sets_is_trained_on(validation):
    sets = load_training_sets(SAMPLE_ROOT / "TaskA", SAMPLE_ROOT / "esco", ["full_en", "full_de", "full_es",
                                                                            "full_zh", "mix"], validation)
    titles = {t.casefold() for s in validation.values() for t in (*s.queries.values(), *s.corpus.values())}
    for name, frame in sets.pairs.items():
        assert frame.columns.tolist() == ["anchor", "positive"], name
        used = {t.casefold() for t in (*frame["anchor"], *frame["positive"])}
        assert not used & titles, name
    assert sum(sets.excluded.values()) > 0  # the sample does share titles with its validation sets
    assert all(len(f) for f in sets.pairs.values())


def test_unknown_training_set_is_refused(validation):
    with pytest.raises(ParameterError, match="unknown training set"):
        load_training_sets(None, None, ["full_fr"], validation)


# --- precision -----------------------------------------------------------------------------------

def test_fp16_is_off_on_cpu_and_says_so():
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    used, reason = precision_settings(True)
    assert used is False and "turned off" in reason and "CPU" in reason


# --- training, resume, saving --------------------------------------------------------------------

class _Interrupt(Exception):
    pass


def _interrupt_at(step: int):
    from transformers import TrainerCallback

    class Stop(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == step:
                raise _Interrupt

    return Stop()


def test_resume_after_an_interruption_continues_from_the_checkpoint(tiny_model_dir: Path, sample_sets,
                                                                    tmp_path: Path):
    config = FinetuneConfig(batch_size=8, max_steps=4, time_budget_s=0, save_steps=2, logging_steps=1, seed=3)
    model, _ = load_model(str(tiny_model_dir))
    with pytest.raises(_Interrupt):
        finetune(model, load_model(str(tiny_model_dir))[0], sample_sets, {}, config, tmp_path / "run",
                 callbacks=[_interrupt_at(3)])
    assert last_checkpoint(tmp_path / "run" / "checkpoints").name == "checkpoint-2"
    resumed_model, _ = load_model(str(tiny_model_dir))
    result = finetune(resumed_model, load_model(str(tiny_model_dir))[0], sample_sets, {}, config, tmp_path / "run")
    assert result.resumed_from.endswith("checkpoint-2") and result.steps == 4 and result.pairs_seen == 32
    assert not result.fp16 and "CPU" in result.fp16_reason or torch.cuda.is_available()
    straight, _ = load_model(str(tiny_model_dir))
    finetune(straight, load_model(str(tiny_model_dir))[0], sample_sets, {}, config, tmp_path / "straight")
    for (name, a), b in zip(resumed_model.state_dict().items(), straight.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-5), name  # the same model as a run that was never interrupted


def test_saved_model_reloads_and_scores_the_same(tiny_model_copy: Path, tmp_path: Path):
    from jobmatch_utils.evaluation import card_table, rank_sets

    model, _ = load_model(str(tiny_model_copy))
    target = save_model(model, tmp_path / "model", summary={"steps": 0},
                        card_table=pd.DataFrame({"x": [1.0]}, index=["ndcg@200"]))
    assert (target / "modules.json").exists() and (target / "finetune.json").exists()
    assert (tmp_path / "model_card.md").exists() and not (tmp_path / "model.incomplete").exists()
    reloaded, _ = load_model(str(target))
    sets = load_validation_sets(SAMPLE_ROOT / "TaskA", ["de"])
    a = card_table(sets, rank_sets(model, sets))
    b = card_table(sets, rank_sets(reloaded, sets))
    pd.testing.assert_frame_equal(a, b)


def test_an_interrupted_save_never_looks_complete(tiny_model_copy: Path, tmp_path: Path, monkeypatch):
    model, _ = load_model(str(tiny_model_copy))

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(model, "save", broken)
    with pytest.raises(OSError):
        save_model(model, tmp_path / "model")
    assert not (tmp_path / "model").exists() and (tmp_path / "model.incomplete" / "INCOMPLETE").exists()


# --- several processes ---------------------------------------------------------------------------

@pytest.mark.slow
def test_two_processes_with_gloo(tiny_model_dir: Path, tmp_path: Path):
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun not installed next to the interpreter")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    command = [str(torchrun), "--nproc_per_node", "2", "--master_port", "29517", "-m",
               "jobmatch_utils.finetune_run", "--model", str(tiny_model_dir), "--data-dir",
               str(SAMPLE_ROOT / "TaskA"), "--esco-dir", str(SAMPLE_ROOT / "esco"), "--batch-size", "8",
               "--max-steps", "3", "--save-steps", "2", "--out", str(tmp_path / "ddp")]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "ddp" / "result.json").read_text())
    assert result["world_size"] == 2 and result["steps"] == 3 and result["pairs_seen"] == 3 * 8 * 2
    assert (tmp_path / "ddp" / "model" / "modules.json").exists()
    shutil.rmtree(tmp_path / "ddp")
    # with a time budget both processes follow the main process's clock: they stop at the same step
    budget = [*command[:command.index("--max-steps")], "--time-budget", "4", "--save-steps", "1000", "--out",
              str(tmp_path / "ddp-budget")]
    done = subprocess.run(budget, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "ddp-budget" / "result.json").read_text())
    assert result["world_size"] == 2 and result["steps"] >= 1 and result["train_seconds"] >= 4
    shutil.rmtree(tmp_path / "ddp-budget")


def test_importing_the_training_modules_loads_no_torch(tmp_path: Path):
    code = ("import sys, jobmatch_utils.training, jobmatch_utils.training_data, jobmatch_utils.guide_cache, "
            "jobmatch_utils.finetune_report, jobmatch_utils.finetune_run;"
            "print(sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={"JOBMATCH_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_batch_size_too_large_for_small_data_is_lowered_and_said(tiny_model_copy: Path, sample_sets,
                                                                  tmp_path: Path):
    """The sample has too few distinct titles for 128 pairs without a repeat (the report's default)."""
    model, _ = load_model(str(tiny_model_copy))
    guide, _ = load_model(str(tiny_model_copy))
    config = FinetuneConfig(batch_size=128, max_steps=1, time_budget_s=0, seed=3)
    result = finetune(model, guide, sample_sets, {}, config, tmp_path / "run")
    assert result.steps == 1 and 2 <= result.pairs_seen < 128
    assert any("batch_size lowered from 128" in note for note in result.notes)
