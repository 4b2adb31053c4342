"""Error analysis per language: per-query tables, worst queries, model comparison, the error summary.

Everything here starts from rankings (:func:`jobmatch_utils.retrieval.rank_set`, or
:func:`full_rankings` for every corpus title) and the metric engine
(:func:`jobmatch_utils.metrics.per_query_metrics`). Taught in notebook 03, which also uses
:mod:`jobmatch_utils.taxonomy` (why titles are missed), :mod:`jobmatch_utils.gender` and
:mod:`jobmatch_utils.parity` (gender pairs and RBO), :mod:`jobmatch_utils.isco` (occupation groups)
and :mod:`jobmatch_utils.calibration` (score thresholds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .data import RetrievalSet
from .errors import ParameterError
from .evaluation import rank_sets
from .metrics import CARD_KS, CARD_MAP_KS, hit_matrix, per_query_metrics
from .retrieval import Encoding, Ranking
from .stats import PairedComparison, paired_comparison
from .taxonomy import RULES
from .titletext import fold_title
from .tokens import TokenizerLike

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["full_rankings", "per_query_table", "language_overview", "self_matches", "worst_queries", "error_table",
           "ModelComparison", "compare_per_query", "comparison_table", "error_summary"]


def full_rankings(model: SentenceTransformer, sets: Mapping[str, RetrievalSet], *,
                  encoding: Encoding = "evaluator") -> dict[str, Ranking]:
    """Rank every corpus title for every query (depth = corpus size), so every relevant title has a rank.

    Metrics at any cut-off are unchanged by the extra depth (ties still break by corpus id).

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> from jobmatch_utils.models import load_model
        >>> sets = load_validation_sets(None, ["en"])
        >>> full_rankings(load_model("tiny")[0], sets)["en"].depth == len(sets["en"].corpus)
        True
    """
    depth = max((len(s.corpus) for s in sets.values()), default=1)
    return rank_sets(model, sets, top_k=depth, encoding=encoding)


def per_query_table(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], *,
                    tokenizer: TokenizerLike | None = None, ks: Sequence[int] = CARD_KS,
                    map_ks: Sequence[int] = CARD_MAP_KS) -> pd.DataFrame:
    """One row per (language, judged query): the card's metrics plus what explains them.

    Columns: ``language``, ``q_id``, ``query``, every metric of
    :func:`~jobmatch_utils.metrics.per_query_metrics`, ``first_relevant_rank`` (NaN when no
    relevant title is within the ranking's depth), ``n_relevant``, ``n_tokens`` (the query's
    length in the model tokenizer's tokens, without [CLS]/[SEP]; NaN without a tokenizer) and
    ``own_text_not_relevant`` (the corpus holds the query's own text, folded, and the qrels do
    not judge it relevant: a near-certain false positive at rank 1).

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> from jobmatch_utils.models import load_model
        >>> sets = load_validation_sets(None, ["en"])
        >>> table = per_query_table(sets, full_rankings(load_model("tiny")[0], sets))
        >>> len(table) == len(sets["en"].relevant)
        True
    """
    frames = []
    for language, s in sets.items():
        ranking = rankings[language]
        metrics = per_query_metrics(ranking, s.relevant, ks=ks, map_ks=map_ks)
        query_ids, hits, n_relevant = hit_matrix(ranking, s.relevant)
        first = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, np.nan) if len(hits) else np.zeros(0)
        frame = metrics.reset_index()
        frame.insert(0, "language", language)
        frame.insert(2, "query", [s.queries[q] for q in frame["q_id"]])
        frame["first_relevant_rank"] = pd.Series(first, index=query_ids).reindex(frame["q_id"]).to_numpy()
        frame["n_relevant"] = n_relevant.astype(int)
        frame["n_tokens"] = [len(tokenizer.tokenize(q)) for q in frame["query"]] if tokenizer is not None \
            else np.nan
        own = _own_text_ids(s)
        frame["own_text_not_relevant"] = [bool(own.get(q)) and not (own[q] & s.relevant[q]) for q in frame["q_id"]]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _own_text_ids(retrieval_set: RetrievalSet) -> dict[str, set[str]]:
    """``{q_id: corpus ids whose folded text equals the query's}`` (only queries that have some)."""
    by_text: dict[str, set[str]] = {}
    for cid, title in retrieval_set.corpus.items():
        by_text.setdefault(fold_title(title), set()).add(cid)
    return {q: by_text[fold_title(t)] for q, t in retrieval_set.queries.items() if fold_title(t) in by_text}


def self_matches(sets: Mapping[str, RetrievalSet]) -> pd.DataFrame:
    """Per language: judged queries whose own text is also a corpus title, and how often that title is relevant.

    A model scores a title against itself at cosine 1, so such a corpus entry ranks first; when
    the qrels do not count it as relevant, every relevant title slips one rank.

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> int(self_matches(load_validation_sets(None, ["en"])).loc["en", "own text in corpus"])
        0
    """
    rows = []
    for language, s in sets.items():
        own = _own_text_ids(s)
        judged = [q for q in s.queries if q in s.relevant]
        inside = [q for q in judged if q in own]
        rows.append({"language": language, "judged queries": len(judged), "own text in corpus": len(inside),
                     "judged relevant": sum(bool(own[q] & s.relevant[q]) for q in inside),
                     "not judged relevant": sum(not (own[q] & s.relevant[q]) for q in inside)})
    return pd.DataFrame(rows).set_index("language")


def language_overview(per_query: pd.DataFrame, *, metric: str = "map@100") -> pd.DataFrame:
    """Where each language stands: queries, mean and median metric, first-hit statistics.

    Example (notebook 03):
        >>> t = pd.DataFrame({"language": ["en", "en"], "map@100": [1.0, 0.5], "first_relevant_rank": [1, 3],
        ...                   "n_relevant": [2, 4], "n_tokens": [1, 2]})
        >>> language_overview(t).loc["en", "first relevant at rank 1"]
        np.float64(0.5)
    """
    grouped = per_query.groupby("language", sort=False)
    return pd.DataFrame({
        "queries": grouped.size(),
        f"mean {metric}": grouped[metric].mean(),
        f"median {metric}": grouped[metric].median(),
        "first relevant at rank 1": grouped["first_relevant_rank"].apply(lambda r: float((r == 1).mean())),
        "median first relevant rank": grouped["first_relevant_rank"].median(),
        "mean relevant titles": grouped["n_relevant"].mean(),
        "mean query tokens": grouped["n_tokens"].mean(),
        **({"own text ranked, not relevant": grouped["own_text_not_relevant"].mean()}
           if "own_text_not_relevant" in per_query else {}),
    })


def worst_queries(retrieval_set: RetrievalSet, ranking: Ranking, per_query: pd.DataFrame, *, n: int = 3,
                  k: int = 5, metric: str = "map@100", missed: int = 5) -> pd.DataFrame:
    """The ``n`` lowest-scoring queries of one set: their top ``k`` and the relevant titles they missed.

    Args:
        retrieval_set: The set.
        ranking: Its ranking (deep enough to place the missed titles; see :func:`full_rankings`).
        per_query: Rows of this set from :func:`per_query_table` (``q_id`` column).
        n: Queries shown.
        k: Ranked titles shown per query (``✓`` marks a relevant one).
        metric: Sort key (lowest first; ties: later first relevant title first).
        missed: Relevant titles outside the top ``k`` listed per query, best-ranked first.

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> from jobmatch_utils.models import load_model
        >>> sets = load_validation_sets(None, ["en"])
        >>> rankings = full_rankings(load_model("tiny")[0], sets)
        >>> worst_queries(sets["en"], rankings["en"], per_query_table(sets, rankings), n=2).shape[0]
        2
    """
    rows_of = {qid: row for row, qid in enumerate(ranking.query_ids)}
    table = per_query[per_query["q_id"].isin(retrieval_set.relevant)]
    table = table.assign(_first=table["first_relevant_rank"].fillna(np.inf))
    table = table.sort_values([metric, "_first"], ascending=[True, False], kind="stable").head(n)
    rows = []
    for _, record in table.iterrows():
        row = rows_of[record["q_id"]]
        relevant = retrieval_set.relevant[record["q_id"]]
        docs = ranking.doc_ids(row)
        top = [f"{retrieval_set.corpus[c]} ({s:.3f}){' ✓' if c in relevant else ''}"
               for c, s in zip(docs[:k], ranking.scores[row][:k])]
        rank_of = {c: i + 1 for i, c in enumerate(docs) if c in relevant}
        outside = sorted((rank_of.get(c, math.inf), retrieval_set.corpus[c]) for c in relevant
                         if rank_of.get(c, math.inf) > k)
        listed = [f"{title} (rank {rank if rank < math.inf else '> ' + str(ranking.depth)})"
                  for rank, title in outside[:missed]]
        if len(outside) > missed:
            listed.append(f"… {len(outside) - missed} more")
        rows.append({"q_id": record["q_id"], "query": record["query"], metric: record[metric],
                     "first_relevant_rank": record["first_relevant_rank"], "n_relevant": len(relevant),
                     f"top {k}": " | ".join(top), "missed relevant titles": " | ".join(listed) or "—"})
    return pd.DataFrame(rows)


def error_table(per_query: pd.DataFrame, flags: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The per-query error table: :func:`per_query_table` joined with each language's
    :func:`~jobmatch_utils.taxonomy.failure_flags` (``n_missed``, one boolean per rule, ``unexplained``).

    Example:
        >>> pq = pd.DataFrame({"language": ["en"], "q_id": ["1"], "map@100": [0.5]})
        >>> f = pd.DataFrame({"n_missed": [1], **{r: [False] for r in RULES}, "unexplained": [True]},
        ...                  index=pd.Index(["1"], name="q_id"))
        >>> bool(error_table(pq, {"en": f}).loc[0, "unexplained"])
        True
    """
    parts = []
    for language, group in per_query.groupby("language", sort=False):
        joined = group.join(flags[language], on="q_id")
        parts.append(joined)
    table = pd.concat(parts, ignore_index=True)
    columns = ["n_missed", *RULES, "unexplained"]
    return table.astype({c: (int if c == "n_missed" else bool) for c in columns})


@dataclass
class ModelComparison:
    """B against A on the same queries of one language."""

    label_a: str
    label_b: str
    metric: str
    per_query: pd.DataFrame
    test: PairedComparison

    def improved(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` queries B improved most."""
        return self.per_query[self.per_query["difference"] > 0].nlargest(n, "difference")

    def regressed(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` queries B made worse most."""
        return self.per_query[self.per_query["difference"] < 0].nsmallest(n, "difference")


def compare_per_query(a: pd.DataFrame, b: pd.DataFrame, *, metric: str = "map@100", label_a: str = "A",
                      label_b: str = "B", resamples: int = 10_000) -> dict[str, ModelComparison]:
    """Compare two per-query tables (two models, or two run files scored with
    :func:`~jobmatch_utils.metrics.per_query_metrics` after :func:`jobmatch_utils.trec.ranking_from_run`).

    Queries are matched on ``(language, q_id)``; each language gets a paired randomisation test
    (:func:`jobmatch_utils.stats.paired_comparison`) of B − A.

    Raises:
        ParameterError: A language where the two tables do not hold the same queries.

    Example (notebook 03):
        >>> a = pd.DataFrame({"language": ["en"] * 3, "q_id": ["1", "2", "3"], "query": ["x", "y", "z"],
        ...                   "map@100": [0.2, 0.5, 0.9]})
        >>> b = a.assign(**{"map@100": [0.4, 0.5, 0.6]})
        >>> compare_per_query(a, b, resamples=500)["en"].regressed(1)["q_id"].tolist()
        ['3']
    """
    results = {}
    for language, left in a.groupby("language", sort=False):
        right = b[b["language"] == language]
        if set(left["q_id"]) != set(right["q_id"]):
            raise ParameterError(f"{language}: the two per-query tables hold different queries "
                                 f"({len(left)} vs {len(right)})",
                                 fix="score both models or run files on the same retrieval set")
        joined = left[["q_id", "query", metric]].merge(right[["q_id", metric]], on="q_id", suffixes=(" A", " B"))
        joined = joined.rename(columns={f"{metric} A": label_a, f"{metric} B": label_b})
        joined["difference"] = joined[label_b] - joined[label_a]
        test = paired_comparison(joined[label_a], joined[label_b], resamples=resamples)
        results[language] = ModelComparison(label_a, label_b, metric, joined, test)
    return results


def comparison_table(comparisons: Mapping[str, ModelComparison]) -> pd.DataFrame:
    """One row per language: both means, the difference with its interval, the p-value, better/worse counts.

    Example (notebook 03):
        >>> a = pd.DataFrame({"language": ["en"] * 2, "q_id": ["1", "2"], "query": ["x", "y"], "map@100": [0.2, 0.4]})
        >>> table = comparison_table(compare_per_query(a, a.assign(**{"map@100": [0.4, 0.6]}), resamples=200))
        >>> round(float(table.loc["en", "difference (B − A)"]), 2)
        0.2
    """
    rows = []
    for language, c in comparisons.items():
        rows.append({"language": language, c.label_a: float(c.per_query[c.label_a].mean()),
                     c.label_b: float(c.per_query[c.label_b].mean()), "difference (B − A)": c.test.difference,
                     "ci low": c.test.low, "ci high": c.test.high, "p-value": c.test.p_value,
                     "B better": c.test.improved, "B worse": c.test.worsened, "queries": c.test.n})
    return pd.DataFrame(rows).set_index("language")


def error_summary(errors: pd.DataFrame, parity: pd.DataFrame | None, *, model_label: str, metric: str = "map@100",
                  top: int = 3, rbo_p: float = 0.9, rbo_depth: int = 100) -> dict:
    """The content of ``error_summary.json``: per language, the largest failure categories and gender parity.

    ``top_failures`` lists up to ``top`` rules of :data:`~jobmatch_utils.taxonomy.RULES` with at
    least one flagged query, largest first (ties in rule order), with their share of the
    language's queries and the metric on that slice.

    Example:
        >>> e = pd.DataFrame({"language": ["en", "en"], "map@100": [0.2, 0.8], "n_missed": [1, 0],
        ...                   **{r: [r == "abbreviation", False] for r in RULES}, "unexplained": [False, False]})
        >>> error_summary(e, None, model_label="tiny")["languages"]["en"]["top_failures"][0]["rule"]
        'abbreviation'
    """
    languages = {}
    for language, group in errors.groupby("language", sort=False):
        counts = [(int(group[rule].sum()), n, rule) for n, rule in enumerate(RULES)]
        ranked = [rule for count, _, rule in sorted(counts, key=lambda c: (-c[0], c[1])) if count > 0][:top]
        entry = {"queries": len(group), metric: float(group[metric].mean()),
                 "queries with a missed title": int((group["n_missed"] > 0).sum()),
                 "top_failures": [{"rule": rule, "queries": int(group[rule].sum()),
                                   "share": float(group[rule].mean()),
                                   metric: float(group.loc[group[rule], metric].mean())} for rule in ranked],
                 "unexplained share": float(group["unexplained"].mean())}
        if parity is not None and language in parity.index:
            row = parity.loc[language]
            entry["gender_parity"] = {"pairs": int(row["pairs"]), "mean_rbo": float(row["mean rbo"]),
                                      "ci_low": float(row["rbo ci low"]), "ci_high": float(row["rbo ci high"]),
                                      "ci_level": float(row.get("ci level", 0.95)), "rbo": f"RBO_ext, p = {rbo_p}, depth {rbo_depth}"}
        languages[language] = entry
    return {"model": model_label, "metric": metric, "rules": list(RULES),
            "missed": "a relevant title ranked below position |R| (the query's number of relevant titles)",
            "languages": languages}
