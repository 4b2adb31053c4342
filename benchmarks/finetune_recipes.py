"""Which fine-tune recipes move validation: each one trained for the same budget, scored on all four languages.

Every recipe starts from a fresh copy of the model, trains with :func:`jobmatch_utils.training.finetune`
for ``--budget`` seconds (evaluation excluded) and is scored with the card's metrics on the TalentCLEF
validation sets. One row per recipe is appended to ``--out`` as soon as it finishes, so an interrupted
run keeps what it measured and a second run skips recipes already there.

    .venv/bin/python benchmarks/finetune_recipes.py --data-dir /work/shared/data/talentclef2025/TaskA \\
        --esco-dir /work/shared/data/esco --budget 600 --recipes card,mix
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: name -> (datasets, FinetuneConfig overrides, what it tests)
RECIPES: dict[str, tuple[tuple[str, ...], dict, str]] = {
    "card": (("full_de", "full_es"), {},
             "the card's knobs at laptop scale, TalentCLEF de+es pairs, the card's no-duplicates batches"),
    "occupations": (("full_de", "full_es"), {"distinct_occupations": True},
                    "card + no two pairs of one occupation in a batch"),
    "occupations-lr2e-4": (("full_de", "full_es"), {"learning_rate": 2e-4, "distinct_occupations": True},
                           "occupations at 4x the learning rate"),
    "occupations-no-mask": (("full_de", "full_es"), {"margin": -10.0, "distinct_occupations": True},
                            "occupations, with a margin that never masks: every in-batch candidate stays"),
    "lr2e-4": (("full_de", "full_es"), {"learning_rate": 2e-4, "distinct_occupations": False},
               "card at 4x the learning rate"),
    "mix": (("full_de", "full_es", "mix"), {"distinct_occupations": False},
            "card + English<->German/Spanish ESCO pairs"),
    "mix+en": (("full_de", "full_es", "mix", "full_en"), {"distinct_occupations": False},
               "card + mix + English ESCO pairs"),
    "no-mask": (("full_de", "full_es"), {"margin": -10.0, "distinct_occupations": False},
                "card with a margin that never masks (plain in-batch negatives)"),
    "t0.05-lr2e-4": (("full_de", "full_es"), {"learning_rate": 2e-4, "temperature": 0.05,
                                              "distinct_occupations": False},
                     "lr2e-4 with temperature 0.05 (the stand-in's own pre-training scale, 20)"),
    "t0.05-lr5e-4": (("full_de", "full_es"), {"learning_rate": 5e-4, "temperature": 0.05,
                                              "distinct_occupations": False}, "temperature 0.05 at 10x the card's lr"),
    "t0.1-lr2e-4": (("full_de", "full_es"), {"learning_rate": 2e-4, "temperature": 0.1,
                                             "distinct_occupations": False}, "temperature 0.1 at 4x the card's lr"),
    "t0.05": (("full_de", "full_es"), {"temperature": 0.05, "distinct_occupations": False},
              "temperature 0.05 at the card's lr"),
    "t0.05-lr3e-4-mix": (("full_de", "full_es", "mix"), {"learning_rate": 3e-4, "temperature": 0.05},
                         "notebook 04's defaults: temperature 0.05, lr 3e-4, + mix"),
    "t0.05-lr2e-4-mix": (("full_de", "full_es", "mix"), {"learning_rate": 2e-4, "temperature": 0.05,
                                                         "distinct_occupations": False}, "t0.05-lr2e-4 + mix"),
    "lr5e-4": (("full_de", "full_es"), {"learning_rate": 5e-4, "distinct_occupations": False},
               "card at 10x the learning rate"),
    "batch32-lr2e-4": (("full_de", "full_es"), {"learning_rate": 2e-4, "batch_size": 32,
                                                "distinct_occupations": False},
                       "lr2e-4, a quarter of the negatives, 4x the steps"),
    "batch256": (("full_de", "full_es"), {"batch_size": 256}, "card, twice the negatives, half the steps"),
    "batch32": (("full_de", "full_es"), {"batch_size": 32}, "card, a quarter of the negatives, 4x the steps"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="TalentCLEF Task A root")
    parser.add_argument("--esco-dir", default=None, help="ESCO folder (for mix and full_en)")
    parser.add_argument("--model", default="stand-in")
    parser.add_argument("--budget", type=float, default=600.0, help="training seconds per recipe")
    parser.add_argument("--recipes", default=",".join(RECIPES), help=f"comma-separated, among {', '.join(RECIPES)}")
    parser.add_argument("--languages", default="en,es,de,zh")
    parser.add_argument("--out", default="data/reference/finetune_recipes.csv")
    parser.add_argument("--note", default="", help="recorded with every row (e.g. what else ran meanwhile)")
    args = parser.parse_args(argv)

    import shutil
    import tempfile
    from dataclasses import replace

    import pandas as pd

    from jobmatch_utils.data import load_validation_sets
    from jobmatch_utils.evaluation import card_table, rank_sets
    from jobmatch_utils.guide_cache import freeze
    from jobmatch_utils.models import load_model
    from jobmatch_utils.training import FinetuneConfig, finetune
    from jobmatch_utils.training_data import load_training_sets

    names = [n.strip() for n in args.recipes.split(",") if n.strip()]
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe(s) {', '.join(unknown)}; choose among {', '.join(RECIPES)}")
    out = Path(args.out)
    done = set(pd.read_csv(out)["key"]) if out.exists() else set()
    codes = [c.strip() for c in args.languages.split(",")]
    validation = load_validation_sets(args.data_dir, ["en", "es", "de", "zh"])
    scored = {c: validation[c] for c in codes}
    model, info = load_model(args.model)
    before = card_table(scored, rank_sets(model, scored))
    print(f"model: {info.label}")
    for name in names:
        key = f"{name}@{args.budget:.0f}s"
        if key in done:
            print(f"{key}: already in {out}, skipped")
            continue
        datasets, overrides, what = RECIPES[name]
        sets = load_training_sets(args.data_dir, args.esco_dir, datasets, validation)
        student, _ = load_model(args.model)
        guide = freeze(load_model(args.model)[0])
        config = replace(FinetuneConfig(time_budget_s=args.budget, save_steps=10**9, logging_steps=50), **overrides)
        work = Path(tempfile.mkdtemp(prefix=f"recipe-{name}-"))
        started = time.perf_counter()
        try:
            result = finetune(student, guide, sets, {}, config, work, resume=False)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        after = card_table(scored, rank_sets(student, scored))
        row = {"key": key, "recipe": name, "what": what, "datasets": "+".join(sets.pairs), "budget_s": args.budget,
               "batch_size": config.batch_size, "learning_rate": config.learning_rate, "margin": config.margin,
               "temperature": config.temperature, "distinct_occupations": config.distinct_occupations,
               "schedule": "budget clock", "steps": result.steps, "pairs": result.pairs_seen, "train_s": result.train_seconds,
               "wall_s": round(time.perf_counter() - started, 1), "model": info.name, "note": args.note}
        for code in codes:
            set_name = scored[code].name
            for metric in ("ndcg@200", "map@100", "accuracy@1"):
                row[f"{code} {metric}"] = float(after.loc[metric, set_name])
                row[f"{code} Δ{metric}"] = float(after.loc[metric, set_name] - before.loc[metric, set_name])
        out.parent.mkdir(parents=True, exist_ok=True)
        table = pd.concat([pd.read_csv(out), pd.DataFrame([row])]) if out.exists() else pd.DataFrame([row])
        staged = out.with_suffix(".csv.tmp")
        table.to_csv(staged, index=False)
        staged.replace(out)  # the file always holds whole rows, in the columns of the first
        deltas = "  ".join(f"{c} {row[f'{c} Δndcg@200']:+.4f}" for c in codes)
        print(f"{key}: {result.steps} steps, {result.pairs_seen:,} pairs in {result.train_seconds:.0f} s; "
              f"Δndcg@200 {deltas}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
