"""Reading the kit's text files safely: encodings, line ends, compressed files, tab columns.

Every reader here reports problems as :class:`~jobmatch_utils.errors.DataFormatError`
naming the file and the 1-based line, never as a pandas or codec traceback.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import DataFormatError, DataNotFoundError

__all__ = ["Line", "read_lines", "read_tsv", "atomic_write_text", "normalise_title", "describe_counts"]

_MAGIC = {
    b"\x1f\x8b": "a gzip file",
    b"PK\x03\x04": "a zip archive",
    b"BZh": "a bzip2 file",
    b"\xfd7zXZ": "an xz file",
}


@dataclass(frozen=True)
class Line:
    """One non-blank line of a text file, with its 1-based number."""

    number: int
    text: str


def _decode(path: Path, raw: bytes) -> str:
    for magic, kind in _MAGIC.items():
        if raw.startswith(magic):
            raise DataFormatError(
                f"this is {kind}, not a text file",
                file=path,
                line=1,
                fix="unpack it first and point the kit at the extracted file",
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFormatError(
            f"not valid UTF-8 (byte offset {exc.start}: {raw[exc.start:exc.start + 1]!r})",
            file=path,
            line=line,
            fix="re-save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")  # a UTF-8 byte-order mark is harmless: drop it


def read_lines(path: str | Path, *, what: str = "file", counts: Counter[str] | None = None) -> Iterator[Line]:
    """Yield the non-blank lines of a UTF-8 text file (BOM and CRLF tolerated).

    Args:
        path: The file to read.
        what: What the file is, for the error message (``"queries file"``, ...).
        counts: When given, recoverable oddities are counted into it (blank lines, a
            byte-order mark, CRLF line ends), to be summarised once.

    Raises:
        DataNotFoundError: The file does not exist (or is a folder).
        DataFormatError: The file is compressed, binary or not UTF-8.

    Example:
        >>> [l.number for l in read_lines(__file__)][:1]
        [1]
    """
    path = Path(path)
    if not path.is_file():
        fix = "it is a folder; name a file inside it" if path.is_dir() else "check the path"
        raise DataNotFoundError(f"{what} not found", file=path, fix=fix)
    raw = path.read_bytes()
    text = _decode(path, raw)
    if counts is not None and raw.startswith(b"\xef\xbb\xbf"):
        counts["byte-order mark removed"] += 1
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataFormatError("contains NUL bytes: not a text file", file=path, line=line,
                              fix="point the kit at the plain-text file")
    pieces = text.split("\n")
    last = len(pieces)  # the piece after a final newline is not a blank line
    for number, line in enumerate(pieces, start=1):
        if line.endswith("\r"):
            line = line[:-1]
            if counts is not None:
                counts["CRLF line end(s)"] += 1
        if line.strip():
            yield Line(number, line)
        elif counts is not None and number < last:
            counts["blank line(s) skipped"] += 1


def describe_counts(path: str | Path, counts: Counter[str]) -> list[str]:
    """``["<file>: 3 blank line(s) skipped", …]`` — each recoverable oddity once, with its count."""
    name = Path(path).name
    return [f"{name}: {n} {kind}" for kind, n in counts.items() if n]


def read_tsv(
    path: str | Path,
    *,
    columns: int,
    header: tuple[str, ...] | None = None,
    what: str = "file",
    counts: Counter[str] | None = None,
) -> list[tuple[int, list[str]]]:
    """Read a tab-separated file with a fixed number of columns.

    Cells are stripped of surrounding white space; trailing empty cells from stray tabs
    are dropped. Lines with the wrong number of cells are errors naming the line.

    Args:
        path: The file.
        columns: The number of columns every row must have.
        header: The expected header row, or ``None`` when the file has no header.
        what: What the file is, for the error message.

    Returns:
        ``(line_number, cells)`` for every data row.

    Raises:
        DataFormatError: A missing or unexpected header, or a row with too few or too
            many cells; the message names the line and the fix.
    """
    path = Path(path)
    lines = iter(read_lines(path, what=what, counts=counts))
    first = next(lines, None)
    if first is None:
        raise DataFormatError(f"{what} is empty", file=path, line=1,
                              fix=f"fill it with {columns} tab-separated columns per line")
    rows: list[tuple[int, list[str]]] = []
    for line in [first, *lines]:
        cells = [cell.strip() for cell in line.text.split("\t")]
        while len(cells) > columns and cells[-1] == "":
            cells.pop()
            if counts is not None:
                counts["trailing tab(s) removed"] += 1
        if line is first and header is not None:
            if [c.lower() for c in cells] != [h.lower() for h in header]:
                expected = "<TAB>".join(header)
                raise DataFormatError(
                    f"expected the header '{expected}', found '{line.text.strip()[:60]}'",
                    file=path, line=line.number,
                    fix=f"add the header line '{expected}' (tab-separated) at the top",
                )
            continue
        if line is first and header is None and _looks_like_header(cells):
            raise DataFormatError(
                f"unexpected header line '{line.text.strip()[:60]}'",
                file=path, line=line.number,
                fix="this file has no header: delete the first line",
            )
        if len(cells) != columns:
            hint = (" (the line has no tab: are the columns separated by spaces?)"
                    if len(cells) == 1 and " " in line.text.strip() else "")
            raise DataFormatError(
                f"expected {columns} tab-separated columns, found {len(cells)}{hint}",
                file=path, line=line.number,
                fix=f"make every line hold exactly {columns} columns separated by one tab",
            )
        rows.append((line.number, cells))
    return rows


def _looks_like_header(cells: list[str]) -> bool:
    known = {"q_id", "c_id", "query_id", "doc_id", "qid", "docid", "jobtitle", "family_id", "esco_id"}
    return any(cell.lower() in known for cell in cells)


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise_title(text: str) -> str:
    """Canonical form of a title: NFC (composed accents), full-width Latin to ASCII, spaces folded.

    TalentCLEF's German files mix composed and decomposed umlauts (``ä`` as one character or
    as ``a`` + combining diaeresis); the two look identical but are different strings. Only
    full-width *Latin* and the ideographic space are folded (not all of NFKC), so Chinese
    titles keep their characters.

    Example:
        >>> normalise_title("A\u0308rztin") == "Ärztin", normalise_title("Ｎｕｒｓｅ　 RN")
        (True, 'Nurse RN')
    """
    return " ".join(unicodedata.normalize("NFC", text).translate(_FULL_WIDTH).split())


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
