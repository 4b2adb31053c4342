from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jobmatch_utils.errors import DataFormatError
from jobmatch_utils.retrieval import Ranking
from jobmatch_utils.trec import SUBMISSION_HEADER, ranking_from_run, read_trec_run, write_trec_run


def ranking() -> Ranking:
    return Ranking(["007", "2"], ["a", "b", "c"], np.array([[2, 0], [1, 2]]),
                   np.array([[0.91234567, 0.5], [0.7, 0.7]], dtype=np.float32))


def test_round_trip_keeps_ids_and_float32_scores(tmp_path: Path) -> None:
    path = write_trec_run(ranking(), tmp_path / "run.txt", tag="t1")
    lines = path.read_text().splitlines()
    assert lines[0].split() == ["007", "Q0", "c", "1", lines[0].split()[4], "t1"] and len(lines) == 4
    run = read_trec_run(path)
    assert list(run.scores["007"]) == ["c", "a"]
    assert np.float32(run.scores["007"]["c"]) == np.float32(0.91234567)  # 9 digits keep float32 exact
    assert not run.had_header and run.tag == "t1"


def test_header_only_for_submissions_and_reader_accepts_both(tmp_path: Path) -> None:
    plain = write_trec_run(ranking(), tmp_path / "plain.txt")
    submission = write_trec_run(ranking(), tmp_path / "sub.txt", submission=True)
    assert submission.read_text().splitlines()[0] == SUBMISSION_HEADER
    assert plain.read_text().splitlines()[0] != SUBMISSION_HEADER
    assert read_trec_run(submission).scores == read_trec_run(plain).scores
    assert read_trec_run(submission).had_header


def test_five_columns_and_any_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "run"
    path.write_text("1\tQ0  a 1 0.9\n1 Q0 b\t2 0.8\n", encoding="utf-8")
    assert read_trec_run(path).scores == {"1": {"a": 0.9, "b": 0.8}}


@pytest.mark.parametrize("line, message", [
    ("1 Q0 a 1", "found 4"),
    ("1 Q0 a 1 high tag", "score 'high' is not a number"),
    ("1 Q0 a 1 nan tag", "not finite"),
])
def test_bad_lines_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "run"
    path.write_text(f"1 Q0 z 1 0.5 t\n{line}\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=rf"run:2: .*{message}"):
        read_trec_run(path)


def test_duplicates_keep_the_first_and_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "run"
    path.write_text("1 Q0 a 1 0.9 t\n1 Q0 a 2 0.1 t\n", encoding="utf-8")
    run = read_trec_run(path)
    assert run.scores == {"1": {"a": 0.9}} and "1 duplicate" in run.notes[0]


def test_ranking_from_run_orders_by_score_then_id_and_pads_missing_queries() -> None:
    r = ranking_from_run({"1": {"b": 0.5, "a": 0.5, "c": 0.9}}, query_ids=["1", "2"])
    assert r.doc_ids(0) == ["c", "a", "b"]
    assert r.doc_ids(1) == [r.corpus_ids[-1]] * 3  # sentinel: never relevant
