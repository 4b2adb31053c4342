"""The two requirement lists agree, and nothing happens at import."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_environment_yml_lists_the_same_requirements_as_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    listed = set()
    for line in (REPO / "environment.yml").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("- \"") and stripped.endswith("\""):
            listed.add(stripped[3:-1])
    listed.discard("-e .")
    assert listed == wanted


def test_import_loads_no_heavy_library_and_creates_nothing(tmp_path: Path) -> None:
    code = ("import sys, jobmatch_utils, jobmatch_utils.data, jobmatch_utils.models, jobmatch_utils.cli;"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'papermill') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={"JOBMATCH_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert not (tmp_path / "cache").exists()


def test_tested_versions_are_installed() -> None:
    from importlib import metadata

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for text in project["dependencies"]:
        requirement = Requirement(text)
        installed = metadata.version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), (requirement, installed)
