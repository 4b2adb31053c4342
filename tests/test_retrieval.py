from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jobmatch_utils.cache import EmbeddingCache, model_fingerprint
from jobmatch_utils.data import SAMPLE_ROOT, load_validation_set
from jobmatch_utils.retrieval import encode, encode_like_evaluator, nearest_neighbours, rank_set, search


def brute_force(q: np.ndarray, c: np.ndarray, ids: list[str], k: int) -> list[list[str]]:
    scores = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (c / np.linalg.norm(c, axis=1, keepdims=True)).T
    return [[ids[j] for j in sorted(range(len(ids)), key=lambda j: (-scores[r, j], ids[j]))[:k]]
            for r in range(len(q))]


def test_search_equals_brute_force_with_many_ties() -> None:
    rng = np.random.default_rng(3)
    corpus = rng.integers(0, 3, size=(60, 4)).astype(np.float32) + 0.1  # many identical rows: exact ties
    queries = rng.integers(0, 3, size=(9, 4)).astype(np.float32) + 0.1
    ids = [str(i) for i in rng.permutation(200)[:60]]
    ranking = search(queries, corpus, query_ids=[str(i) for i in range(9)], corpus_ids=ids, top_k=17)
    expected = brute_force(queries, corpus, ids, 17)
    assert [ranking.doc_ids(r) for r in range(9)] == expected
    assert (np.diff(ranking.scores, axis=1) <= 1e-7).all()


def test_ties_break_by_ascending_id_as_text() -> None:
    vectors = np.ones((3, 2), dtype=np.float32)
    ranking = search(vectors[:1], vectors, query_ids=["q"], corpus_ids=["9", "10", "007"], top_k=3)
    assert ranking.doc_ids(0) == ["007", "10", "9"]


def test_top_k_larger_than_corpus() -> None:
    vectors = np.eye(3, dtype=np.float32)
    assert search(vectors, vectors, query_ids=list("abc"), corpus_ids=list("xyz"), top_k=10).depth == 3


def test_encode_uses_cache_and_repeats_share_rows(tiny_model, tmp_path: Path) -> None:
    cache = EmbeddingCache(model_fingerprint(tiny_model), root=tmp_path)
    first = encode(tiny_model, ["Lehrer", "Lehrerin", "Lehrer"], cache=cache)
    assert len(cache) == 2 and np.array_equal(first[0], first[2])
    fresh = EmbeddingCache(model_fingerprint(tiny_model), root=tmp_path)  # re-read from disk
    again = encode(tiny_model, ["Lehrerin", "Lehrer"], cache=fresh)
    np.testing.assert_array_equal(again, first[[1, 0]])
    np.testing.assert_allclose(first, encode(tiny_model, ["Lehrer", "Lehrerin", "Lehrer"], cache=False), atol=1e-6)


def test_corrupt_cache_shard_is_detected_and_rebuilt(tiny_model, tmp_path: Path) -> None:
    cache = EmbeddingCache(model_fingerprint(tiny_model), root=tmp_path)
    expected = encode(tiny_model, ["cook", "chef"], cache=cache)
    (shard,) = cache.folder.glob("*.npz")
    shard.write_bytes(shard.read_bytes()[:40])  # truncated
    reopened = EmbeddingCache(model_fingerprint(tiny_model), root=tmp_path)
    with pytest.warns(UserWarning, match="unreadable embedding-cache shard"):
        rebuilt = encode(tiny_model, ["cook", "chef"], cache=reopened)
    np.testing.assert_allclose(rebuilt, expected, atol=1e-6)
    assert reopened.rebuilt_shards == [shard.name]


def test_fingerprint_changes_with_the_weights(tiny_model_copy: Path) -> None:
    from jobmatch_utils.models import load_model

    model, _ = load_model(str(tiny_model_copy))
    before = model_fingerprint(model)
    with __import__("torch").no_grad():
        next(model.parameters()).add_(0.01)
    assert model_fingerprint(model) != before


def test_evaluator_encoding_is_the_evaluators_call(tiny_model) -> None:
    texts = ["Koch", "Köchin", "Küchenhilfe", "Koch"]
    expected = tiny_model.encode(texts, batch_size=128, convert_to_tensor=True).numpy()
    np.testing.assert_array_equal(encode_like_evaluator(tiny_model, texts, cache=False), expected)


def test_rank_set_puts_judged_queries_first_and_covers_all(tiny_model) -> None:
    s = load_validation_set(SAMPLE_ROOT / "TaskA", "en")
    ranking = rank_set(tiny_model, s, top_k=5)
    assert sorted(ranking.query_ids) == sorted(s.queries) and ranking.depth == 5


def test_nearest_neighbours_table(tiny_model) -> None:
    table = nearest_neighbours(tiny_model, load_validation_set(SAMPLE_ROOT / "TaskA", "de"), n_queries=2, k=3)
    assert list(table.columns) == ["query", "rank", "title", "score", "relevant"] and len(table) == 6
    assert table.groupby("query")["score"].apply(lambda s: s.is_monotonic_decreasing).all()


def test_rank_set_stores_into_an_empty_cache(tiny_model, tmp_path: Path) -> None:
    cache = EmbeddingCache(model_fingerprint(tiny_model), root=tmp_path)
    assert len(cache) == 0 and cache  # empty, yet a cache
    s = load_validation_set(SAMPLE_ROOT / "TaskA", "en")
    rank_set(tiny_model, s, top_k=3, cache=cache, encoding="distinct")
    assert len(cache) == len(set(s.queries.values()) | set(s.corpus.values()))
