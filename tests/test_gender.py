"""Gender forms, combined variants and pairs (checked on the bundled sample), and RBO against hand-worked values."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from jobmatch_utils.data import SAMPLE_ROOT, RetrievalSet, load_retrieval_set
from jobmatch_utils.errors import ParameterError
from jobmatch_utils.gender import (
    GenderPair,
    expand_gender_variants,
    find_gender_pairs,
    gender_counterparts,
    title_gender,
)
from jobmatch_utils.parity import compare_gender_pairs, overlap_at_k, parity_summary, rbo
from jobmatch_utils.retrieval import Ranking
from jobmatch_utils.sample import load_sample_occupations

VARIANTS = [
    ("de", "Lehrer/Lehrerin", "Lehrer", "Lehrerin"),
    ("de", "Lehrer/-in", "Lehrer", "Lehrerin"),
    ("de", "Lehrer*in", "Lehrer", "Lehrerin"),
    ("de", "Lehrer:in", "Lehrer", "Lehrerin"),
    ("de", "Lehrer_in", "Lehrer", "Lehrerin"),
    ("de", "LehrerIn", "Lehrer", "Lehrerin"),
    ("de", "Arzt/Ärztin", "Arzt", "Ärztin"),
    ("de", "Bürokaufmann/-frau", "Bürokaufmann", "Bürokauffrau"),
    ("de", "Lehrer (m/w/d)", "Lehrer", "Lehrerin"),
    ("de", "Assistenzarzt (w/m/d)", "Assistenzarzt", "Assistenzärztin"),
    ("de", "Interner Revisor (m/w/d)", "Interner Revisor", "Interne Revisorin"),
    ("de", "Pharmazeutisch-technische/r Assistent/in", "Pharmazeutisch-technischer Assistent",
     "Pharmazeutisch-technische Assistentin"),
    ("de", "kinderbetreuer / in", "kinderbetreuer", "kinderbetreuerin"),
    ("de", "Berufskraftfahrer/-in Güterverkehr", "Berufskraftfahrer Güterverkehr", "Berufskraftfahrerin Güterverkehr"),
    ("es", "abogado/a", "abogado", "abogada"),
    ("es", "director/a", "director", "directora"),
    ("es", "profesor(a)", "profesor", "profesora"),
    ("es", "enfermera/o", "enfermero", "enfermera"),
    ("es", "director/a financiero/a", "director financiero", "directora financiera"),
    ("es", "dependiente/a", "dependiente", "dependienta"),
    ("es", "abogad@", "abogado", "abogada"),
    ("es", "enfermero/enfermera", "enfermero", "enfermera"),
    ("es", "director comercial (h/m)", "director comercial", "directora comercial"),
    ("en", "waiter/waitress", "waiter", "waitress"),
]


@pytest.mark.parametrize(("language", "title", "masculine", "feminine"), VARIANTS, ids=[v[1] for v in VARIANTS])
def test_combined_forms_expand_into_both_readings(language: str, title: str, masculine: str, feminine: str) -> None:
    variants = expand_gender_variants(title, language)
    assert (variants.form, variants.masculine, variants.feminine) == ("both", masculine, feminine)
    assert title_gender(title, language) == "both"


@pytest.mark.parametrize(("language", "title"), [
    ("es", "soldador MIG/MAG"), ("es", "coordinador de importación/exportación"), ("de", "java / j2ee-entwickler"),
    ("de", "Lehrerin"), ("en", "nurse"), ("zh", "护士"), ("es", "analista (BI)")])
def test_titles_that_are_not_combined_forms(language: str, title: str) -> None:
    assert expand_gender_variants(title, language).form != "both"


@pytest.mark.parametrize(("language", "title", "gender"), [
    ("de", "Lehrerin", "feminine"), ("de", "Lehrer", "masculine"), ("de", "Pflegefachkraft", "unmarked"),
    ("de", "Fachärztin für Allgemeinmedizin", "feminine"), ("de", "Assistent der Geschäftsführerin", "masculine"),
    ("de", "Feuerwehrfrau", "feminine"), ("de", "Kindermädchen", "feminine"), ("de", "Technologin", "feminine"),
    ("es", "técnica de soporte informático", "feminine"), ("es", "desarrollador java", "masculine"),
    ("es", "analista de datos", "unmarked"), ("es", "CEO", "unmarked"), ("es", "agente inmobiliaria", "feminine"),
    ("en", "policewoman", "feminine"), ("en", "chairman", "masculine"), ("en", "human resources", "unmarked"),
    ("zh", "女护士", "feminine"), ("zh", "保洁阿姨", "feminine"), ("zh", "快递小哥", "masculine"),
    ("zh", "女装设计师", "unmarked")])
def test_title_gender(language: str, title: str, gender: str) -> None:
    assert title_gender(title, language) == gender


def test_decomposed_umlauts_are_read_like_composed_ones() -> None:
    decomposed = unicodedata.normalize("NFD", "Ärztin")
    assert decomposed != "Ärztin"
    assert title_gender(decomposed, "de") == "feminine"
    assert gender_counterparts("Arzt", decomposed, "de") == ("Arzt", decomposed)  # the titles as given


def test_counterparts_need_the_same_words_and_one_direction() -> None:
    assert gender_counterparts("kaufmännische Leiterin", "kaufmännischer Leiter", "de") == (
        "kaufmännischer Leiter", "kaufmännische Leiterin")
    assert gender_counterparts("Milchbauer", "Milchbäuerin", "de") == ("Milchbauer", "Milchbäuerin")
    assert gender_counterparts("Zimmerer", "Zimmerin", "de") == ("Zimmerer", "Zimmerin")
    assert gender_counterparts("agente inmobiliario", "agente inmobiliaria", "es") is not None
    assert gender_counterparts("Lehrer", "Lehrerin für Mathematik", "de") is None       # different words
    assert gender_counterparts("directora técnico", "director técnica", "es") is None  # mixed directions
    assert gender_counterparts("Lehrer", "Lehrer", "de") is None


def test_pair_finder_recovers_every_pair_of_the_sample() -> None:
    """occupations.json lists the gender pairs among each occupation's titles, for de and es."""
    for occupation in load_sample_occupations():
        for language in ("de", "es"):
            titles = {str(i): t for i, t in enumerate(occupation.titles[language])}
            found = {(p.masculine, p.feminine) for p in find_gender_pairs(titles, language)}
            assert found == set(occupation.gender_pairs.get(language, [])), (occupation.id, language)


@pytest.mark.parametrize("language", ["de", "es"])
def test_pair_finder_on_the_sample_queries(language: str) -> None:
    """The sample's queries hold both forms of each validation occupation's first pair."""
    folder = {"de": "german", "es": "spanish"}[language]
    queries = load_retrieval_set(SAMPLE_ROOT / "TaskA" / "validation" / folder).queries
    expected = set()
    for o in load_sample_occupations():
        pairs = o.gender_pairs.get(language, [])
        if o.split == "validation" and pairs and o.titles[language][0] in pairs[0]:
            expected.add(tuple(pairs[0]))
    found = find_gender_pairs(queries, language)
    assert {(p.masculine, p.feminine) for p in found} == expected
    assert all(queries[p.masculine_id] == p.masculine and queries[p.feminine_id] == p.feminine for p in found)
    assert len({p.masculine_id for p in found} | {p.feminine_id for p in found}) == 2 * len(found)


# --- RBO: values worked by hand ------------------------------------------------------------------------
# S = a b c, T = a c b, p = 0.5: X = (1, 1, 3), A = (1, 1/2, 1)
#   RBO_ext = A_3 p^3 + (1-p)/p (A_1 p + A_2 p^2 + A_3 p^3) = 1/8 + (1/2 + 1/8 + 1/8) = 0.875
#   RBO@3  = (1-p) (A_1 + A_2 p + A_3 p^2) = 1/2 (1 + 1/4 + 1/4) = 0.75
# S = a b c d, T = b a d c, p = 0.5: X = (0, 2, 2, 4), A = (0, 1, 2/3, 1)
#   RBO_ext = 1/16 + (1/4 + 2/3 · 1/8 + 1/16) = 11/24;  RBO@4 = 1/2 (1/2 + 2/3 · 1/4 + 1/8) = 19/48
# S = 1 2 3 4 5, T = 2 3 4 1 5, p = 0.9: A = (0, 1/2, 2/3, 1, 1)
#   RBO_ext = 0.9^5 + 0.1/0.9 (0.5 · 0.81 + 2/3 · 0.729 + 0.6561 + 0.59049) = 0.59049 + 0.23751 = 0.828
@pytest.mark.parametrize(("first", "second", "p", "ext", "truncated"), [
    ("abc", "acb", 0.5, 0.875, 0.75),
    ("abcd", "badc", 0.5, 11 / 24, 19 / 48),
    ("12345", "23415", 0.9, 0.828, None),
])
def test_rbo_matches_hand_worked_values(first: str, second: str, p: float, ext: float, truncated: float | None) -> None:
    assert rbo(list(first), list(second), p=p) == pytest.approx(ext, abs=1e-12)
    if truncated is not None:
        assert rbo(list(first), list(second), p=p, variant="truncated") == pytest.approx(truncated, abs=1e-12)


def test_rbo_bounds_depth_and_errors() -> None:
    items = list("abcdefghij")
    assert rbo(items, items, p=0.9) == 1.0
    assert rbo(items, list("klmnopqrst"), p=0.9) == 0.0
    assert rbo(items, items, p=0.9, variant="truncated") == pytest.approx(1 - 0.9 ** 10)
    assert rbo(list("abc"), list("acb"), p=0.5, depth=1) == 1.0              # only the top rank compared
    assert rbo(list("abcz"), list("acb"), p=0.5) == pytest.approx(0.875)     # the shorter list sets the depth
    assert overlap_at_k(list("abc"), list("bad"), 2) == 1.0
    with pytest.raises(ParameterError):
        rbo(items, items, p=1.0)
    with pytest.raises(ParameterError):
        rbo(list("aab"), list("abc"))
    with pytest.raises(ParameterError):
        rbo(items, items, variant="min")


def test_compare_gender_pairs_and_summary() -> None:
    corpus = {"1": "Lehrerin", "2": "Lehrer", "3": "Koch", "4": "Köchin", "5": "Bäcker"}
    s = RetrievalSet("toy", {"m": "Lehrer", "f": "Lehrerin"}, corpus, {"m": {"1": 1}, "f": {"1": 1}}, "de", "de")
    ranking = Ranking(["m", "f"], list(corpus), np.array([[1, 0, 2, 3, 4], [0, 1, 2, 3, 4]]),
                      np.tile(np.linspace(0.9, 0.1, 5), (2, 1)))
    per_query = pd.DataFrame({"map@100": [0.5, 1.0]}, index=pd.Index(["m", "f"], name="q_id"))
    pairs = find_gender_pairs(s.queries, "de")
    assert pairs == [GenderPair("de", "m", "Lehrer", "f", "Lehrerin")]
    table = compare_gender_pairs(s, ranking, pairs, per_query, p=0.5, depth=3, k=2)
    row = table.iloc[0]
    assert row["rbo"] == pytest.approx(rbo(["2", "1", "3"], ["1", "2", "3"], p=0.5))
    assert row["overlap@2"] == 1.0
    assert row["map@100 difference"] == pytest.approx(0.5)
    assert row["rank of feminine title for masculine query"] == 2.0  # Lehrerin is second for Lehrer
    assert row["rank of masculine title for feminine query"] == 2.0
    summary = parity_summary({"de": pd.concat([table] * 3, ignore_index=True), "en": table.iloc[:0]},
                             resamples=500)
    assert summary.loc["de", "pairs"] == 3
    assert summary.loc["de", "rbo ci low"] <= summary.loc["de", "mean rbo"] <= summary.loc["de", "rbo ci high"]
    assert summary.loc["de", "difference (f − m)"] == pytest.approx(0.5)
    assert summary.loc["en", "pairs"] == 0 and np.isnan(summary.loc["en", "mean rbo"])
