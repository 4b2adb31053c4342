"""The kit's exceptions: one base class, messages that say where and how to fix.

Every error the kit raises on bad input reads ``<file>:<line>: <what> — <how to fix>``;
the command line prints it after ``error: `` and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "JobmatchError",
    "DataFormatError",
    "DataNotFoundError",
    "ModelLoadError",
    "ParameterError",
    "CacheError",
    "FetchError",
]


class JobmatchError(Exception):
    """Base class of every error the kit raises on purpose.

    Args:
        what: What is wrong, in one clause.
        file: The file (or folder) at fault, when there is one.
        line: The 1-based line number inside ``file``, when known.
        fix: How to fix it, in one clause.

    Example:
        >>> str(JobmatchError("empty title", file="queries", line=3, fix="remove the line"))
        'queries:3: empty title — remove the line'
    """

    def __init__(
        self,
        what: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.what = what
        self.file = str(file) if file is not None else None
        self.line = line
        self.fix = fix
        super().__init__(str(self))

    @property
    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        text = f"{self.location}: {self.what}" if self.location else self.what
        return f"{text} — {self.fix}" if self.fix else text


class DataFormatError(JobmatchError):
    """A data file exists but its content is not what the kit expects."""


class DataNotFoundError(JobmatchError):
    """A data file or folder the kit was pointed at does not exist."""


class ModelLoadError(JobmatchError):
    """A model could not be resolved or loaded."""


class ParameterError(JobmatchError):
    """A notebook or command-line parameter is unknown or has a wrong value."""


class CacheError(JobmatchError):
    """The embedding cache could not be read or written."""


class FetchError(JobmatchError):
    """A download failed or delivered something unexpected."""
