"""Values notebook 05 must produce: the card table equals the evaluator, the official metrics equal ranx."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from ranx import Qrels, Run, evaluate
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

from jobmatch_utils.data import load_validation_sets
from jobmatch_utils.metrics import CARD_KS, CARD_MAP_KS, TREC_METRICS
from jobmatch_utils.retrieval import EVALUATOR_BATCH_SIZE
from jobmatch_utils.trec import read_trec_run

NOTEBOOK = "05_metric_reproduction"


def check(artifacts: Path, model, data_root: Path) -> None:
    sets = load_validation_sets(data_root, ["en", "es", "de", "zh"])
    table = pd.read_csv(artifacts / "card_table.csv", index_col="metric")
    assert list(table.columns) == [s.name for s in sets.values()] and len(table) == 37
    for s in sets.values():
        evaluator = InformationRetrievalEvaluator(
            s.queries, s.corpus, s.relevant, accuracy_at_k=list(CARD_KS), precision_recall_at_k=list(CARD_KS),
            mrr_at_k=list(CARD_KS), ndcg_at_k=list(CARD_KS), map_at_k=list(CARD_MAP_KS),
            batch_size=EVALUATOR_BATCH_SIZE, write_csv=False)
        theirs = evaluator(model)
        for metric in table.index:
            assert table.loc[metric, s.name] == pytest.approx(theirs[f"cosine_{metric}"], abs=1e-9), (s.name, metric)

    official = pd.read_csv(artifacts / "official_metrics.csv", index_col="set")
    for s in sets.values():
        run = read_trec_run(artifacts / "runs" / official.loc[s.name, "run file"])
        assert run.had_header  # a TalentCLEF submission carries the header line
        qrels = Qrels({q: {d: int(r) for d, r in docs.items()} for q, docs in s.qrels.items()})
        # ranx breaks exact ties arbitrarily; hand it the kit's order (score, then id) as strict scores
        strict = {q: {d: float(-rank) for rank, (d, _) in enumerate(sorted(docs.items(), key=lambda i: (-i[1], i[0])))}
                  for q, docs in run.scores.items()}
        theirs = evaluate(qrels, Run(strict), list(TREC_METRICS), make_comparable=True)
        for metric in TREC_METRICS:
            assert official.loc[s.name, metric] == pytest.approx(theirs[metric], abs=1e-6), (s.name, metric)

    protocols = pd.read_csv(artifacts / "protocols.csv", index_col=["set", "k"])
    gap = protocols["card map@k (÷ min(k,|R|))"] - protocols["official map@k (÷ |R|)"]
    assert (gap >= -1e-12).all()  # dividing by min(k, |R|) never gives less than dividing by |R|
    for k in (20, 50, 100):
        card_k = protocols.xs(k, level="k")["card map@k (÷ min(k,|R|))"]
        assert card_k.to_dict() == pytest.approx(table.loc[f"map@{k}"].to_dict())
        no_gap = protocols.xs(k, level="k")["share of queries with |R| > k"] == 0
        assert (protocols.xs(k, level="k").loc[no_gap, "card − official"].abs() < 1e-12).all()

    reproduction = json.loads((artifacts / "reproduction.json").read_text())
    assert reproduction["verdict"]["model_is_jobbge"] is False and reproduction["verdict"]["reproduced"] is False
    assert set(reproduction["map@100_ci"]) == set(table.columns)
    for name, interval in reproduction["map@100_ci"].items():
        assert interval["low"] <= table.loc["map@100", name] <= interval["high"]
