"""Evaluating a model on retrieval sets: the card-format table (rows = metrics, columns = sets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .data import RetrievalSet
from .metrics import (
    CARD_KS,
    CARD_MAP_KS,
    TREC_METRICS,
    Protocol,
    card_metric_keys,
    count_near_ties,
    evaluate_ranking,
    per_query_metrics,
)
from .retrieval import DEFAULT_TOP_K, Encoding, Ranking, rank_set
from .trec import Run, ranking_from_run

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["card_table", "rank_sets", "summary_table", "RunEvaluation", "evaluate_run"]


def rank_sets(model: SentenceTransformer, sets: Mapping[str, RetrievalSet], *, top_k: int = DEFAULT_TOP_K,
              encoding: Encoding = "evaluator") -> dict[str, Ranking]:
    """Rank every set (keyed as given)."""
    return {key: rank_set(model, s, top_k=top_k, encoding=encoding) for key, s in sets.items()}


def card_table(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], *,
               ks: Sequence[int] = CARD_KS, map_ks: Sequence[int] = CARD_MAP_KS) -> pd.DataFrame:
    """The card's table: one row per metric (``accuracy@1`` … ``map@500``), one column per set name.

    Example (notebook 05):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> from jobmatch_utils.models import load_model
        >>> model, _ = load_model("tiny")
        >>> sets = load_validation_sets(None, ["en"])
        >>> card_table(sets, rank_sets(model, sets)).shape
        (37, 1)
    """
    columns = {}
    for key, s in sets.items():
        columns[s.name] = evaluate_ranking(rankings[key], s.relevant, ks=ks, map_ks=map_ks)
    table = pd.DataFrame(columns).reindex(card_metric_keys(ks, map_ks))
    table.index.name = "metric"
    return table


def summary_table(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking]) -> pd.DataFrame:
    """Per-language summary for notebook 01: queries, corpus size, accuracy@1 (with the count), MAP@100."""
    rows = []
    for key, s in sets.items():
        scores = evaluate_ranking(rankings[key], s.relevant, ks=[1], map_ks=[100])
        judged = len(s.relevant)
        rows.append({"language": key, "set": s.name, "queries": len(s.queries), "judged queries": judged,
                     "corpus titles": len(s.corpus), "accuracy@1": scores["accuracy@1"],
                     "correct at rank 1": round(scores["accuracy@1"] * judged), "map@100": scores["map@100"]})
    return pd.DataFrame(rows).set_index("language")


@dataclass
class RunEvaluation:
    """Metrics of a run file against qrels, with what was counted on the way."""

    protocol: Protocol
    scores: dict[str, float]
    per_query: pd.DataFrame
    judged_queries: int
    missing_from_run: list[str] = field(default_factory=list)
    ignored_run_queries: list[str] = field(default_factory=list)
    dropped_without_relevant: list[str] = field(default_factory=list)
    ties: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def report_lines(self) -> list[str]:
        """Human-readable notes about what the numbers include and exclude."""
        lines = list(self.notes)
        if self.missing_from_run:
            lines.append(f"{len(self.missing_from_run)} judged query(ies) have no line in the run: "
                         + ("scored 0 and kept in the mean" if self.protocol == "trec" else "scored 0"))
        if self.ignored_run_queries:
            lines.append(f"{len(self.ignored_run_queries)} run query(ies) have no judgment: ignored")
        if self.dropped_without_relevant:
            lines.append(f"{len(self.dropped_without_relevant)} judged query(ies) have no relevant document: "
                         + ("dropped, as the card's protocol does" if self.protocol == "sentence-transformers"
                            else "scored 0"))
        if self.ties.get("exact"):
            lines.append(f"{self.ties['exact']} exactly tied neighbouring score(s) in "
                         f"{self.ties['queries_affected']} query(ies): broken by ascending document id")
        if self.ties.get("float32"):
            lines.append(f"{self.ties['float32']} near-tie(s) that single precision cannot tell apart: "
                         "trec_eval/pytrec_eval may rank them differently from ranx and the kit")
        return lines


def evaluate_run(qrels: Mapping[str, Mapping[str, int]], run: Run | Mapping[str, Mapping[str, float]], *,
                 protocol: Protocol = "sentence-transformers", ks: Sequence[int] = CARD_KS,
                 map_ks: Sequence[int] = CARD_MAP_KS) -> RunEvaluation:
    """Evaluate a run (e.g. someone's submission) without any model.

    Under ``trec``, every judged query counts and one absent from the run scores 0 (as ranx
    with ``make_comparable`` and ``trec_eval -c`` do); under ``sentence-transformers``, judged
    queries without a relevant document are dropped. Run lines for unjudged queries are ignored.
    Both are counted in the result.

    Example:
        >>> e = evaluate_run({"1": {"a": 1}, "2": {"b": 1}}, {"1": {"a": 0.9, "c": 0.1}}, protocol="trec")
        >>> e.scores["map"], e.missing_from_run
        (0.5, ['2'])
    """
    scores = run.scores if isinstance(run, Run) else {q: dict(d) for q, d in run.items()}
    relevant = {q: {d for d, rel in judged.items() if rel > 0} for q, judged in qrels.items()}
    with_relevant = [q for q in qrels if relevant[q]]
    evaluated = list(qrels) if protocol == "trec" else with_relevant
    ranking = ranking_from_run(scores, evaluated)
    table = per_query_metrics(ranking, relevant, ks=ks, map_ks=map_ks, protocol=protocol, query_ids=evaluated)
    means = {c: float(table[c].mean()) if len(table) else float("nan") for c in table.columns}
    if protocol == "trec":
        means = {k: means[k] for k in (*TREC_METRICS, *(c for c in table.columns if c not in TREC_METRICS))}
    return RunEvaluation(
        protocol=protocol, scores=means, per_query=table, judged_queries=len(qrels),
        missing_from_run=[q for q in evaluated if q not in scores],
        ignored_run_queries=[q for q in scores if q not in qrels],
        dropped_without_relevant=[q for q in qrels if not relevant[q]],
        ties=count_near_ties({q: scores[q] for q in evaluated if q in scores}),
        notes=list(run.notes) if isinstance(run, Run) else [],
    )
