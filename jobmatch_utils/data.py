"""Loading TalentCLEF 2025 Task A and ESCO data into the kit's data model.

A *retrieval set* is ``queries {q_id: text}``, ``corpus {c_id: text}`` and
``qrels {q_id: {c_id: relevance}}`` plus a name and its languages. Ids are always strings
(``007`` stays ``007``). TalentCLEF's layout, which the kit also writes for its own sets::

    <root>/validation/<language>/queries          q_id<TAB>jobtitle (header)
    <root>/validation/<language>/corpus_elements  c_id<TAB>jobtitle (header)
    <root>/validation/<language>/qrels.tsv        q_id 0 c_id relevance (no header)
    <root>/training/<language>/taskA_training_<code>.tsv   family_id, esco_id, title, title

Where data comes from, in order: an explicit argument; ``JOBMATCH_TALENTCLEF`` /
``JOBMATCH_ESCO``; the bundled sample in ``data/sample/``.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import DataFormatError, DataNotFoundError
from .languages import language_code, language_folder
from .textio import describe_counts, normalise_title, read_lines, read_tsv

__all__ = [
    "RetrievalSet",
    "DataSource",
    "REPO_ROOT",
    "SAMPLE_ROOT",
    "resolve_talentclef",
    "resolve_esco",
    "load_queries",
    "load_corpus",
    "load_qrels",
    "load_retrieval_set",
    "load_validation_set",
    "load_validation_sets",
    "load_training_pairs",
    "training_pairs_path",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ROOT = REPO_ROOT / "data" / "sample"


@dataclass
class RetrievalSet:
    """Queries, a corpus and relevance judgments: everything one evaluation needs.

    Attributes:
        name: The set's name, e.g. ``full_en`` or ``en→es``.
        queries: ``{q_id: title}`` in file order.
        corpus: ``{c_id: title}`` in file order (the order also breaks score ties).
        qrels: ``{q_id: {c_id: relevance}}``; relevance 0 means judged not relevant.
        query_language: Code of the queries' language.
        corpus_language: Code of the corpus' language.
        source: Where the set was read from.
        notes: Things worth knowing that were not errors (counted, one line each).
    """

    name: str
    queries: dict[str, str]
    corpus: dict[str, str]
    qrels: dict[str, dict[str, int]]
    query_language: str
    corpus_language: str
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def relevant(self) -> dict[str, set[str]]:
        """``{q_id: {c_id, ...}}`` of judged-relevant documents (relevance > 0), non-empty only."""
        result = {}
        for qid, judged in self.qrels.items():
            docs = {cid for cid, rel in judged.items() if rel > 0}
            if docs:
                result[qid] = docs
        return result

    @property
    def is_crosslingual(self) -> bool:
        return self.query_language != self.corpus_language

    def summary(self) -> dict[str, object]:
        """Counts for display: queries, corpus, judged queries, relevant pairs."""
        relevant = self.relevant
        return {
            "set": self.name,
            "queries": len(self.queries),
            "corpus": len(self.corpus),
            "queries with a relevant title": len(relevant),
            "relevant pairs": sum(len(v) for v in relevant.values()),
        }

    def __repr__(self) -> str:
        return (f"RetrievalSet({self.name!r}: {len(self.queries)} queries, "
                f"{len(self.corpus)} corpus titles, {self.query_language}→{self.corpus_language})")


@dataclass(frozen=True)
class DataSource:
    """A resolved data root and why it was chosen."""

    root: Path
    origin: str  # "argument", "JOBMATCH_TALENTCLEF", "JOBMATCH_ESCO" or "bundled sample"

    @property
    def is_sample(self) -> bool:
        return self.origin == "bundled sample"

    def describe(self) -> str:
        return f"{self.root} ({self.origin})"


def _resolve(explicit: str | Path | None, variable: str, sample: Path) -> DataSource:
    if explicit not in (None, ""):
        source = DataSource(Path(explicit).expanduser().resolve(), "argument")
    elif os.environ.get(variable, "").strip():
        source = DataSource(Path(os.environ[variable]).expanduser().resolve(), variable)
    else:
        source = DataSource(sample, "bundled sample")
    if not source.root.is_dir():
        raise DataNotFoundError(
            "data folder not found", file=source.root,
            fix=f"check the path given by {source.origin}, or unset {variable} to use the sample",
        )
    return source


def resolve_talentclef(explicit: str | Path | None = None) -> DataSource:
    """Resolve the TalentCLEF Task A root: argument, ``JOBMATCH_TALENTCLEF``, or the sample.

    Example:
        >>> resolve_talentclef().origin in {"bundled sample", "JOBMATCH_TALENTCLEF"}
        True
    """
    return _resolve(explicit, "JOBMATCH_TALENTCLEF", SAMPLE_ROOT / "TaskA")


def resolve_esco(explicit: str | Path | None = None) -> DataSource:
    """Resolve the ESCO folder (``occupations_<code>.csv``): argument, ``JOBMATCH_ESCO``, or the sample."""
    return _resolve(explicit, "JOBMATCH_ESCO", SAMPLE_ROOT / "esco")


def _load_titles(path: Path, id_column: str, what: str) -> tuple[dict[str, str], list[str]]:
    counts: Counter[str] = Counter()
    rows = read_tsv(path, columns=2, header=(id_column, "jobtitle"), what=what, counts=counts)
    titles: dict[str, str] = {}
    first_line: dict[str, int] = {}
    identical = 0
    for number, (item_id, title) in rows:
        if not item_id:
            raise DataFormatError(f"empty {id_column}", file=path, line=number,
                                  fix=f"give every line an id in the {id_column} column")
        if not title:
            raise DataFormatError(f"empty job title for {id_column} '{item_id}'", file=path,
                                  line=number, fix="fill in the title or delete the line")
        canonical = normalise_title(title)
        if canonical != title:
            counts["title(s) Unicode-normalised (NFC, full-width Latin)"] += 1
            title = canonical
        if item_id in titles:
            if titles[item_id] != title:
                raise DataFormatError(
                    f"duplicate {id_column} '{item_id}' with a different title (first on line "
                    f"{first_line[item_id]}: '{titles[item_id]}')",
                    file=path, line=number, fix="give each title its own id",
                )
            identical += 1
            continue
        titles[item_id] = title
        first_line[item_id] = number
    if identical:
        counts["repeated line(s) with the same id and title ignored"] += identical
    return titles, describe_counts(path, counts)


def load_queries(path: str | Path) -> dict[str, str]:
    """Read a TalentCLEF ``queries`` file (header ``q_id<TAB>jobtitle``) into ``{q_id: title}``."""
    return _load_titles(Path(path), "q_id", "queries file")[0]


def load_corpus(path: str | Path) -> dict[str, str]:
    """Read a TalentCLEF ``corpus_elements`` file (header ``c_id<TAB>jobtitle``)."""
    return _load_titles(Path(path), "c_id", "corpus file")[0]


def load_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Read TREC qrels (``q_id 0 c_id relevance``, any white space, no header).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "qrels.tsv"
        >>> _ = p.write_text("007\\t0\\t12\\t1\\n007 0 13 0\\n")
        >>> load_qrels(p)
        {'007': {'12': 1, '13': 0}}
    """
    path = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    lines = list(read_lines(path, what="qrels file"))
    if not lines:
        raise DataFormatError("qrels file is empty", file=path, line=1,
                              fix="add lines 'q_id 0 c_id 1', one per relevant title")
    for line in lines:
        cells = line.text.split()
        if len(cells) != 4:
            raise DataFormatError(
                f"expected 4 columns 'q_id 0 c_id relevance', found {len(cells)}",
                file=path, line=line.number, fix="write one judgment per line: q_id 0 c_id 1",
            )
        qid, _, cid, rel = cells
        try:
            relevance = int(rel)
        except ValueError:
            if line.number == lines[0].number:
                raise DataFormatError(f"unexpected header line '{line.text.strip()[:60]}'",
                                      file=path, line=line.number,
                                      fix="qrels have no header: delete the first line") from None
            raise DataFormatError(f"relevance '{rel}' is not a whole number", file=path,
                                  line=line.number, fix="use 1 for relevant and 0 for not relevant") from None
        judged = qrels.setdefault(qid, {})
        if cid in judged and judged[cid] != relevance:
            raise DataFormatError(f"'{qid}' / '{cid}' judged twice with different relevance",
                                  file=path, line=line.number, fix="keep one judgment per pair")
        judged[cid] = relevance
    return qrels


def load_retrieval_set(
    folder: str | Path,
    *,
    name: str | None = None,
    query_language: str = "",
    corpus_language: str = "",
) -> RetrievalSet:
    """Load ``queries``, ``corpus_elements`` and ``qrels.tsv`` from one folder and check they agree.

    Raises:
        DataNotFoundError: The folder or one of its three files is missing.
        DataFormatError: A malformed file, or qrels naming an unknown query or title.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataNotFoundError("retrieval-set folder not found", file=folder,
                                fix="point at a folder holding queries, corpus_elements and qrels.tsv")
    queries, query_notes = _load_titles(folder / "queries", "q_id", "queries file")
    corpus, corpus_notes = _load_titles(folder / "corpus_elements", "c_id", "corpus file")
    qrels_path = folder / "qrels.tsv"
    qrels = load_qrels(qrels_path)
    unknown_q = [q for q in qrels if q not in queries]
    if unknown_q:
        raise DataFormatError(
            f"qrels name {len(unknown_q)} query id(s) not in the queries file, e.g. '{unknown_q[0]}'",
            file=qrels_path, line=_first_line_with(qrels_path, unknown_q[0], 0),
            fix="use the q_id values of the queries file of the same folder",
        )
    for qid, judged in qrels.items():
        for cid in judged:
            if cid not in corpus:
                raise DataFormatError(
                    f"qrels name corpus id '{cid}' (query '{qid}') that is not in corpus_elements",
                    file=qrels_path, line=_first_line_with(qrels_path, cid, 2),
                    fix="use the c_id values of the corpus_elements file of the same folder",
                )
    result = RetrievalSet(
        name=name or folder.name, queries=queries, corpus=corpus, qrels=qrels,
        query_language=query_language, corpus_language=corpus_language or query_language,
        source=str(folder), notes=query_notes + corpus_notes,
    )
    unjudged = len(queries) - len(result.relevant)
    if unjudged:
        result.notes.append(f"{unjudged} query(ies) without a relevant title: the card's protocol drops them")
    return result


def _first_line_with(path: Path, value: str, column: int) -> int | None:
    for line in read_lines(path):
        cells = line.text.split()
        if len(cells) > column and cells[column] == value:
            return line.number
    return None


def load_validation_set(root: str | Path | None, language: str) -> RetrievalSet:
    """Load ``<root>/validation/<language>/`` as the set ``full_<code>`` (the card's name).

    Args:
        root: TalentCLEF Task A root; ``None`` resolves it (see :func:`resolve_talentclef`).
        language: ``en``, ``es``, ``de``, ``zh`` or a folder name.

    Example (notebook 01):
        >>> load_validation_set(None, "en").name
        'full_en'
    """
    base = resolve_talentclef(root).root
    code = language_code(language)
    folder = base / "validation" / language_folder(code)
    if not folder.is_dir():
        raise DataNotFoundError(
            f"no {language_folder(code)} validation set", file=folder,
            fix=f"point at a TalentCLEF TaskA root holding validation/{language_folder(code)}/",
        )
    return load_retrieval_set(folder, name=f"full_{code}", query_language=code)


def load_validation_sets(root: str | Path | None, languages: list[str]) -> dict[str, RetrievalSet]:
    """Load several validation sets, keyed by language code."""
    return {language_code(lang): load_validation_set(root, lang) for lang in languages}


def training_pairs_path(root: str | Path | None, language: str) -> Path:
    """Path of ``<root>/training/<language>/taskA_training_<code>.tsv``."""
    code = language_code(language)
    return resolve_talentclef(root).root / "training" / language_folder(code) / f"taskA_training_{code}.tsv"


def load_training_pairs(root: str | Path | None, language: str) -> pd.DataFrame:
    """Read TalentCLEF training pairs: columns ``family_id, esco_id, anchor, positive`` (strings).

    Raises:
        DataNotFoundError: No training file for that language under ``root``.
        DataFormatError: A line without exactly 4 tab-separated columns, or an empty title.
    """
    path = training_pairs_path(root, language)
    rows = read_tsv(path, columns=4, header=None, what="training file")
    for number, cells in rows:
        if not cells[2] or not cells[3]:
            raise DataFormatError("empty job title", file=path, line=number,
                                  fix="fill in both titles or delete the line")
        cells[2], cells[3] = normalise_title(cells[2]), normalise_title(cells[3])
    frame = pd.DataFrame([cells for _, cells in rows], columns=["family_id", "esco_id", "anchor", "positive"],
                         dtype=object)
    frame["line"] = [number for number, _ in rows]
    return frame
