"""TREC run files: ``q_id Q0 doc_id rank score tag``, space-separated.

TalentCLEF 2025's submission page asks for a header line ``q_id Q0 doc_id rank score tag``,
while trec_eval, pytrec_eval and the official script's own reader reject or mis-read it: the
kit writes the header only when a submission file is asked for, and reads runs with or
without it (and with 5 columns, the tag left out, or any white space between columns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataFormatError
from .retrieval import Ranking
from .textio import atomic_write_text, read_lines

__all__ = ["SUBMISSION_HEADER", "Run", "write_trec_run", "read_trec_run", "ranking_from_run"]

SUBMISSION_HEADER = "q_id Q0 doc_id rank score tag"


@dataclass
class Run:
    """A run read from a file: ``scores {q_id: {doc_id: score}}`` plus what was noticed."""

    scores: dict[str, dict[str, float]]
    tag: str = ""
    had_header: bool = False
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.scores)


def write_trec_run(ranking: Ranking, path: str | Path, *, tag: str = "jobmatch", submission: bool = False) -> Path:
    """Write a ranking as a TREC run (atomically). ``submission=True`` adds TalentCLEF's header line.

    Scores are written with 9 significant digits, enough to keep every float32 score exact.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> r = Ranking(["1"], ["a", "b"], np.array([[1, 0]]), np.array([[0.9, 0.5]], dtype=np.float32))
        >>> p = write_trec_run(r, pathlib.Path(tempfile.mkdtemp()) / "run.txt", tag="demo")
        >>> p.read_text().splitlines()[0]
        '1 Q0 b 1 0.899999976 demo'
    """
    if not tag or any(ch.isspace() for ch in tag):
        raise DataFormatError(f"run tag {tag!r} is empty or contains white space", file=path,
                              fix="use one word, e.g. --tag jobmatch")
    lines = [SUBMISSION_HEADER] if submission else []
    for row, qid in enumerate(ranking.query_ids):
        for rank, (index, score) in enumerate(zip(ranking.indices[row], ranking.scores[row]), start=1):
            lines.append(f"{qid} Q0 {ranking.corpus_ids[index]} {rank} {float(score):.9g} {tag}")
    atomic_write_text(path, "\n".join(lines) + "\n")
    return Path(path)


def _is_header(cells: list[str]) -> bool:
    return len(cells) in (5, 6) and cells[0].lower() in {"q_id", "qid", "query_id", "query"} and not _number(cells[4])


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_trec_run(path: str | Path) -> Run:
    """Read a TREC run with 5 or 6 whitespace-separated columns, with or without a header.

    Duplicate documents for one query keep their first line (as trec_eval does) and are
    counted in ``notes``; ranks are not trusted — scores order the documents.

    Raises:
        DataFormatError: Wrong number of columns, a non-numeric or NaN score, or an empty file.
    """
    path = Path(path)
    run = Run(scores={})
    duplicates = 0
    tags: set[str] = set()
    ranks: dict[str, list[tuple[float, float]]] = {}
    lines = list(read_lines(path, what="run file"))
    if not lines:
        raise DataFormatError("run file is empty", file=path, line=1,
                              fix="write one line 'q_id Q0 doc_id rank score tag' per ranked document")
    for position, line in enumerate(lines):
        cells = line.text.split()
        if position == 0 and _is_header(cells):
            run.had_header = True
            continue
        if len(cells) not in (5, 6):
            raise DataFormatError(
                f"expected 6 columns 'q_id Q0 doc_id rank score tag' (or 5 without the tag), found {len(cells)}",
                file=path, line=line.number, fix="write one ranked document per line with those columns",
            )
        qid, _, doc, _, score_text = cells[:5]
        try:
            score = float(score_text)
        except ValueError:
            raise DataFormatError(f"score '{score_text}' is not a number", file=path, line=line.number,
                                  fix="the fifth column must be the retrieval score") from None
        if not math.isfinite(score):
            raise DataFormatError(f"score '{score_text}' is not finite", file=path, line=line.number,
                                  fix="replace NaN or infinite scores by real numbers")
        if len(cells) == 6:
            tags.add(cells[5])
        try:
            ranks.setdefault(qid, []).append((float(cells[3]), score))
        except ValueError:
            raise DataFormatError(f"rank '{cells[3]}' is not a number", file=path, line=line.number,
                                  fix="the fourth column must be the rank (1, 2, …)") from None
        ranked = run.scores.setdefault(qid, {})
        if doc in ranked:
            duplicates += 1
            continue
        ranked[doc] = score
    run.tag = ",".join(sorted(tags))
    conflicts = sum(1 for pairs in ranks.values() if _ranks_contradict_scores(pairs))
    if conflicts:
        run.notes.append(f"ranks contradict scores in {conflicts} query(ies): scores decide the order "
                         "(as trec_eval and ranx do)")
    if duplicates:
        run.notes.append(f"{duplicates} duplicate document line(s) ignored (first kept)")
    if run.had_header:
        run.notes.append("header line skipped")
    return run


def _ranks_contradict_scores(pairs: list[tuple[float, float]]) -> bool:
    """True when ordering by rank puts a lower score before a strictly higher one."""
    by_rank = sorted(pairs)
    return any(later[1] > earlier[1] for earlier, later in zip(by_rank, by_rank[1:]))


def ranking_from_run(run: Run | dict[str, dict[str, float]], query_ids: list[str] | None = None) -> Ranking:
    """Turn a run into a :class:`Ranking`, ordered by (-score, doc id) as the kit's search orders.

    Queries of ``query_ids`` absent from the run get an empty ranking (they score 0); rows
    shorter than the deepest one are padded with a sentinel that is never relevant.
    """
    import numpy as np

    scores = run.scores if isinstance(run, Run) else run
    qids = list(scores) if query_ids is None else list(query_ids)
    docs = sorted({d for ranked in scores.values() for d in ranked})
    sentinel = len(docs)
    position = {d: i for i, d in enumerate(docs)}
    depth = max((len(scores.get(q, {})) for q in qids), default=0)
    indices = np.full((len(qids), depth), sentinel, dtype=np.int64)
    values = np.full((len(qids), depth), -np.inf, dtype=np.float64)
    for row, qid in enumerate(qids):
        ranked = sorted(scores.get(qid, {}).items(), key=lambda item: (-item[1], item[0]))
        indices[row, :len(ranked)] = [position[d] for d, _ in ranked]
        values[row, :len(ranked)] = [s for _, s in ranked]
    return Ranking(qids, [*docs, "\x00no document"], indices, values)
