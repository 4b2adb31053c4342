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
