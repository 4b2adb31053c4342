from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from jobmatch_utils.errors import ModelLoadError
from jobmatch_utils.models import (
    CARD_ARCHITECTURE,
    JOBBGE_ID,
    build_card_architecture,
    compare_with_card,
    describe_model,
    explain_differences,
    hub_reachable,
    load_model,
    resolve_model,
    stand_in_path,
)


def test_offline_resolution_falls_back_to_the_stand_in_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBMATCH_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    spec = resolve_model()
    assert time.monotonic() - started < 5
    assert spec.is_stand_in and not spec.is_jobbge
    assert Path(spec.name_or_path) == stand_in_path()
    assert not hub_reachable()


def test_environment_variable_beats_the_default(monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path) -> None:
    monkeypatch.setenv("JOBMATCH_MODEL", str(tiny_model_dir))
    spec = resolve_model()
    assert spec.source == "JOBMATCH_MODEL" and spec.name_or_path == str(tiny_model_dir)
    assert resolve_model("stand-in").source == "argument"  # explicit beats the variable


def test_hub_id_offline_and_uncached_fails_fast_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match="hub is not reachable.*'stand-in'"):
        resolve_model(JOBBGE_ID)
    assert time.monotonic() - started < 5


def test_missing_model_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="model folder not found"):
        resolve_model(str(tmp_path / "missing"))


def test_tiny_model_has_the_card_architecture_at_tiny_size(tiny_model_dir: Path) -> None:
    model, info = load_model(str(tiny_model_dir))
    assert (info.pooling, info.normalize, info.do_lower_case, info.transformer) == ("cls", True, True, "BertModel")
    vectors = model.encode(["Nurse", "nurse", "Lehrerin"])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)  # lower-casing
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)  # Normalize
    assert not info.is_stand_in and "not JobBGE" in info.label


def test_build_card_architecture_from_a_plain_bert_folder(tiny_model_dir: Path, tmp_path: Path) -> None:
    model, _ = load_model(str(tiny_model_dir))
    bert = tmp_path / "bert"
    model[0].auto_model.save_pretrained(bert)
    model.tokenizer.save_pretrained(bert)
    rebuilt = build_card_architecture(bert)
    info = describe_model(rebuilt, name="rebuilt")
    rows = {r["property"]: r for r in compare_with_card(info)}
    assert rows["pooling"]["same"] and rows["normalize"]["same"] and rows["do_lower_case"]["same"]
    assert rows["max_seq_length"]["loaded"] == CARD_ARCHITECTURE["max_seq_length"]


def test_plain_hugging_face_folder_is_wrapped_and_said_so(tiny_model_dir: Path, tmp_path: Path) -> None:
    model, _ = load_model(str(tiny_model_dir))
    bert = tmp_path / "bert"
    model[0].auto_model.save_pretrained(bert)
    model.tokenizer.save_pretrained(bert)
    _, info = load_model(str(bert))
    assert "wrapped with mean pooling" in info.source and info.pooling == "mean"


@pytest.mark.slow
def test_stand_in_is_genuine_minilm_and_differs_from_the_card(stand_in) -> None:
    model, info = stand_in
    assert info.is_stand_in and "NOT JobBGE" in info.label
    assert info.dimension == 384 and info.pooling == "mean"
    differences = " ".join(explain_differences(info))
    assert "pooling" in differences and "max_seq_length" in differences
    similarity = model.similarity(model.encode(["nurse"]), model.encode(["registered nurse", "truck driver"]))
    assert similarity[0, 0] > similarity[0, 1]
