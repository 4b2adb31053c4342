"""Time the kit's metric engine against sentence-transformers' compute_metrics and ranx, in one run.

Usage: .venv/bin/python benchmarks/bench_metrics.py [--data-dir TALENTCLEF_TASKA_ROOT] [--queries 2000]

Cases: the four TalentCLEF validation sets (stand-in rankings; when --data-dir or
JOBMATCH_TALENTCLEF is given) and a synthetic case of 2,000 queries × 30,000 documents with
about 30 relevant documents per query. Every engine gets the same rankings; values are
checked to agree before any time is reported. Prints seconds per engine and the ratios.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np

from jobmatch_utils.metrics import CARD_KS, CARD_MAP_KS, TREC_METRICS, evaluate_ranking
from jobmatch_utils.retrieval import Ranking


def timed(function: Callable[[], dict], repeats: int = 3) -> tuple[float, dict]:
    best, result = float("inf"), {}
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def synthetic(n_queries: int, n_docs: int, depth: int, mean_relevant: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = [f"d{i}" for i in range(n_docs)]
    indices = np.argsort(-rng.random((n_queries, n_docs)), axis=1)[:, :depth]
    ranking = Ranking([f"q{i}" for i in range(n_queries)], ids, indices,
                      -np.sort(-rng.random((n_queries, depth)), axis=1))
    relevant = {}
    for row, q in enumerate(ranking.query_ids):
        size = max(1, int(rng.poisson(mean_relevant)))
        # half of them ranked somewhere in the top 200, the rest anywhere
        top = set(rng.choice(indices[row, :200], size=size // 2, replace=False).tolist())
        rest = set(rng.choice(n_docs, size=size - len(top), replace=False).tolist())
        relevant[q] = {ids[i] for i in top | rest}
    return ranking, relevant


def sentence_transformers_engine(ranking: Ranking, relevant: dict) -> Callable[[], dict]:
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    evaluator = InformationRetrievalEvaluator({q: q for q in ranking.query_ids}, {c: c for c in ranking.corpus_ids[:1]},
                                              relevant, accuracy_at_k=list(CARD_KS), precision_recall_at_k=list(CARD_KS),
                                              mrr_at_k=list(CARD_KS), ndcg_at_k=list(CARD_KS), map_at_k=list(CARD_MAP_KS),
                                              write_csv=False)
    results = [[{"corpus_id": ranking.corpus_ids[i], "score": float(s)} for i, s in zip(ranking.indices[r], ranking.scores[r])]
               for r in range(len(ranking.query_ids))]

    def run() -> dict:
        scores = evaluator.compute_metrics(results)
        return {f"{name.split('@')[0]}@{k}": v for name, by_k in scores.items() for k, v in by_k.items()}

    return run


def ranx_engine(ranking: Ranking, relevant: dict) -> Callable[[], dict]:
    from ranx import Qrels, Run, evaluate

    qrels = Qrels({q: {d: 1 for d in docs} for q, docs in relevant.items()})
    run = Run({q: {ranking.corpus_ids[i]: float(ranking.depth - r) for r, i in enumerate(ranking.indices[row])}
               for row, q in enumerate(ranking.query_ids)})
    names = ["map", "mrr", "ndcg", "precision@5", "precision@10", "precision@100", "map@100", "ndcg@200", "recall@200"]
    return lambda: evaluate(qrels, run, names, make_comparable=True)


def compare(label: str, ranking: Ranking, relevant: dict) -> None:
    st_time, st = timed(sentence_transformers_engine(ranking, relevant), repeats=1)
    kit_time, kit = timed(lambda: evaluate_ranking(ranking, relevant))
    worst = max(abs(kit[k] - st[k]) for k in st)
    if worst > 1e-9:
        raise SystemExit(f"{label}: the kit and sentence-transformers disagree by {worst:.2e}")
    ranx_run = ranx_engine(ranking, relevant)
    ranx_run()  # numba compiles on first use; not timed
    ranx_time, rx = timed(ranx_run)
    kit_trec_time, kit_trec = timed(lambda: evaluate_ranking(ranking, relevant, protocol="trec", ks=[100, 200], map_ks=[100]))
    for metric in (*TREC_METRICS, "map@100", "ndcg@200", "recall@200"):
        if abs(kit_trec[metric] - rx[metric]) > 1e-6:
            raise SystemExit(f"{label}: the kit and ranx disagree on {metric}")
    print(f"{label:<38} kit {kit_time:8.3f} s | sentence-transformers {st_time:8.3f} s | "
          f"ratio {st_time / kit_time:6.1f}× || kit (trec) {kit_trec_time:7.3f} s | ranx {ranx_time:7.3f} s | "
          f"ratio {ranx_time / kit_trec_time:5.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("JOBMATCH_TALENTCLEF", ""))
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--docs", type=int, default=30000)
    args = parser.parse_args()
    print("Same rankings for every engine; values checked equal (1e-9 vs sentence-transformers, 1e-6 vs ranx).")
    print("ratio = other engine's time / the kit's time (higher: the kit is faster). Best of 3 except sentence-transformers (1 run).")
    if args.data_dir:
        from jobmatch_utils.data import load_validation_set
        from jobmatch_utils.models import load_model
        from jobmatch_utils.retrieval import rank_set

        model, info = load_model("stand-in")
        print(f"validation rankings from: {info.label}")
        for code in ("en", "es", "de", "zh"):
            s = load_validation_set(args.data_dir, code)
            compare(f"{s.name} ({len(s.relevant)} q × {len(s.corpus)} docs)", rank_set(model, s), s.relevant)
    ranking, relevant = synthetic(args.queries, args.docs, depth=500, mean_relevant=30)
    compare(f"synthetic ({args.queries} q × {args.docs} docs, ~30 rel)", ranking, relevant)


if __name__ == "__main__":
    main()
