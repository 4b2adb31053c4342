"""Run the GISTEmbed fine-tune from a shell: one process, or many under ``torchrun`` / ``accelerate launch``.

The same code as notebook 04 (:func:`jobmatch_utils.training.finetune`). Every process loads the
data and builds the same guide cache deterministically; sentence-transformers' trainer shards the
batches; only the main process writes the final model.

Small scale, one CPU (notebook 04's recipe for 10 minutes)::

    python -m jobmatch_utils.finetune_run --time-budget 600 --learning-rate 3e-4 --temperature 0.05 \
        --datasets full_de,full_es,mix --out runs/small

Bad input ends with exit status 2 and one line ``error: <what> — <fix>``; an interrupted run says
where its last checkpoint is, and running the same command again resumes from it.

The card's full recipe (5 epochs, 128 x 2 per device, fp16, 4 workers) on 8 GPUs::

    torchrun --nproc_per_node 8 -m jobmatch_utils.finetune_run --preset card \\
        --model BAAI/bge-small-en-v1.5 --guide <guide model> --datasets full_en,full_de,full_es,full_zh,mix \\
        --data-dir $JOBMATCH_TALENTCLEF --esco-dir $JOBMATCH_ESCO --out runs/card
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments.

    Example:
        >>> build_parser().parse_args(["--out", "x"]).batch_size
        128
    """
    p = argparse.ArgumentParser(prog="python -m jobmatch_utils.finetune_run", description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="stand-in", help="student: stand-in, tiny, a folder or a hub id")
    p.add_argument("--guide", default="", help="guide (default: a separate copy of the untuned student)")
    p.add_argument("--data-dir", default=None, help="TalentCLEF Task A root")
    p.add_argument("--esco-dir", default=None, help="ESCO folder")
    p.add_argument("--datasets", default="full_de,full_es",
                   help="comma-separated, among full_en, full_de, full_es, full_zh, mix (notebook 04: + mix)")
    p.add_argument("--preset", choices=["scaled", "card"], default="scaled", help="card: the card's full values")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--max-steps", type=int, default=0, help="optimiser steps (0 = as the time budget allows)")
    p.add_argument("--time-budget", type=float, default=0.0, help="seconds of training (0 = none)")
    p.add_argument("--learning-rate", type=float, default=5e-5, help="the card's 5e-5 (notebook 04: 3e-4)")
    p.add_argument("--temperature", type=float, default=0.01,
                   help="GISTEmbedLoss temperature, the card's 0.01 (notebook 04: 0.05)")
    p.add_argument("--save-steps", type=int, default=100)
    p.add_argument("--max-pairs", type=int, default=0, help="seeded sample of at most N pairs per set")
    p.add_argument("--out", required=True, help="output folder: checkpoints/ and model/")
    return p


_FLAGS = {"batch_size": "--batch-size", "max_steps": "--max-steps", "time_budget_s": "--time-budget",
          "learning_rate": "--learning-rate"}


def _with_flags(message: str) -> str:
    """The kit's error text with the notebook's parameter names replaced by this command's flags."""
    for name, flag in _FLAGS.items():
        message = message.replace(name, flag)
    return message


def main(argv: list[str] | None = None) -> int:
    """Train, then (main process only) save ``<out>/model`` and ``<out>/result.json``."""
    from .errors import JobmatchError

    args = build_parser().parse_args(argv)
    main_process = int(os.environ.get("RANK", "0")) == 0
    try:
        return _run(args, main_process)
    except JobmatchError as exc:
        print(f"error: {_with_flags(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        from .training import last_checkpoint

        if main_process:
            last = last_checkpoint(Path(args.out) / "checkpoints")
            where = (f"the last checkpoint is {last}" if last is not None
                     else f"no checkpoint yet (one every --save-steps {args.save_steps} steps)")
            print(f"interrupted: {where}; run the same command again to resume", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, main_process: bool) -> int:
    from .data import load_validation_sets, resolve_talentclef
    from .models import load_model
    from .training import FinetuneConfig, finetune, last_checkpoint, save_model
    from .training_data import load_training_sets

    if args.preset == "card":
        config = FinetuneConfig.card()
    else:
        config = FinetuneConfig(batch_size=args.batch_size, gradient_accumulation_steps=args.grad_accum,
                                max_steps=args.max_steps, time_budget_s=args.time_budget,
                                learning_rate=args.learning_rate, temperature=args.temperature,
                                save_steps=args.save_steps, eval_steps=0)
    config.check()  # before any model is loaded
    validation = load_validation_sets(args.data_dir, ["en", "es", "de", "zh"])
    sets = load_training_sets(args.data_dir, args.esco_dir, [d.strip() for d in args.datasets.split(",")],
                              validation, max_pairs=args.max_pairs, seed=config.seed)
    model, info = load_model(args.model)
    guide, guide_info = load_model(args.guide or args.model)
    out = Path(args.out)
    previous = last_checkpoint(out / "checkpoints")
    if main_process:
        print(f"model: {info.label}\nguide: {guide_info.label}\ndata:  {resolve_talentclef(args.data_dir).describe()}"
              f"\nsets:  {', '.join(f'{k} {len(v):,}' for k, v in sets.pairs.items())} pairs"
              f"\n{'resuming from ' + str(previous) if previous is not None else 'starting fresh'} in {out}",
              flush=True)
    result = finetune(model, guide, sets, {}, config, out)
    if main_process:
        save_model(model, out / "model")
        payload = {"model": info.label, **result.to_dict(), "datasets": list(sets.pairs)}
        (out / "result.json").write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        for note in result.notes:
            print(f"note: {note}")
        print(f"steps {result.steps}, pairs seen {result.pairs_seen}, world size {result.world_size}, "
              f"{result.pairs_per_second} pairs/s; model saved to {out / 'model'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
