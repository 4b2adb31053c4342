"""Teaching the two metric protocols side by side (notebook 05).

Same ranking, two answers: the card's ``InformationRetrievalEvaluator`` divides the sum of
precisions at the hits within the top k by ``min(k, |R|)``; TalentCLEF's official script (ranx,
trec_eval) divides by ``|R|``. With more relevant titles than k — common here — the card's MAP
is the larger one.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def protocol_comparison(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], *, k: int = 100) -> pd.DataFrame:
    """Per set: mean |R|, the card's map@k, the official map@k and map over the whole ranking, and the gap."""
    rows = []
    for key, s in sets.items():
        relevant = s.relevant
        card = evaluate_ranking(rankings[key], relevant, ks=[k], map_ks=[k])[f"map@{k}"]
        trec = evaluate_ranking(rankings[key], relevant, ks=[k], map_ks=[k], protocol="trec")
        rows.append({"set": s.name, "mean |R|": float(np.mean([len(v) for v in relevant.values()])),
                     f"share of queries with |R| > {k}": float(np.mean([len(v) > k for v in relevant.values()])),
                     f"card map@{k} (÷ min(k,|R|))": card, f"official map@{k} (÷ |R|)": trec[f"map@{k}"],
                     f"official map (whole run of {rankings[key].depth})": trec["map"],
                     "card − official": card - trec[f"map@{k}"]})
    return pd.DataFrame(rows).set_index("set")


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
