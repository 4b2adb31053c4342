"""Error analysis: per-query tables, worst queries, calibration, ISCO groups, comparisons, the summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobmatch_utils.analysis import (
    compare_per_query,
    comparison_table,
    error_summary,
    error_table,
    full_rankings,
    language_overview,
    per_query_table,
    self_matches,
    worst_queries,
)
from jobmatch_utils.baseline import char_ngram_ranking, ranking_from_scores
from jobmatch_utils.calibration import ScoreSample, calibration_table, pair_scores, precision_threshold
from jobmatch_utils.data import SAMPLE_ROOT, RetrievalSet, load_validation_sets
from jobmatch_utils.errors import ParameterError
from jobmatch_utils.isco import esco_label_index, link_queries, link_title, linking_coverage, metric_by_group
from jobmatch_utils.metrics import per_query_metrics
from jobmatch_utils.retrieval import Ranking, rank_set
from jobmatch_utils.sample import load_sample_occupations
from jobmatch_utils.taxonomy import RULES, classify_relevant, failure_flags


class WordTokenizer:
    """One token per word; words outside the vocabulary become [UNK]."""

    unk_token = "[UNK]"

    def __init__(self, vocabulary: set[str]) -> None:
        self.vocabulary = vocabulary

    def tokenize(self, text: str) -> list[str]:
        return [w if w in self.vocabulary else self.unk_token for w in text.lower().split()]


def _toy() -> tuple[RetrievalSet, Ranking]:
    corpus = {"1": "nurse", "2": "registered nurse", "3": "RN", "4": "cook", "5": "chef", "6": "baker"}
    queries = {"a": "nurse", "b": "head cook", "c": "painter"}
    s = RetrievalSet("toy", queries, corpus, {"a": {"2": 1, "3": 1}, "b": {"4": 1, "5": 1}}, "en", "en")
    order = np.array([[0, 1, 3, 2, 4, 5], [3, 4, 0, 1, 2, 5], [5, 4, 3, 2, 1, 0]])
    scores = np.tile(np.array([0.99, 0.8, 0.6, 0.5, 0.4, 0.1]), (3, 1))
    return s, Ranking(["a", "b", "c"], list(corpus), order, scores)


def test_per_query_table_adds_ranks_sizes_tokens_and_own_text() -> None:
    s, ranking = _toy()
    table = per_query_table({"en": s}, {"en": ranking}, tokenizer=WordTokenizer({"nurse", "cook"}))
    assert table["q_id"].tolist() == ["a", "b"]                        # unjudged 'c' is dropped
    assert table["first_relevant_rank"].tolist() == [2, 1]
    assert table["n_relevant"].tolist() == [2, 2]
    assert table["n_tokens"].tolist() == [1, 2]
    assert table["own_text_not_relevant"].tolist() == [True, False]    # 'nurse' is in the corpus, not relevant
    expected = per_query_metrics(ranking, s.relevant)
    assert table.set_index("q_id")["map@100"].to_dict() == pytest.approx(expected["map@100"].to_dict())
    overview = language_overview(table)
    assert overview.loc["en", "first relevant at rank 1"] == 0.5


def test_worst_queries_show_top_k_and_missed_titles() -> None:
    s, ranking = _toy()
    table = per_query_table({"en": s}, {"en": ranking})
    worst = worst_queries(s, ranking, table, n=1, k=2)
    row = worst.iloc[0]
    assert row["q_id"] == "a"                                           # map@100 0.5 < 1.0
    assert row["top 2"] == "nurse (0.990) | registered nurse (0.800) ✓"
    assert row["missed relevant titles"] == "RN (rank 4)"
    assert worst_queries(s, ranking, table, n=5, k=6)["missed relevant titles"].tolist() == ["—", "—"]


def test_self_matches_counts_the_query_text_in_the_corpus() -> None:
    s, _ = _toy()
    own = self_matches({"en": s})
    assert own.loc["en"].to_dict() == {"judged queries": 2, "own text in corpus": 1, "judged relevant": 0,
                                       "not judged relevant": 1}


def _brute_force(scores: np.ndarray, labels: np.ndarray, target: float, n_positive: int) -> tuple[float, float]:
    """Try every distinct score as threshold: max recall with precision ≥ target, then the highest threshold."""
    best = (-1.0, -np.inf)
    for t in np.unique(scores):
        kept = scores >= t
        precision = labels[kept].sum() / kept.sum()
        recall = labels[kept].sum() / n_positive
        if precision >= target and (recall, t) > best:
            best = (recall, t)
    return best[1], best[0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("target", [0.5, 0.7, 0.9])
def test_precision_threshold_equals_brute_force(seed: int, target: float) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.random(400) < 0.3
    scores = np.round(np.where(labels, rng.normal(0.6, 0.15, 400), rng.normal(0.4, 0.15, 400)), 2)  # with ties
    n_positive = int(labels.sum()) + 7                                  # some relevant pairs were never scored
    choice = precision_threshold(scores, labels, target=target, n_positive=n_positive)
    threshold, recall = _brute_force(scores, labels, target, n_positive)
    if np.isfinite(threshold):
        assert choice.found
        assert choice.threshold == pytest.approx(threshold) and choice.recall == pytest.approx(recall)
        assert choice.precision >= target
    else:
        assert not choice.found


def test_precision_threshold_when_the_target_is_out_of_reach() -> None:
    choice = precision_threshold(np.array([0.9, 0.8]), np.array([False, True]), target=0.9)
    assert not choice.found and np.isnan(choice.threshold)


def test_calibration_table_and_identical_pairs() -> None:
    s, ranking = _toy()
    samples = pair_scores({"en": s}, {"en": ranking})
    assert samples["en"].n_relevant_total == 4 and samples["en"].relevant.sum() == 4
    table = calibration_table(samples, target=0.9)
    assert table.loc["en", "relevant pairs"] == 4 and table.loc["en", "other pairs"] == 8
    assert np.isnan(table.loc["en", "threshold for 90% precision"])     # 'nurse' ↔ 'nurse' (0.99) is not relevant
    masked = pair_scores({"en": s}, {"en": ranking}, drop_identical=True)["en"]
    assert np.isneginf(masked.scores[0, 0]) and not masked.relevant[0, 0]
    table = calibration_table({"en": masked}, target=0.9)
    assert table.loc["en", "threshold for 90% precision"] == pytest.approx(0.8)
    assert table.loc["en", "titles kept per query"] == pytest.approx(1.5)           # a keeps 1, b keeps 2
    assert table.loc["en", "recall"] == pytest.approx(0.75)
    perfect = ScoreSample(np.array([[0.9, 0.1]]), np.array([[True, False]]), 1)
    assert calibration_table({"x": perfect}).loc["x", "roc auc"] == 1.0


def test_isco_groups_on_the_sample() -> None:
    """Every sample title is an ESCO label of its occupation, so en/de/es queries link to their own ISCO group."""
    sets = load_validation_sets(SAMPLE_ROOT / "TaskA", ["en", "de", "es", "zh"])
    links = link_queries(sets, SAMPLE_ROOT / "esco")
    group_of = {(code, t): o.isco_group for o in load_sample_occupations() for code, titles in o.titles.items()
                for t in titles}
    for row in links.itertuples():
        if row.language == "zh":
            assert row.link == "no ESCO labels" and row.major_group == ""
        else:
            assert row.link == "query label"
            assert row.isco_group == group_of[(row.language, row.query)]
            assert row.major_group == row.isco_group[0]
    coverage = linking_coverage(links)
    assert coverage.loc["de", "coverage"] == 1.0 and coverage.loc["zh", "coverage"] == 0.0
    errors = pd.DataFrame({"language": links["language"], "q_id": links["q_id"], "map@100": 0.5})
    groups = metric_by_group(errors, links)
    assert groups.groupby("language")["queries"].sum().to_dict() == {c: len(sets[c].relevant) for c in ("de", "en", "es")}
    assert set(groups["group"]) >= {"Professionals", "Managers"}
    assert "lehrerin" in esco_label_index(SAMPLE_ROOT / "esco", "de")                    # feminine readings of ESCO labels


def test_link_title_ambiguity() -> None:
    index = {"agent": {"3334", "4222"}, "nurse": {"2221", "2222"}}
    assert link_title("Agent", index) == ("", "ambiguous")
    assert link_title("nurse", index) == ("", "2")                      # same major group, two unit groups


def test_full_rankings_do_not_change_the_metrics(tiny_model) -> None:
    sets = load_validation_sets(SAMPLE_ROOT / "TaskA", ["en"])
    full = full_rankings(tiny_model, sets)["en"]
    assert full.depth == len(sets["en"].corpus)
    shallow = rank_set(tiny_model, sets["en"], top_k=50)
    pd.testing.assert_series_equal(per_query_metrics(full, sets["en"].relevant)["map@20"],
                                   per_query_metrics(shallow, sets["en"].relevant)["map@20"])


def test_compare_two_rankings_of_the_same_queries() -> None:
    s, ranking = _toy()
    better = Ranking(ranking.query_ids, ranking.corpus_ids, np.array([[1, 2, 0, 3, 4, 5], [3, 4, 0, 1, 2, 5],
                                                                     [5, 4, 3, 2, 1, 0]]), ranking.scores)
    a = per_query_table({"en": s}, {"en": ranking})
    b = per_query_table({"en": s}, {"en": better})
    result = compare_per_query(a, b, label_a="old", label_b="new", resamples=500)["en"]
    assert result.per_query.set_index("q_id")["difference"].to_dict() == pytest.approx({"a": 0.5, "b": 0.0})
    assert result.improved(5)["q_id"].tolist() == ["a"] and result.regressed(5).empty
    assert result.test.n == 2 and result.test.improved == 1 and result.test.difference == pytest.approx(0.25)
    table = comparison_table({"en": result})
    assert table.loc["en", "new"] == pytest.approx(1.0) and table.loc["en", "old"] == pytest.approx(0.75)
    with pytest.raises(ParameterError, match="different queries"):
        compare_per_query(a, b.iloc[:1])


def test_error_table_and_summary_agree() -> None:
    s, ranking = _toy()
    per_query = per_query_table({"en": s}, {"en": ranking})
    flags = {"en": failure_flags(classify_relevant(s, ranking), list(per_query["q_id"]))}
    errors = error_table(per_query, flags)
    assert errors.loc[errors["q_id"] == "a", "no_lexical_overlap"].item()  # 'RN' shares no word with 'nurse'
    assert errors.loc[errors["q_id"] == "a", "abbreviation"].item()
    assert errors["n_missed"].tolist() == [1, 0]
    summary = error_summary(errors, None, model_label="toy model (not JobBGE)")
    entry = summary["languages"]["en"]
    assert entry["queries"] == 2 and entry["map@100"] == pytest.approx(0.75)
    assert [f["rule"] for f in entry["top_failures"]] == ["no_lexical_overlap", "abbreviation"]
    assert entry["top_failures"][0]["share"] == 0.5 and entry["top_failures"][0]["map@100"] == 0.5
    assert summary["rules"] == list(RULES)


def test_lexical_baseline_and_tie_break() -> None:
    ranking = ranking_from_scores(np.array([[0.5, 0.5, 0.9, 0.5]]), query_ids=["q"], corpus_ids=["10", "2", "c", "1"])
    assert ranking.doc_ids(0) == ["c", "1", "10", "2"]                  # ties: ascending id as strings
    s, _ = _toy()
    baseline = char_ngram_ranking(s, top_k=3)
    assert baseline.doc_ids(0)[0] == "1"                                # 'nurse' matches its own spelling first
    assert baseline.query_ids[:2] == ["a", "b"] and baseline.depth == 3
