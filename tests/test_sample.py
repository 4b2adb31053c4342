"""The bundled sample: in step with its source, and as rich as the kit promises."""

from __future__ import annotations

import re

from jobmatch_utils.data import SAMPLE_ROOT, load_retrieval_set
from jobmatch_utils.sample import SAMPLE_CROSSLINGUAL_DIRECTIONS, load_sample_occupations, render_sample


def test_committed_files_match_occupations_json() -> None:
    for relative, text in render_sample(load_sample_occupations()).items():
        assert (SAMPLE_ROOT / relative).read_text(encoding="utf-8") == text, (
            f"data/sample/{relative} is out of step: run python -m jobmatch_utils.sample")


def test_sample_is_rich_enough() -> None:
    occupations = load_sample_occupations()
    validation = [o for o in occupations if o.split == "validation"]
    assert len(validation) >= 25
    for o in occupations:
        for code in ("en", "es", "de", "zh"):
            assert 3 <= len(o.titles[code]) <= 8, (o.id, code)
    german = [t for o in occupations for t in o.titles["de"]]
    spanish = [t for o in occupations for t in o.titles["es"]]
    english = [t for o in occupations for t in o.titles["en"]]
    chinese = [t for o in occupations for t in o.titles["zh"]]
    assert any(re.search(r"\w/\w", t) for t in german)           # Lehrer/Lehrerin
    assert any("(m/w/d)" in t for t in german)
    assert any(t.endswith("/a") for t in spanish)                # abogado/a
    assert any(t.isupper() and len(t) <= 4 for t in english)     # RN, CFO
    assert any(t.lower().startswith(("senior ", "junior ", "head of ")) for t in english)
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", t)) for t in chinese) >= 0.95 * len(chinese)  # "CEO" is real
    assert sum(len(o.gender_pairs.get("de", [])) for o in validation) >= 25


def test_qrels_group_titles_of_the_same_occupation() -> None:
    occupations = {o.id: o for o in load_sample_occupations()}
    title_to_occupation = {t: o.id for o in occupations.values() if o.split == "validation" for t in o.titles["es"]}
    s = load_retrieval_set(SAMPLE_ROOT / "TaskA" / "validation" / "spanish")
    for qid, docs in s.relevant.items():
        expected = {cid for cid, title in s.corpus.items()
                    if title_to_occupation[title] == title_to_occupation[s.queries[qid]]}
        assert docs == expected


def test_crosslingual_sets_exist_and_are_crosslingual() -> None:
    for source, target in SAMPLE_CROSSLINGUAL_DIRECTIONS:
        s = load_retrieval_set(SAMPLE_ROOT / "crosslingual" / f"{source}-{target}")
        assert len(s.relevant) == len(s.queries) >= 25
    assert {("en", "es"), ("en", "de"), ("en", "zh")} <= set(SAMPLE_CROSSLINGUAL_DIRECTIONS)
