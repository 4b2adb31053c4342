"""Teaching the two metric protocols side by side (notebook 05).

Same ranking, two answers: the card's ``InformationRetrievalEvaluator`` divides the sum of
precisions at the hits within the top k by ``min(k, |R|)``; TalentCLEF's official script (ranx,
trec_eval) divides by ``|R|``. With more relevant titles than k — common here — the card's MAP
is the larger one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .data import RetrievalSet
from .evaluation import evaluate_run
from .metrics import TREC_METRICS, evaluate_ranking
from .retrieval import Ranking
from .trec import read_trec_run, write_trec_run

__all__ = ["toy_protocol_example", "protocol_comparison", "official_metrics"]


def toy_protocol_example(hits: tuple[int, ...] = (1, 0, 1, 0, 0), n_relevant: int = 8, k: int = 5
                         ) -> tuple[pd.DataFrame, dict[str, float]]:
    """A ranking worked by hand: the table of ranks and both MAP@k values, with their formulas.

    Example (notebook 05):
        >>> table, maps = toy_protocol_example()
        >>> round(maps["sentence-transformers map@5"], 4), round(maps["trec map@5"], 4)
        (0.3333, 0.2083)
    """
    rows, found, total = [], 0, 0.0
    for rank, hit in enumerate(hits[:k], start=1):
        found += hit
        contribution = found / rank if hit else 0.0
        total += contribution
        rows.append({"rank": rank, "relevant": bool(hit), "hits so far": found,
                     "precision at this rank": found / rank, "adds to the sum": contribution})
    table = pd.DataFrame(rows).set_index("rank")
    maps = {"sum of precisions at the hits": total, "|R|": float(n_relevant), "k": float(k),
            "sentence-transformers map@5": total / min(k, n_relevant), "trec map@5": total / n_relevant}
    return table, maps


def protocol_comparison(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], *,
                        ks: Sequence[int] = (20, 50, 100)) -> pd.DataFrame:
    """Per set and cut-off k: mean |R|, share of queries with |R| > k, the card's map@k, the official map@k, the gap.

    The two agree for every query with |R| ≤ k, so the gap grows with the share of queries
    that have more relevant titles than k.
    """
    rows = []
    for key, s in sets.items():
        relevant = s.relevant
        sizes = np.array([len(v) for v in relevant.values()])
        card = evaluate_ranking(rankings[key], relevant, ks=list(ks), map_ks=list(ks))
        trec = evaluate_ranking(rankings[key], relevant, ks=list(ks), map_ks=list(ks), protocol="trec")
        for k in ks:
            rows.append({"set": s.name, "k": k, "mean |R|": float(sizes.mean()),
                         "share of queries with |R| > k": float((sizes > k).mean()),
                         "card map@k (÷ min(k,|R|))": card[f"map@{k}"], "official map@k (÷ |R|)": trec[f"map@{k}"],
                         "card − official": card[f"map@{k}"] - trec[f"map@{k}"]})
    return pd.DataFrame(rows).set_index(["set", "k"])


def official_metrics(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], run_dir: str | Path, *,
                     top_k: int = 100, tag: str = "jobmatch") -> pd.DataFrame:
    """Write each ranking as a TalentCLEF submission (top ``top_k``), read it back, score it officially.

    Returns one row per set with ``map, mrr, ndcg, precision@5/10/100`` and what was noticed
    (ties, queries missing from the run).
    """
    rows = []
    for key, s in sets.items():
        ranking = rankings[key]
        cut = Ranking(ranking.query_ids, ranking.corpus_ids, ranking.indices[:, :top_k], ranking.scores[:, :top_k])
        path = write_trec_run(cut, Path(run_dir) / f"{s.name}.run", tag=tag, submission=True)
        result = evaluate_run(s.qrels, read_trec_run(path), protocol="trec")
        rows.append({"set": s.name, **{m: result.scores[m] for m in TREC_METRICS},
                     "run file": path.name, "notes": "; ".join(result.report_lines())})
    return pd.DataFrame(rows).set_index("set")
