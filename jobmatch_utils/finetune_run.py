"""Run the GISTEmbed fine-tune from a shell: one process, or many under ``torchrun`` / ``accelerate launch``.

The same code as notebook 04 (:func:`jobmatch_utils.training.finetune`). Every process loads the
data and builds the same guide cache deterministically; sentence-transformers' trainer shards the
batches; only the main process writes the final model.

Small scale, one CPU::

    python -m jobmatch_utils.finetune_run --model stand-in --max-steps 50 --out runs/small

The card's full recipe (5 epochs, 128 x 2 per device, fp16, 4 workers) on 8 GPUs::

    torchrun --nproc_per_node 8 -m jobmatch_utils.finetune_run --preset card \\
        --model BAAI/bge-small-en-v1.5 --guide <guide model> --datasets full_en,full_de,full_es,full_zh,mix \\
        --data-dir $JOBMATCH_TALENTCLEF --esco-dir $JOBMATCH_ESCO --out runs/card
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments.

    Example:
        >>> build_parser().parse_args(["--out", "x"]).batch_size
        128
    """
    p = argparse.ArgumentParser(prog="python -m jobmatch_utils.finetune_run", description=__doc__.splitlines()[0])
    p.add_argument("--model", default="stand-in", help="student: stand-in, tiny, a folder or a hub id")
    p.add_argument("--guide", default="", help="guide (default: a separate copy of the untuned student)")
    p.add_argument("--data-dir", default=None, help="TalentCLEF Task A root")
    p.add_argument("--esco-dir", default=None, help="ESCO folder")
    p.add_argument("--datasets", default="full_de,full_es", help="comma-separated training sets")
    p.add_argument("--preset", choices=["scaled", "card"], default="scaled", help="card: the card's full values")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--time-budget", type=float, default=0.0, help="seconds of training (0 = none)")
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--temperature", type=float, default=0.01, help="GISTEmbedLoss temperature (card 0.01)")
    p.add_argument("--save-steps", type=int, default=100)
    p.add_argument("--max-pairs", type=int, default=0, help="seeded sample of at most N pairs per set")
    p.add_argument("--out", required=True, help="output folder: checkpoints/ and model/")
    return p


def main(argv: list[str] | None = None) -> int:
    """Train, then (main process only) save ``<out>/model`` and ``<out>/result.json``."""
    args = build_parser().parse_args(argv)
    from .data import load_validation_sets
    from .models import load_model
    from .training import FinetuneConfig, finetune, save_model
    from .training_data import load_training_sets

    if args.preset == "card":
        config = FinetuneConfig.card()
    else:
        config = FinetuneConfig(batch_size=args.batch_size, gradient_accumulation_steps=args.grad_accum,
                                max_steps=args.max_steps, time_budget_s=args.time_budget,
                                learning_rate=args.learning_rate, temperature=args.temperature,
                                save_steps=args.save_steps, eval_steps=0)
    validation = load_validation_sets(args.data_dir, ["en", "es", "de", "zh"])
    sets = load_training_sets(args.data_dir, args.esco_dir, [d.strip() for d in args.datasets.split(",")],
                              validation, max_pairs=args.max_pairs, seed=config.seed)
    model, info = load_model(args.model)
    guide, _ = load_model(args.guide or args.model)
    out = Path(args.out)
    result = finetune(model, guide, sets, {}, config, out)
    if int(os.environ.get("RANK", "0")) == 0:
        save_model(model, out / "model")
        payload = {"model": info.label, **result.to_dict(), "datasets": list(sets.pairs)}
        (out / "result.json").write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"steps {result.steps}, pairs seen {result.pairs_seen}, world size {result.world_size}, "
              f"{result.pairs_per_second} pairs/s; model saved to {out / 'model'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
