"""Where the kit keeps things on disk (nothing is created at import)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path:
    """The kit's cache folder: ``JOBMATCH_CACHE`` or ``~/.cache/jobmatch`` (not created here)."""
    configured = os.environ.get("JOBMATCH_CACHE", "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "jobmatch"
