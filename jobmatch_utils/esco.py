"""Loading ESCO occupations (``occupations_<code>.csv``) and ISCO group names.

ESCO is published by the European Commission ("ESCO classification, European Commission").
An occupation is a ``conceptUri``; its labels are ``preferredLabel`` plus the
newline-separated ``altLabels`` (stripped, blank lines dropped, de-duplicated, order kept).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .data import resolve_esco
from .errors import DataFormatError, DataNotFoundError
from .languages import language_code
from .textio import _decode, normalise_title

__all__ = ["Occupation", "esco_path", "load_esco_occupations", "load_isco_groups", "split_labels"]

_REQUIRED = ("conceptUri", "iscoGroup", "preferredLabel", "altLabels")


@dataclass(frozen=True)
class Occupation:
    """One ESCO occupation in one language."""

    uri: str
    isco_group: str
    preferred_label: str
    alt_labels: tuple[str, ...]
    language: str

    @property
    def labels(self) -> tuple[str, ...]:
        """Preferred label first, then the alternatives; no duplicates."""
        return tuple(dict.fromkeys((self.preferred_label, *self.alt_labels)))

    @property
    def isco_major_group(self) -> str:
        return self.isco_group[:1]


def split_labels(field: str) -> tuple[str, ...]:
    """Split ESCO's newline-separated label field: stripped, blank lines dropped, de-duplicated.

    Example:
        >>> split_labels("nurse\\n\\n  nurse \\r\\nRN\\n")
        ('nurse', 'RN')
    """
    labels = (normalise_title(line) for line in field.replace("\r", "\n").split("\n"))
    return tuple(dict.fromkeys(label for label in labels if label))


def esco_path(root: str | Path | None, language: str) -> Path:
    """Path of ``occupations_<code>.csv`` under the resolved ESCO folder."""
    return resolve_esco(root).root / f"occupations_{language_code(language)}.csv"


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise DataNotFoundError("ESCO file not found", file=path,
                                fix="point JOBMATCH_ESCO (or the argument) at the folder holding occupations_<code>.csv")
    reader = csv.DictReader(io.StringIO(_decode(path, path.read_bytes()), newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise DataFormatError(f"missing column(s) {', '.join(missing)} in the header", file=path, line=1,
                              fix="use ESCO's CSV export (v1.2, language-specific occupations file)")
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise DataFormatError(f"malformed CSV ({exc})", file=path, line=reader.line_num,
                              fix="check the quoting of that row") from None
    return rows


def load_esco_occupations(root: str | Path | None, language: str) -> list[Occupation]:
    """Read ESCO occupations of one language (``en``, ``de``, ``es``; ESCO has no Chinese).

    Raises:
        DataNotFoundError: No ``occupations_<code>.csv`` in the folder.
        DataFormatError: Missing columns, malformed CSV, an empty preferred label or a
            repeated ``conceptUri``; the message names the line.
    """
    code = language_code(language)
    path = esco_path(root, code)
    occupations: list[Occupation] = []
    seen: dict[str, int] = {}
    for line, row in _read_csv(path, _REQUIRED):
        uri = (row.get("conceptUri") or "").strip()
        preferred = normalise_title(row.get("preferredLabel") or "")
        if not uri or not preferred:
            raise DataFormatError("empty conceptUri or preferredLabel", file=path, line=line,
                                  fix="every occupation needs both")
        if uri in seen:
            raise DataFormatError(f"conceptUri {uri} repeated (first on line {seen[uri]})", file=path, line=line,
                                  fix="keep one row per occupation")
        seen[uri] = line
        alternatives = tuple(a for a in split_labels(row.get("altLabels") or "") if a != preferred)
        occupations.append(Occupation(uri, (row.get("iscoGroup") or "").strip(), preferred, alternatives, code))
    return occupations


def load_isco_groups(root: str | Path | None) -> dict[str, str]:
    """ISCO-08 group code → English name, from ``ISCOGroups_en.csv`` (empty if the file is absent)."""
    path = resolve_esco(root).root / "ISCOGroups_en.csv"
    if not path.is_file():
        return {}
    return {row["code"].strip(): row["preferredLabel"].strip() for _, row in _read_csv(path, ("code", "preferredLabel"))}
