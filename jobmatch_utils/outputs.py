"""Output folders that are either complete or clearly marked incomplete.

:func:`staged_directory` writes into a hidden staging folder holding an ``INCOMPLETE`` marker
and renames it over the target only when the block finishes. An interruption or an error
leaves the previous complete folder untouched and the staging folder renamed to
``<name>.incomplete`` (with its marker), never a half-written folder that looks done.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["INCOMPLETE_MARKER", "staged_directory", "is_complete"]

INCOMPLETE_MARKER = "INCOMPLETE"


def is_complete(folder: str | Path) -> bool:
    """True for an existing folder without the ``INCOMPLETE`` marker."""
    folder = Path(folder)
    return folder.is_dir() and not (folder / INCOMPLETE_MARKER).exists()


@contextmanager
def staged_directory(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces ``target`` in one rename.

    Example:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "model"
        >>> with staged_directory(out) as staging:
        ...     _ = (staging / "weights.bin").write_text("…")
        >>> sorted(p.name for p in out.iterdir()), is_complete(out)
        (['weights.bin'], True)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    (staging / INCOMPLETE_MARKER).write_text("this folder was not finished; do not use it\n", encoding="utf-8")
    try:
        yield staging
    except BaseException:
        incomplete = target.parent / f"{target.name}.incomplete"
        if incomplete.exists():
            shutil.rmtree(incomplete)
        os.replace(staging, incomplete)
        raise
    (staging / INCOMPLETE_MARKER).unlink()
    previous = target.parent / f".{target.name}.previous-{uuid.uuid4().hex[:8]}"
    if target.exists():
        os.replace(target, previous)
    os.replace(staging, target)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(target.parent / f"{target.name}.incomplete", ignore_errors=True)
