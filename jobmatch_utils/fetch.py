"""Downloading TalentCLEF 2025 Task A (for users online; nothing here runs at import).

TalentCLEF 2025 Task A is published on Zenodo (record 14879510, ``TaskA.zip``, about 1 MB)
by the TalentCLEF organisers (Gasco et al., 2025). The zip is checked (complete archive,
expected layout, no path escaping the destination) before anything is unpacked, and it is
unpacked into a temporary folder that is renamed into place only when complete.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from .data import REPO_ROOT
from .errors import FetchError
from .languages import LANGUAGES

__all__ = ["TALENTCLEF_URL", "DEFAULT_DEST", "fetch_talentclef", "find_taskA_root"]

TALENTCLEF_URL = "https://zenodo.org/records/14879510/files/TaskA.zip?download=1"
DEFAULT_DEST = REPO_ROOT / "data" / "external" / "talentclef2025"
_REQUIRED = ("queries", "corpus_elements", "qrels.tsv")


def find_taskA_root(folder: Path) -> Path | None:
    """The folder under ``folder`` that holds ``validation/<language>/`` (TalentCLEF's layout)."""
    for candidate in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        validation = candidate / "validation"
        if validation.is_dir() and any((validation / lang).is_dir() for lang in LANGUAGES.values()):
            return candidate
    return None


def _download(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot download {url} ({reason}); offline?",
                         fix="download TaskA.zip from Zenodo record 14879510 by hand and unzip it, "
                             "then set JOBMATCH_TALENTCLEF to its TaskA folder") from None


def fetch_talentclef(dest: str | Path = DEFAULT_DEST, *, url: str = TALENTCLEF_URL, timeout: float = 20.0) -> Path:
    """Download and unpack TalentCLEF Task A; return the Task A root to use as ``JOBMATCH_TALENTCLEF``.

    Raises:
        FetchError: Offline, an incomplete or corrupt zip, or a zip without the expected layout.
    """
    dest = Path(dest).expanduser().resolve()
    payload = _download(url, timeout)
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        broken = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise FetchError(f"the download from {url} is not a complete zip archive ({exc})",
                         fix="run the command again; if it persists, download TaskA.zip by hand") from None
    if broken is not None:
        raise FetchError(f"the zip from {url} is corrupt at member {broken}", fix="run the command again")
    for member in archive.namelist():
        parts = PurePosixPath(member).parts
        if member.startswith("/") or ".." in parts:
            raise FetchError(f"the zip holds an unsafe path {member!r}", fix="do not use this archive")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".fetch-") as work:
        staging = Path(work) / "unpacked"
        archive.extractall(staging)
        root = find_taskA_root(staging)
        if root is None:
            raise FetchError(f"the zip from {url} has no validation/<language>/ folders",
                             fix="check the URL points at TalentCLEF 2025 TaskA.zip")
        missing = [str(p.relative_to(staging)) for lang in LANGUAGES.values()
                   if (root / "validation" / lang).is_dir()
                   for p in [root / "validation" / lang / f for f in _REQUIRED] if not p.is_file()]
        if missing:
            raise FetchError(f"the zip lacks {', '.join(missing[:3])}", fix="check the archive is TalentCLEF 2025 Task A")
        relative = root.relative_to(staging)
        if dest.exists():
            shutil.rmtree(dest)
        staging.replace(dest)
    return dest / relative
