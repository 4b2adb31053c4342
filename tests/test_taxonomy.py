"""Failure rules on hand-written titles: each rule must match and must not match, in de, es, en and zh."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobmatch_utils.data import RetrievalSet
from jobmatch_utils.retrieval import Ranking
from jobmatch_utils.taxonomy import (
    RULES,
    abbreviation_mismatch,
    abbreviations,
    classify_relevant,
    failure_flags,
    gender_mismatch,
    no_lexical_overlap,
    relevant_ranks,
    rule_lift,
    seniority_mismatch,
    seniority_modifiers,
    taxonomy_table,
)
from jobmatch_utils.tokens import has_unknown_tokens, tokenizer_coverage

# (language, query, relevant title, should the rule fire?)
GENDER = [
    ("de", "Lehrer", "Lehrerin", True),
    ("de", "Feuerwehrmann", "Feuerwehrfrau", True),
    ("de", "technischer Recruiter", "technische Personalvermittlerin", True),
    ("de", "Grundschullehrerin", "Lehrer an Grundschulen", True),
    ("de", "Lehrer", "Grundschullehrer", False),
    ("de", "Lehrer", "Lehrer/-in", False),
    ("de", "Krankenpflegerin", "Pflegefachkraft", False),
    ("de", "Ärztin", "Fachärztin für Allgemeinmedizin", False),
    ("es", "abogado", "abogada", True),
    ("es", "ingeniera de software", "desarrollador de software", True),
    ("es", "técnica de soporte informático", "técnico de sistemas", True),
    ("es", "abogado", "abogado/a", False),
    ("es", "analista de datos", "analista financiera", False),
    ("es", "desarrollador java", "programador", False),
    ("es", "policía", "agente de policía", False),
    ("en", "salesman", "saleswoman", True),
    ("en", "policeman", "policewoman", True),
    ("en", "waiter", "waitress", True),
    ("en", "human resources manager", "policewoman", False),
    ("en", "nurse", "registered nurse", False),
    ("en", "waiter", "server", False),
    ("zh", "男护士", "女护士", True),
    ("zh", "快递小哥", "女快递员", True),
    ("zh", "女装设计师", "男装设计师", False),
    ("zh", "护士", "护士长", False),
]

OVERLAP = [
    ("de", "Arzt", "Mediziner", True),
    ("de", "Kellner", "Servicekraft", True),
    ("de", "Lehrer", "Grundschullehrerin", False),
    ("de", "Softwareentwickler", "Software Engineer", False),
    ("de", "Krankenpflegerin", "Gesundheits- und Krankenpfleger", False),
    ("de", "Ärztin", "Arzt", False),
    ("es", "abogado", "letrado", True),
    ("es", "cocinero", "chef", True),
    ("es", "ingeniero de software", "ingeniera de software", False),
    ("es", "médico", "medico de familia", False),
    ("es", "enfermero", "enfermera jefe", False),
    ("en", "lawyer", "attorney", True),
    ("en", "nurse", "RN", True),
    ("en", "software engineer", "software developer", False),
    ("en", "engineer", "engineering manager", False),
    ("zh", "会计", "记账员", True),
    ("zh", "厨师", "烹饪员", True),
    ("zh", "护士", "注册护士", False),
    ("zh", "IT经理", "it主管", False),
]

ABBREVIATION = [
    ("de", "Chief Executive Officer", "CEO (m/w/d)", True),
    ("de", "Lastkraftwagenfahrer", "lkw-fahrer", True),
    ("de", "Diplom-Ingenieur", "Dipl.-Ing. Maschinenbau", True),
    ("de", "Lkw-Fahrer", "Lkw-Fahrerin", False),
    ("de", "Lehrer", "Lehrerin", False),
    ("es", "director de recursos humanos", "director de RRHH", True),
    ("es", "técnico en cuidados auxiliares de enfermería", "TCAE", True),
    ("es", "director/a de TI", "director de TI", False),
    ("es", "abogado", "letrado", False),
    ("en", "CEO", "chief executive officer", True),
    ("en", "registered nurse", "RN", True),
    ("en", "IT manager", "head of IT", False),
    ("en", "Sales Manager", "Head of Sales", False),
    ("zh", "首席执行官", "CEO", True),
    ("zh", "客户服务专员", "客服", True),
    ("zh", "IT经理", "IT主管", False),
    ("zh", "软件工程师", "程序员", False),
]

SENIORITY = [
    ("de", "Koch", "Küchenchef", True),
    ("de", "Arzt", "Oberarzt", True),
    ("de", "Krankenpfleger", "Pflegehelfer", True),
    ("de", "Softwareentwickler", "Senior Softwareentwickler", True),
    ("de", "Koch", "Jungkoch", True),
    ("de", "Hausmeister", "Hausmeisterin", False),
    ("de", "Lehrer", "Hauptschullehrer", False),
    ("de", "Projektleiter", "Projektleiterin", False),
    ("es", "cocinero", "jefe de cocina", True),
    ("es", "director comercial", "subdirector comercial", True),
    ("es", "abogado", "abogado junior", True),
    ("es", "enfermera", "auxiliar de enfermería", True),
    ("es", "contratista", "subcontratista", False),
    ("es", "jefe de ventas", "jefa de ventas", False),
    ("en", "chef", "head chef", True),
    ("en", "developer", "senior developer", True),
    ("en", "nurse", "nursing assistant", True),
    ("en", "senior nurse", "Senior Nurse", False),
    ("en", "chef", "sous chef", False),
    ("zh", "厨师", "厨师长", True),
    ("zh", "会计", "高级会计", True),
    ("zh", "经理", "副经理", True),
    ("zh", "律师", "实习律师", True),
    ("zh", "软件工程师", "程序员", False),
    ("zh", "长途货车司机", "货车司机", False),
]

UNKNOWN = [
    ("de", "Pflegekraft ⚕", "Krankenpflegerin", True),
    ("de", "Krankenpfleger", "Krankenpflegerin", False),
    ("es", "enfermero ☤", "enfermera", True),
    ("es", "enfermero", "enfermera", False),
    ("en", "nurse 🩺", "registered nurse", True),
    ("en", "nurse", "registered nurse", False),
    ("zh", "软件工程师", "程序员", True),
    ("zh", "IT manager", "it manager", False),
]


def _ids(cases):
    return [f"{lang}:{q}|{t}" for lang, q, t, _ in cases]


@pytest.mark.parametrize(("language", "query", "title", "expected"), GENDER, ids=_ids(GENDER))
def test_gender_mismatch(language: str, query: str, title: str, expected: bool) -> None:
    assert gender_mismatch(query, title, language) is expected
    assert gender_mismatch(title, query, language) is expected  # symmetric


@pytest.mark.parametrize(("language", "query", "title", "expected"), OVERLAP, ids=_ids(OVERLAP))
def test_no_lexical_overlap(language: str, query: str, title: str, expected: bool) -> None:
    assert no_lexical_overlap(query, title, language) is expected
    assert no_lexical_overlap(title, query, language) is expected


@pytest.mark.parametrize(("language", "query", "title", "expected"), ABBREVIATION, ids=_ids(ABBREVIATION))
def test_abbreviation(language: str, query: str, title: str, expected: bool) -> None:
    assert abbreviation_mismatch(query, title, language) is expected


@pytest.mark.parametrize(("language", "query", "title", "expected"), SENIORITY, ids=_ids(SENIORITY))
def test_seniority_modifier(language: str, query: str, title: str, expected: bool) -> None:
    assert seniority_mismatch(query, title, language) is expected


@pytest.fixture(scope="module")
def stand_in_tokenizer():
    """The stand-in's real WordPiece tokenizer (no weights needed): it has no most Chinese characters."""
    from transformers import AutoTokenizer

    from jobmatch_utils.models import stand_in_path

    return AutoTokenizer.from_pretrained(str(stand_in_path()))


@pytest.mark.parametrize(("language", "query", "title", "expected"), UNKNOWN, ids=_ids(UNKNOWN))
def test_unknown_tokens(stand_in_tokenizer, language: str, query: str, title: str, expected: bool) -> None:
    assert has_unknown_tokens(stand_in_tokenizer, query, title) is expected


def test_abbreviation_and_modifier_forms() -> None:
    assert abbreviations("gerente de RR. HH.", "es") == {"rr", "hh"}
    assert abbreviations("Kraftfahrer CE (m/w/d)", "de") == {"ce"}
    assert abbreviations("Lehrer (m/w/d)", "de") == frozenset()  # the marker is no acronym
    assert seniority_modifiers("Head of Sales (m/w/d)", "de") == {"head"}
    assert seniority_modifiers("Reisebegleiter", "de") == frozenset()  # -leiter inside Begleiter is no head


def test_tokenizer_coverage_shows_chinese_unknowns(stand_in_tokenizer) -> None:
    sets = {"en": RetrievalSet("e", {"1": "nurse"}, {"1": "registered nurse"}, {"1": {"1": 1}}, "en", "en"),
            "zh": RetrievalSet("z", {"1": "软件工程师"}, {"1": "程序员"}, {"1": {"1": 1}}, "zh", "zh")}
    coverage = tokenizer_coverage(stand_in_tokenizer, sets)
    assert coverage.loc["en", "[UNK] share"] == 0
    assert coverage.loc["zh", "[UNK] share"] > 0.5
    assert coverage.loc["zh", "titles with [UNK]"] == 1.0
    assert coverage.loc["zh", "tokens per character"] == pytest.approx(1.0)


def _toy() -> tuple[RetrievalSet, Ranking]:
    """Query 'Lehrer' with four relevant titles; the ranking puts two of them beyond |R| = 4."""
    corpus = {"1": "Lehrer", "2": "Lehrerin", "3": "Pädagogin", "4": "Erzieher", "5": "Koch", "6": "Köchin",
              "7": "Bäcker"}
    s = RetrievalSet("toy", {"q": "Lehrer", "u": "Maler"}, corpus, {"q": {"1": 1, "2": 1, "3": 1, "4": 1}}, "de", "de")
    order = np.array([[0, 4, 1, 5, 6, 2, 3], [6, 5, 4, 3, 2, 1, 0]])  # positions into corpus ids
    scores = np.tile(np.linspace(0.9, 0.3, 7), (2, 1))
    return s, Ranking(["q", "u"], list(corpus), order, scores)


def test_relevant_ranks_and_flags() -> None:
    s, ranking = _toy()
    ranks = relevant_ranks(s, ranking)
    assert ranks[["c_id", "rank", "missed"]].values.tolist() == [["1", 1.0, False], ["2", 3.0, False],
                                                                 ["3", 6.0, True], ["4", 7.0, True]]
    pairs = classify_relevant(s, ranking)
    missed = pairs[pairs["missed"]]
    assert missed["gender_mismatch"].tolist() == [True, False]       # Pädagogin is feminine, Erzieher not
    assert missed["no_lexical_overlap"].tolist() == [True, True]
    assert not pairs["unknown_tokens"].any()                           # no tokenizer given
    flags = failure_flags(pairs, ["q"])
    assert flags.loc["q", "n_missed"] == 2
    assert flags.loc["q", "no_lexical_overlap"] and flags.loc["q", "gender_mismatch"]  # 2/2 and 1/2 ≥ half
    assert not flags.loc["q", "abbreviation"] and not flags.loc["q", "unexplained"]
    strict = failure_flags(pairs, ["q"], share=0.75)
    assert not strict.loc["q", "gender_mismatch"]
    lift = rule_lift({"de": pairs}).set_index("rule")
    assert lift.loc["gender_mismatch", "share of missed"] == 0.5
    assert lift.loc["gender_mismatch", "share of found"] == 0.5        # Lehrerin was found


def test_queries_without_misses_are_not_flagged() -> None:
    pairs = pd.DataFrame({"q_id": ["1"], "missed": [False], **{rule: [True] for rule in RULES}})
    flags = failure_flags(pairs, ["1"])
    assert flags.loc["1", "n_missed"] == 0 and not flags.loc["1", list(RULES) + ["unexplained"]].any()


def test_taxonomy_table_counts_and_slices() -> None:
    errors = pd.DataFrame({"language": ["de", "de", "de", "es"], "map@100": [0.1, 0.3, 0.8, 0.5],
                           **{rule: [True, True, False, False] for rule in RULES}, "unexplained": [False] * 4})
    table = taxonomy_table(errors).set_index(["language", "rule"])
    row = table.loc[("de", "gender_mismatch")]
    assert row["queries"] == 2 and row["share"] == pytest.approx(2 / 3)
    assert row["map@100 on slice"] == pytest.approx(0.2) and row["map@100 elsewhere"] == pytest.approx(0.8)
    assert table.loc[("es", "gender_mismatch"), "queries"] == 0
    assert np.isnan(table.loc[("es", "gender_mismatch"), "map@100 on slice"])
