"""The stock GISTEmbed recipe against the kit's, side by side in one run: pairs per second and loss agreement.

Stock: sentence-transformers' trainer, GISTEmbedLoss with a live guide, ``NO_DUPLICATES`` batches,
the model's own max_seq_length. Kit: the same trainer and loss, the guide read from a cache of each
distinct text, length-bucketed no-duplicates batches, max_seq_length fitted to the titles. Both on
the same training pairs with the same model, guide, batch size and seed.

The loss check feeds both losses the *same* first batches (student and guide in eval mode, so no
dropout) and prints both values: the cached guide is meant to be exact.

    .venv/bin/python benchmarks/bench_finetune.py --data-dir /work/shared/data/talentclef2025/TaskA
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class _stepper:
    """One optimiser step of a trainer's own loss on its own dataloader (what ``trainer.train`` does per step)."""

    def __init__(self, trainer, keep: int = 8) -> None:
        import torch

        self.trainer, self.model = trainer, trainer.model
        self.iterator = iter(trainer.get_train_dataloader())
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=5e-5)
        self.batches = [next(self.iterator) for _ in range(keep)]
        self.widths: list[int] = []

    def __call__(self) -> float:
        batch = self.batches.pop(0) if self.batches else next(self.iterator)
        self.widths += [int(v.shape[1]) for k, v in batch.items() if k.endswith("input_ids")]
        self.model.train()
        start = time.perf_counter()
        loss = self.trainer.compute_loss(self.model, batch)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    def mean_width(self) -> float:
        return sum(self.widths) / max(1, len(self.widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="TalentCLEF Task A root (default: JOBMATCH_TALENTCLEF or sample)")
    parser.add_argument("--model", default="stand-in", help="student and guide (default stand-in)")
    parser.add_argument("--languages", default="de,es", help="TalentCLEF training languages (default de,es)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=8, help="timed steps of each recipe, taken in turn")
    parser.add_argument("--loss-batches", type=int, default=3)
    args = parser.parse_args(argv)

    import torch
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    from jobmatch_utils.data import load_validation_sets
    from jobmatch_utils.guide_cache import CachedGuideGISTEmbedLoss, GuideEmbeddingCache, freeze
    from jobmatch_utils.models import load_model
    from jobmatch_utils.training import FinetuneConfig, build_trainer, fit_max_seq_length
    from jobmatch_utils.training_data import load_training_sets

    torch.set_num_threads(os.cpu_count() or 1)
    datasets = [f"full_{c.strip()}" for c in args.languages.split(",")]
    validation = load_validation_sets(args.data_dir, ["en", "es", "de", "zh"])
    sets = load_training_sets(args.data_dir, None, datasets, validation)
    texts = [t for f in sets.pairs.values() for t in (*f["anchor"], *f["positive"])]
    print(f"data: {', '.join(f'{k} {len(v):,}' for k, v in sets.pairs.items())} pairs; batch {args.batch_size}; "
          f"model and guide: {args.model}; {torch.get_num_threads()} threads")

    # --- both recipes, built by the kit's trainer factory, stepped in turn (the same CPU load for both)
    model, info = load_model(args.model)
    guide, _ = load_model(args.model)
    stock_config = FinetuneConfig(batch_size=args.batch_size, max_steps=args.steps, time_budget_s=0,
                                  cached_guide=False, length_grouping=False, save_steps=10**9)
    stock_loss = GISTEmbedLoss(model, guide, temperature=0.01, margin_strategy="absolute", margin=0.0)
    stock = build_trainer(model, stock_loss, sets, stock_config, "/tmp/bench_finetune/stock", max_steps=args.steps)
    stock_length = model.max_seq_length

    kit_model, _ = load_model(args.model)
    kit_guide, _ = load_model(args.model)
    kit_model.max_seq_length = fit_max_seq_length(kit_model, texts)
    start = time.perf_counter()
    cache = GuideEmbeddingCache.cached_build(kit_model, freeze(kit_guide), texts)  # one guide pass per distinct text
    build_seconds = time.perf_counter() - start
    kit_config = FinetuneConfig(batch_size=args.batch_size, max_steps=args.steps, time_budget_s=0, save_steps=10**9)
    kit_loss = CachedGuideGISTEmbedLoss(kit_model, kit_guide, cache=cache)
    kit = build_trainer(kit_model, kit_loss, sets, kit_config, "/tmp/bench_finetune/kit", max_steps=args.steps)

    stock_step, kit_step = _stepper(stock), _stepper(kit)
    first_batches = stock_step.batches[: args.loss_batches]
    stock_step(), kit_step()  # warm-up steps, not timed
    stock_times, kit_times = [], []
    for _ in range(args.steps):
        stock_times.append(stock_step())
        kit_times.append(kit_step())
    stock_pps = args.batch_size * len(stock_times) / sum(stock_times)
    kit_pps = args.batch_size * len(kit_times) / sum(kit_times)
    print(f"stock: {stock_pps:7.1f} pairs/s ({sum(stock_times) / len(stock_times):.2f} s/step, max_seq_length "
          f"{stock_length}, guide live, in training mode as loaded, batches padded to a mean of "
          f"{stock_step.mean_width():.1f} tokens)")
    print(f"kit:   {kit_pps:7.1f} pairs/s ({sum(kit_times) / len(kit_times):.2f} s/step, max_seq_length "
          f"{kit_model.max_seq_length}, guide cached ({len(cache):,} texts, ready in {build_seconds:.1f} s), "
          f"batches padded to a mean of {kit_step.mean_width():.1f} tokens)")
    print(f"ratio kit / stock: {kit_pps / stock_pps:.2f}x  ({args.steps} steps each, taken in turn)")

    # --- loss agreement on the stock recipe's first batches (fresh untrained model; eval mode: no dropout)
    model, _ = load_model(args.model)
    guide, _ = load_model(args.model)
    freeze(guide)
    model.eval()
    live = GISTEmbedLoss(model, guide, temperature=0.01, margin_strategy="absolute", margin=0.0)
    model.max_seq_length = fit_max_seq_length(model, texts)  # no title is truncated: the same tokens
    cache = GuideEmbeddingCache.cached_build(model, guide, texts)
    cached = CachedGuideGISTEmbedLoss(model, guide, cache=cache)
    print("loss on the same first batches (live guide vs cached guide):")
    worst = 0.0
    for i, batch in enumerate(first_batches):
        features = [{k.removeprefix(f"{c}_"): v for k, v in batch.items() if k.startswith(f"{c}_")}
                    for c in ("anchor", "positive")]
        with torch.no_grad():
            a = float(live([dict(f) for f in features], None))
            b = float(cached([dict(f) for f in features], None))
        worst = max(worst, abs(a - b))
        print(f"  batch {i}: live {a:.6f}  cached {b:.6f}  |Δ| {abs(a - b):.2e}")
    print(f"largest |Δ|: {worst:.2e} ({'agree' if worst < 1e-4 else 'DIFFER'} to 1e-4)")
    print(f"model: {info.label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
