"""The stock GISTEmbed recipe against the kit's, side by side in one run: pairs per second and loss agreement.

Stock: sentence-transformers' trainer, GISTEmbedLoss with a live guide, ``NO_DUPLICATES`` batches,
the model's own max_seq_length. Kit: the same trainer, loss and batches, the guide read from a cache
of each distinct text, each batch's texts embedded sorted by length in chunks padded to their own
longest text, max_seq_length fitted to the titles. A third recipe adds the kit's length-bucketed
no-duplicates sampler (which changes which pairs share a batch). All on the same training pairs
with the same model, guide, batch size and seed.

The loss check feeds the stock and the kit's loss the *same* first batches (student and guide in
eval mode, so no dropout) and prints both values: cached guide and sorted chunks are meant to be exact.

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
        self.trainer, self.model = trainer, trainer.model
        self.iterator = iter(trainer.get_train_dataloader())
        self.optimizer = trainer.create_optimizer()  # the trainer's own (fused AdamW with torch >= 2.8), lr 5e-5
        self.batches = [next(self.iterator) for _ in range(keep)]
        self.widths: list[int] = []
        self.tokens = [0, 0, 0]  # token positions computed by the student, real tokens, forward passes

    def __call__(self) -> float:
        batch = self.batches.pop(0) if self.batches else next(self.iterator)
        self.widths += [int(v.shape[1]) for k, v in batch.items() if k.endswith("input_ids")]
        masks = [v for k, v in batch.items() if k.endswith("attention_mask")]
        from jobmatch_utils.sorted_forward import padded_tokens

        chunk = getattr(self.trainer.loss, "chunk_size", 0)
        computed, real, passes = padded_tokens([{"attention_mask": m} for m in masks], chunk) if chunk else (
            sum(m.numel() for m in masks), sum(int(m.sum()) for m in masks), len(masks))
        self.tokens = [self.tokens[0] + computed, self.tokens[1] + real, self.tokens[2] + passes]
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
    parser.add_argument("--chunk-size", type=int, default=128,
                        help="most rows per forward pass of the kit's length-sorted embedding")
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

    # --- the recipes, built by the kit's trainer factory, stepped in turn (the same CPU load for all)
    model, info = load_model(args.model)
    guide, _ = load_model(args.model)
    stock_config = FinetuneConfig(batch_size=args.batch_size, max_steps=args.steps, time_budget_s=0,
                                  cached_guide=False, chunk_size=0, length_grouping=False, save_steps=10**9)
    stock_loss = GISTEmbedLoss(model, guide, temperature=0.01, margin_strategy="absolute", margin=0.0)
    stock = build_trainer(model, stock_loss, sets, stock_config, "/tmp/bench_finetune/stock", max_steps=args.steps)
    stock_length = model.max_seq_length

    def kit_recipe(name: str, length_grouping: bool):
        kit_model, _ = load_model(args.model)
        kit_guide, _ = load_model(args.model)
        kit_model.max_seq_length = fit_max_seq_length(kit_model, texts)
        start = time.perf_counter()
        cache = GuideEmbeddingCache.cached_build(kit_model, freeze(kit_guide), texts)  # one pass per distinct text
        config = FinetuneConfig(batch_size=args.batch_size, max_steps=args.steps, time_budget_s=0,
                                chunk_size=args.chunk_size, length_grouping=length_grouping, save_steps=10**9)
        loss = CachedGuideGISTEmbedLoss(kit_model, kit_guide, cache=cache, chunk_size=config.chunk_size)
        trainer = build_trainer(kit_model, loss, sets, config, f"/tmp/bench_finetune/{name}", max_steps=args.steps)
        return trainer, cache, time.perf_counter() - start

    kit, cache, build_seconds = kit_recipe("kit", length_grouping=False)
    bucketed, _, _ = kit_recipe("kit-bucketed", length_grouping=True)
    steppers = {"stock": _stepper(stock), "kit": _stepper(kit), "kit, bucketed": _stepper(bucketed)}
    first_batches = steppers["stock"].batches[: args.loss_batches]
    for step in steppers.values():
        step()  # warm-up step, not timed
    times: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(args.steps):
        for name, step in steppers.items():
            times[name].append(step())
    pps = {name: args.batch_size * len(t) / sum(t) for name, t in times.items()}

    def computed(name: str) -> str:
        tokens = steppers[name].tokens
        return (f"{tokens[0] / max(1, tokens[1]):.2f} token positions per real token, "
                f"{tokens[2] / max(1, len(steppers[name].widths) // 2):.1f} forward passes a step")

    print(f"stock: {pps['stock']:7.1f} pairs/s ({sum(times['stock']) / args.steps:.2f} s/step, max_seq_length "
          f"{stock_length}, guide live, in training mode as loaded, one forward per column padded to a mean of "
          f"{steppers['stock'].mean_width():.1f} tokens: {computed('stock')})")
    print(f"kit:   {pps['kit']:7.1f} pairs/s ({sum(times['kit']) / args.steps:.2f} s/step, max_seq_length "
          f"{kit.model.max_seq_length}, guide cached ({len(cache):,} texts, ready in {build_seconds:.1f} s), "
          f"the stock sampler's batches, texts sorted by length in chunks of at most {args.chunk_size}: "
          f"{computed('kit')})")
    print(f"kit + length-bucketed batches: {pps['kit, bucketed']:7.1f} pairs/s (changes which pairs share a batch: "
          f"{computed('kit, bucketed')})")
    print(f"ratio kit / stock: {pps['kit'] / pps['stock']:.2f}x  ({args.steps} steps each, taken in turn; "
          f"the same batches)")
    print(f"ratio kit + length-bucketed batches / stock: {pps['kit, bucketed'] / pps['stock']:.2f}x")

    # --- loss agreement on the stock recipe's first batches (fresh untrained model; eval mode: no dropout)
    model, _ = load_model(args.model)
    guide, _ = load_model(args.model)
    freeze(guide)
    model.eval()
    live = GISTEmbedLoss(model, guide, temperature=0.01, margin_strategy="absolute", margin=0.0)
    model.max_seq_length = fit_max_seq_length(model, texts)  # no title is truncated: the same tokens
    cache = GuideEmbeddingCache.cached_build(model, guide, texts)
    cached = CachedGuideGISTEmbedLoss(model, guide, cache=cache, chunk_size=args.chunk_size)
    print("loss on the same first batches (stock: live guide, one forward per column; kit: cached guide, "
          "length-sorted chunks):")
    worst = 0.0
    for i, batch in enumerate(first_batches):
        features = [{k.removeprefix(f"{c}_"): v for k, v in batch.items() if k.startswith(f"{c}_")}
                    for c in ("anchor", "positive")]
        with torch.no_grad():
            a = float(live([dict(f) for f in features], None))
            b = float(cached([dict(f) for f in features], None))
        worst = max(worst, abs(a - b))
        print(f"  batch {i}: stock {a:.6f}  kit {b:.6f}  |Δ| {abs(a - b):.2e}")
    print(f"largest |Δ|: {worst:.2e} ({'agree' if worst < 1e-4 else 'DIFFER'} to 1e-4)")
    print(f"model: {info.label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
