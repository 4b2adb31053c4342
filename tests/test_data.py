from __future__ import annotations

from pathlib import Path

import pytest

from jobmatch_utils.data import (
    SAMPLE_ROOT,
    load_qrels,
    load_retrieval_set,
    load_training_pairs,
    load_validation_set,
    resolve_talentclef,
)
from jobmatch_utils.errors import DataFormatError, DataNotFoundError, ParameterError
from jobmatch_utils.languages import language_code, parse_languages


def write_set(folder: Path, queries: str, corpus: str, qrels: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "queries").write_text(queries, encoding="utf-8")
    (folder / "corpus_elements").write_text(corpus, encoding="utf-8")
    (folder / "qrels.tsv").write_text(qrels, encoding="utf-8")
    return folder


def test_ids_stay_strings_and_relevance_zero_is_not_relevant(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", "q_id\tjobtitle\n007\tnurse\n7\tcook\n",
                       "c_id\tjobtitle\n001\tRN\n1\tchef\n002\tbaker\n",
                       "007\t0\t001\t1\n007\t0\t002\t0\n7\t0\t1\t1\n")
    s = load_retrieval_set(folder, query_language="en")
    assert list(s.queries) == ["007", "7"]
    assert s.queries["007"] == "nurse" and s.corpus["001"] == "RN"
    assert s.relevant == {"007": {"001"}, "7": {"1"}}
    assert s.qrels["007"]["002"] == 0


def test_qrels_naming_unknown_document_is_an_error_with_line(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", "q_id\tjobtitle\n1\tnurse\n", "c_id\tjobtitle\n1\tRN\n",
                       "1\t0\t1\t1\n1\t0\t99\t1\n")
    with pytest.raises(DataFormatError) as info:
        load_retrieval_set(folder)
    assert "'99'" in str(info.value) and str(info.value).startswith(f"{folder / 'qrels.tsv'}:2:")


def test_queries_without_relevant_title_are_noted(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", "q_id\tjobtitle\n1\tnurse\n2\tcook\n", "c_id\tjobtitle\n1\tRN\n",
                       "1\t0\t1\t1\n")
    s = load_retrieval_set(folder)
    assert list(s.relevant) == ["1"]
    assert any("1 query(ies) without a relevant title" in note for note in s.notes)


def test_missing_header_names_file_line_and_fix(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", "1\tnurse\n", "c_id\tjobtitle\n1\tRN\n", "1 0 1 1\n")
    with pytest.raises(DataFormatError, match=r"queries:1: expected the header 'q_id<TAB>jobtitle'.*add the header"):
        load_retrieval_set(folder)


def test_duplicate_id_with_different_title_is_an_error(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", "q_id\tjobtitle\n1\tnurse\n1\tcook\n", "c_id\tjobtitle\n1\tRN\n", "1 0 1 1\n")
    with pytest.raises(DataFormatError, match=r"queries:3: duplicate q_id '1'.*first on line 2"):
        load_retrieval_set(folder)


def test_missing_folder_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError):
        load_validation_set(tmp_path, "en")


def test_resolution_order_argument_then_variable_then_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBMATCH_TALENTCLEF", raising=False)
    assert resolve_talentclef().is_sample
    monkeypatch.setenv("JOBMATCH_TALENTCLEF", str(tmp_path))
    assert resolve_talentclef().origin == "JOBMATCH_TALENTCLEF"
    other = tmp_path / "other"
    other.mkdir()
    assert resolve_talentclef(other).root == other.resolve()
    monkeypatch.setenv("JOBMATCH_TALENTCLEF", str(tmp_path / "nope"))
    with pytest.raises(DataNotFoundError, match="unset JOBMATCH_TALENTCLEF"):
        resolve_talentclef()


@pytest.mark.parametrize("code", ["en", "es", "de", "zh"])
def test_bundled_sample_loads_in_every_language(code: str) -> None:
    s = load_validation_set(SAMPLE_ROOT / "TaskA", code)
    assert s.name == f"full_{code}" and len(s.queries) >= 25
    assert set(s.relevant) == set(s.queries)  # every sample query has a relevant title


def test_training_pairs_have_four_string_columns() -> None:
    pairs = load_training_pairs(SAMPLE_ROOT / "TaskA", "de")
    assert list(pairs.columns[:4]) == ["family_id", "esco_id", "anchor", "positive"]
    assert len(pairs) > 50 and pairs["anchor"].map(type).eq(str).all()


def test_training_file_with_wrong_columns_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "training" / "german" / "taskA_training_de.tsv"
    path.parent.mkdir(parents=True)
    path.write_text("a\tb\tLehrer\tLehrerin\na\tb\tLehrer\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"taskA_training_de.tsv:2: expected 4 tab-separated columns, found 3"):
        load_training_pairs(tmp_path, "de")


def test_language_codes_and_names() -> None:
    assert language_code("Chinese") == "zh" and parse_languages("de, german ,es") == ["de", "es"]
    with pytest.raises(ParameterError, match="use one of en"):
        language_code("fr")


def test_qrels_reader_accepts_any_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "qrels"
    path.write_text("1 0 a 1\r\n1\t0\tb\t0\n\n", encoding="utf-8")
    assert load_qrels(path) == {"1": {"a": 1, "b": 0}}


@pytest.mark.realdata
def test_real_validation_sets_have_the_published_sizes(talentclef_root: Path) -> None:
    sizes = {code: (len(s.queries), len(s.corpus)) for code in ("en", "es", "de", "zh")
             for s in [load_validation_set(talentclef_root, code)]}
    assert sizes == {"en": (105, 2619), "es": (185, 4661), "de": (203, 4729), "zh": (103, 2513)}


@pytest.mark.realdata
def test_real_training_pairs(talentclef_root: Path) -> None:
    assert len(load_training_pairs(talentclef_root, "de")) == 23023
    assert len(load_training_pairs(talentclef_root, "es")) == 20724
