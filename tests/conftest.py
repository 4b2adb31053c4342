"""Shared fixtures: an isolated cache, the tiny model (built once per session), data locations."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the tests never wait for the hub


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test session gets its own JOBMATCH_CACHE (inherited by papermill kernels)."""
    root = tmp_path_factory.mktemp("jobmatch-cache")
    previous = os.environ.get("JOBMATCH_CACHE")
    os.environ["JOBMATCH_CACHE"] = str(root)
    yield root
    if previous is None:
        os.environ.pop("JOBMATCH_CACHE", None)
    else:
        os.environ["JOBMATCH_CACHE"] = previous


@pytest.fixture(scope="session")
def tiny_model_dir(isolated_cache: Path) -> Path:
    from jobmatch_utils.models import build_tiny_model

    return build_tiny_model()


@pytest.fixture()
def tiny_model_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny model, for tests that change it."""
    target = tmp_path / "tiny-model"
    shutil.copytree(tiny_model_dir, target)
    return target


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir: Path):
    from jobmatch_utils.models import load_model

    return load_model(str(tiny_model_dir))[0]


@pytest.fixture(scope="session")
def stand_in():
    from jobmatch_utils.models import load_model

    return load_model("stand-in")


def _real(variable: str, marker: str) -> Path:
    value = os.environ.get(variable, "").strip()
    if not value or not Path(value).is_dir():
        pytest.skip(f"{variable} not set: the real-data check runs in CI ({marker})")
    return Path(value)


@pytest.fixture(scope="session")
def talentclef_root() -> Path:
    return _real("JOBMATCH_TALENTCLEF", "TalentCLEF Task A root")


@pytest.fixture(scope="session")
def esco_root() -> Path:
    return _real("JOBMATCH_ESCO", "ESCO folder")
