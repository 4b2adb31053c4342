"""A lexical baseline to compare a model against: character n-gram TF-IDF with cosine similarity.

It knows spelling and nothing else: it matches ``Lehrer`` with ``Lehrerin`` and ``护士`` with
``护士长``, but never ``nurse`` with ``RN``. Comparing a model with it per query (notebook 03)
shows where the embeddings add meaning beyond shared letters. The rankings it returns have
the kit's :class:`~jobmatch_utils.retrieval.Ranking` form, with ties broken by ascending corpus id.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .data import RetrievalSet
from .retrieval import DEFAULT_TOP_K, Ranking
from .titletext import fold_title

__all__ = ["ranking_from_scores", "char_ngram_ranking"]


def ranking_from_scores(scores: np.ndarray, *, query_ids: Sequence[str], corpus_ids: Sequence[str],
                        top_k: int = DEFAULT_TOP_K) -> Ranking:
    """Turn a ``(queries, corpus)`` score matrix into a :class:`Ranking` (ties: ascending corpus id).

    Example:
        >>> ranking_from_scores(np.array([[0.5, 0.5, 0.9]]), query_ids=["q"], corpus_ids=["b", "a", "c"],
        ...                     top_k=3).doc_ids(0)
        ['c', 'a', 'b']
    """
    corpus_ids = [str(c) for c in corpus_ids]
    matrix = np.asarray(scores, dtype=np.float32)
    k = min(int(top_k), len(corpus_ids))
    id_rank = np.empty(len(corpus_ids), dtype=np.int64)
    id_rank[sorted(range(len(corpus_ids)), key=corpus_ids.__getitem__)] = np.arange(len(corpus_ids))
    order = np.lexsort((np.broadcast_to(id_rank, matrix.shape), -matrix), axis=1)[:, :k]
    return Ranking([str(q) for q in query_ids], corpus_ids, order, np.take_along_axis(matrix, order, axis=1))


def char_ngram_ranking(retrieval_set: RetrievalSet, *, top_k: int = DEFAULT_TOP_K,
                       ngram_range: tuple[int, int] = (1, 3)) -> Ranking:
    """Rank a set's corpus for every query by TF-IDF cosine over character n-grams within words.

    The vocabulary and IDF are fitted on the set's corpus and queries (NFC, lower-cased,
    ``analyzer="char_wb"``, sub-linear term frequency).

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_set
        >>> s = load_validation_set(None, "de")
        >>> char_ngram_ranking(s, top_k=3).depth
        3
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    relevant = retrieval_set.relevant
    query_ids = [q for q in retrieval_set.queries if q in relevant] + \
                [q for q in retrieval_set.queries if q not in relevant]
    corpus_ids = list(retrieval_set.corpus)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, preprocessor=fold_title,
                                 sublinear_tf=True)
    vectorizer.fit([*retrieval_set.corpus.values(), *retrieval_set.queries.values()])
    queries = vectorizer.transform([retrieval_set.queries[q] for q in query_ids])
    corpus = vectorizer.transform([retrieval_set.corpus[c] for c in corpus_ids])
    scores = (queries @ corpus.T).toarray()
    return ranking_from_scores(scores, query_ids=query_ids, corpus_ids=corpus_ids, top_k=top_k)
