"""The card's metrics against sentence-transformers' own evaluator and hand-worked values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

from jobmatch_utils.data import SAMPLE_ROOT, load_validation_set
from jobmatch_utils.metrics import CARD_KS, CARD_MAP_KS, card_metric_keys, evaluate_ranking, per_query_metrics
from jobmatch_utils.retrieval import EVALUATOR_BATCH_SIZE, Ranking, rank_set


def evaluator_for(queries, corpus, relevant, ks=CARD_KS, map_ks=CARD_MAP_KS) -> InformationRetrievalEvaluator:
    return InformationRetrievalEvaluator(queries, corpus, relevant, accuracy_at_k=list(ks),
                                         precision_recall_at_k=list(ks), mrr_at_k=list(ks), ndcg_at_k=list(ks),
                                         map_at_k=list(map_ks), batch_size=EVALUATOR_BATCH_SIZE, write_csv=False)


def evaluator_on_ranking(ranking: Ranking, relevant, ks=CARD_KS, map_ks=CARD_MAP_KS) -> dict[str, float]:
    queries = {q: q for q in ranking.query_ids}
    corpus = {c: c for c in ranking.corpus_ids}
    ev = evaluator_for(queries, corpus, relevant, ks, map_ks)
    results = [[{"corpus_id": ranking.corpus_ids[i], "score": float(s)}
                for i, s in zip(ranking.indices[row], ranking.scores[row])]
               for row, q in enumerate(ranking.query_ids) if q in ev.queries_ids]
    scores = ev.compute_metrics(results)
    return {f"{name.split('@')[0]}@{k}": v for name, by_k in scores.items() for k, v in by_k.items()}


def random_case(seed: int, n_queries: int = 40, n_docs: int = 300, depth: int = 250):
    rng = np.random.default_rng(seed)
    ids = [f"d{i}" for i in range(n_docs)]
    indices = np.array([rng.permutation(n_docs)[:depth] for _ in range(n_queries)])
    scores = -np.sort(-rng.random((n_queries, depth)), axis=1)
    ranking = Ranking([f"q{i}" for i in range(n_queries)], ids, indices, scores)
    # |R| from 1 to 260: both |R| < k and |R| > k for every k of the card
    relevant = {f"q{i}": set(rng.choice(ids, size=int(rng.integers(1, 260)), replace=False)) for i in range(n_queries)}
    relevant["q0"] = set()  # a query with no relevant document: dropped by the protocol
    return ranking, relevant


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_information_retrieval_evaluator_on_the_same_rankings(seed: int) -> None:
    ranking, relevant = random_case(seed)
    ours = evaluate_ranking(ranking, relevant)
    theirs = evaluator_on_ranking(ranking, relevant)
    assert set(ours) == set(theirs) == set(card_metric_keys())
    for key in ours:
        assert ours[key] == pytest.approx(theirs[key], abs=1e-9), key


def test_hand_worked_example() -> None:
    # ranking a, b, c, d; relevant {b, d, e}: hits at ranks 2 and 4, |R| = 3
    ranking = Ranking(["q"], list("abcde"), np.array([[0, 1, 2, 3]]), np.array([[0.9, 0.8, 0.7, 0.6]]))
    m = evaluate_ranking(ranking, {"q": {"b", "d", "e"}}, ks=[1, 4], map_ks=[2, 4])
    assert m["accuracy@1"] == 0 and m["accuracy@4"] == 1
    assert m["precision@4"] == 0.5 and m["recall@4"] == pytest.approx(2 / 3)
    assert m["mrr@4"] == 0.5 and m["mrr@1"] == 0
    assert m["map@2"] == pytest.approx((1 / 2) / 2)                   # divided by min(k=2, |R|=3)
    assert m["map@4"] == pytest.approx((1 / 2 + 2 / 4) / 3)           # divided by min(k=4, |R|=3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["ndcg@4"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)


def test_per_query_table_has_one_row_per_judged_query() -> None:
    ranking, relevant = random_case(5)
    table = per_query_metrics(ranking, relevant)
    assert list(table.index) == [q for q in ranking.query_ids if relevant[q]]
    assert list(table.columns) == card_metric_keys()
    assert ((table >= 0) & (table <= 1)).all().all()


def test_end_to_end_equals_the_evaluator_on_the_sample(tiny_model) -> None:
    s = load_validation_set(SAMPLE_ROOT / "TaskA", "es")
    ours = evaluate_ranking(rank_set(tiny_model, s), s.relevant)
    theirs = evaluator_for(s.queries, s.corpus, s.relevant)(tiny_model)
    for key, value in ours.items():
        assert value == pytest.approx(theirs[f"cosine_{key}"], abs=1e-9), key


@pytest.mark.realdata
@pytest.mark.slow
def test_end_to_end_equals_the_evaluator_on_real_data(talentclef_root: Path, stand_in) -> None:
    model, _ = stand_in
    for code in ("en", "es", "de", "zh"):
        s = load_validation_set(talentclef_root, code)
        ours = evaluate_ranking(rank_set(model, s), s.relevant)
        theirs = evaluator_for(s.queries, s.corpus, s.relevant)(model)
        for key, value in ours.items():
            assert value == pytest.approx(theirs[f"cosine_{key}"], abs=1e-9), (code, key)


# --- the trec protocol against ranx and pytrec_eval -------------------------------------------

def strict_run(ranking: Ranking) -> dict[str, dict[str, float]]:
    """The same ranking with strictly decreasing scores, so no library has a tie to break."""
    return {q: {ranking.corpus_ids[i]: float(ranking.depth - r) for r, i in enumerate(ranking.indices[row])}
            for row, q in enumerate(ranking.query_ids)}


def ranx_scores(qrels: dict, run: dict, metrics: list[str]) -> dict[str, float]:
    from ranx import Qrels, Run, evaluate

    return evaluate(Qrels({q: {d: int(r) for d, r in docs.items()} for q, docs in qrels.items()}),
                    Run(run), metrics, make_comparable=True)


def pytrec_scores(qrels: dict, run: dict) -> dict[str, float]:
    import pytrec_eval

    measures = {"map", "recip_rank", "ndcg", "P_5", "P_10", "P_100"}
    per_query = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    names = {"map": "map", "recip_rank": "mrr", "ndcg": "ndcg", "P_5": "precision@5", "P_10": "precision@10",
             "P_100": "precision@100"}
    # trec_eval -c: judged queries missing from the run count as 0
    return {ours: sum(per_query.get(q, {}).get(theirs, 0.0) for q in qrels) / len(qrels)
            for theirs, ours in names.items()}


@pytest.mark.parametrize("seed", [0, 1])
def test_trec_protocol_equals_ranx_and_pytrec_eval(seed: int) -> None:
    from jobmatch_utils.evaluation import evaluate_run
    from jobmatch_utils.metrics import TREC_METRICS

    ranking, relevant = random_case(seed)
    qrels = {q: {d: 1 for d in docs} | {"d0": 0} for q, docs in relevant.items() if docs}  # a relevance-0 row
    qrels["only-zero"] = {"d1": 0}                                                         # judged, nothing relevant
    qrels["missing"] = {"d2": 1}                                                           # judged, not in the run
    run = strict_run(ranking)
    run["unjudged"] = {"d3": 1.0}
    ours = evaluate_run(qrels, run, protocol="trec")
    theirs = ranx_scores(qrels, {q: v for q, v in run.items() if q != "unjudged"}, list(TREC_METRICS))
    for metric in TREC_METRICS:
        assert ours.scores[metric] == pytest.approx(theirs[metric], abs=1e-6), metric
    trec = pytrec_scores(qrels, run)
    for metric in TREC_METRICS:
        assert ours.scores[metric] == pytest.approx(trec[metric], abs=1e-6), metric
    assert ours.missing_from_run == ["only-zero", "missing"] and ours.ignored_run_queries == ["q0", "unjudged"]
    assert ours.per_query.loc["missing"].eq(0).all() and ours.per_query.loc["only-zero"].eq(0).all()


def test_trec_map_divides_by_r_where_the_card_divides_by_min_k_r() -> None:
    from jobmatch_utils.evaluation import evaluate_run

    # 3 relevant, hits at ranks 1 and 2 of a 2-long run
    run = {"q": {"a": 2.0, "b": 1.0}}
    qrels = {"q": {"a": 1, "b": 1, "c": 1}}
    trec = evaluate_run(qrels, run, protocol="trec", map_ks=[2])
    card = evaluate_run(qrels, run, protocol="sentence-transformers", map_ks=[2])
    assert trec.scores["map"] == pytest.approx(2 / 3) and trec.scores["map@2"] == pytest.approx(2 / 3)
    assert card.scores["map@2"] == pytest.approx(1.0)


def test_constructed_ties_break_by_ascending_document_id() -> None:
    from jobmatch_utils.evaluation import evaluate_run

    run = {"q": {"b": 0.5, "a": 0.5, "c": 0.5}}
    assert evaluate_run({"q": {"a": 1}}, run, protocol="trec").scores["mrr"] == 1.0
    assert evaluate_run({"q": {"c": 1}}, run, protocol="trec").scores["mrr"] == pytest.approx(1 / 3)


def test_float32_near_ties_split_ranx_and_trec_eval_and_are_counted() -> None:
    """Scores 1e-9 apart: ranx and the kit keep their order, trec_eval sees a tie (single precision)."""
    from jobmatch_utils.evaluation import evaluate_run

    run = {"q": {"a": 0.5 + 1e-9, "b": 0.5, "c": 0.1}}
    qrels = {"q": {"b": 1}}
    ours = evaluate_run(qrels, run, protocol="trec")
    assert ours.scores["mrr"] == pytest.approx(ranx_scores(qrels, run, ["mrr"])) == 0.5
    assert pytrec_scores(qrels, run)["mrr"] == 1.0  # trec_eval: tie, broken by document id ("b" > "a")
    assert ours.ties == {"exact": 0, "float32": 1, "queries_affected": 1}
    assert any("single precision" in line for line in ours.report_lines())


@pytest.mark.realdata
@pytest.mark.slow
def test_trec_protocol_on_real_runs_equals_ranx(talentclef_root: Path, stand_in) -> None:
    from jobmatch_utils.evaluation import evaluate_run
    from jobmatch_utils.metrics import TREC_METRICS

    model, _ = stand_in
    for code in ("es", "zh"):
        s = load_validation_set(talentclef_root, code)
        ranking = rank_set(model, s, top_k=100)
        run = strict_run(ranking)
        ours = evaluate_run(s.qrels, run, protocol="trec")
        theirs = ranx_scores(s.qrels, run, list(TREC_METRICS))
        for metric in TREC_METRICS:
            assert ours.scores[metric] == pytest.approx(theirs[metric], abs=1e-6), (code, metric)
