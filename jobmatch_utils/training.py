"""The card's GISTEmbed fine-tune at small scale (notebook 04), fast on CPU and DDP-ready.

The recipe is the card's — GISTEmbedLoss (temperature 0.01, absolute margin 0.0) with a frozen
guide, no-duplicates batches drawn proportionally across training sets, AdamW at 5e-5 with linear
decay after 5 % warm-up, seed 42 — run by sentence-transformers' own trainer, so the same code runs
on one CPU and under ``accelerate launch`` / ``torchrun`` (see :mod:`jobmatch_utils.finetune_run`).
Scale is set by :class:`FinetuneConfig`; :func:`recipe_table` shows the card's value next to
each scaled one.

Three changes make it fast on CPU without changing what the loss computes or which pairs share a batch:

* the guide encodes each distinct training text once (:mod:`jobmatch_utils.guide_cache`);
* each batch's texts are embedded sorted by length, in chunks padded only to their own longest
  text (:mod:`jobmatch_utils.sorted_forward`), so the student computes little padding;
* ``max_seq_length`` is fitted to the longest training title (nothing is truncated).

Length-bucketed batches (:mod:`jobmatch_utils.samplers`) remain an option (``length_grouping``).

Interruptions lose nothing: checkpoints every ``save_steps`` under ``<output>/checkpoints``;
:func:`finetune` resumes from the last one; the final model is written with
:func:`jobmatch_utils.outputs.staged_directory`, so a half-written folder never looks complete.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .budget import budget_callback_class, evaluation_fractions, saved_seconds
from .data import RetrievalSet
from .errors import ParameterError
from .outputs import staged_directory
from .training_data import TrainingSets, to_dataset_dict

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "CARD_RECIPE",
    "FinetuneConfig",
    "FinetuneResult",
    "recipe_table",
    "precision_settings",
    "fit_max_seq_length",
    "build_loss",
    "build_trainer",
    "make_evaluator",
    "last_checkpoint",
    "finetune",
    "save_model",
    "card_style_table",
]

#: The card's training hyperparameters, transcribed.
CARD_RECIPE: dict[str, Any] = {
    "loss": "GISTEmbedLoss", "temperature": 0.01, "margin_strategy": "absolute", "margin": 0.0,
    "learning_rate": 5e-5, "lr_scheduler_type": "linear", "warmup_ratio": 0.05, "seed": 42,
    "per_device_train_batch_size": 128, "gradient_accumulation_steps": 2, "num_train_epochs": 5,
    "max_steps": -1, "fp16": True, "dataloader_num_workers": 4, "batch_sampler": "no_duplicates",
    "multi_dataset_batch_sampler": "proportional", "max_seq_length": 512, "weight_decay": 0.0,
    "max_grad_norm": 1.0, "dataloader_drop_last": True, "eval_batch_size": 128,
    "datasets": "full_en, full_de, full_es, full_zh, mix", "guide": "frozen BertModel, mean pooling",
}


@dataclass
class FinetuneConfig:
    """The knobs of one run (defaults: the card's, scaled to a laptop CPU).

    Attributes:
        batch_size: Pairs per step and device (card 128).
        gradient_accumulation_steps: Card 2.
        max_steps: Steps; 0 = as many as ``time_budget_s`` allows (measured before training).
        time_budget_s: Seconds of training (evaluation excluded); 0 = no limit.
        learning_rate, warmup_ratio, lr_scheduler_type, seed: As the card.
        temperature, margin_strategy, margin: GISTEmbedLoss, as the card.
        max_seq_length: 0 = fitted to the longest training title.
        cached_guide: Encode each distinct text once with the guide (exact; fast).
        chunk_size: Embed each batch's texts sorted by length, in chunks of at most this many, each
            padded only to its own longest text (exact; fast); 0 = one forward per column.
        distinct_occupations: No two pairs of one occupation in a batch (they would be each other's
            false negatives; the guide misses many of them in German and Spanish).
        length_grouping: Length-bucketed no-duplicates batches (changes which pairs share a batch;
            little faster once ``chunk_size`` sorts texts within each batch).
        pool_batches: Batches per length-sorted pool.
        fp16: Ask for fp16; used only where the hardware supports it (a CUDA GPU).
        eval_steps: Evaluate every so many steps; 0 = not during training; -N = N times, evenly spaced.
        save_steps: Checkpoint every so many steps.
        logging_steps: Log the loss every so many steps.
        dataloader_num_workers: Card 4; 0 on a laptop.
        gather_across_devices: Share in-batch negatives across processes (multi-GPU).
    """

    batch_size: int = 128
    gradient_accumulation_steps: int = 1
    max_steps: int = 0
    time_budget_s: float = 600.0
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.05
    lr_scheduler_type: str = "linear"
    seed: int = 42
    temperature: float = 0.01
    margin_strategy: str = "absolute"
    margin: float = 0.0
    max_seq_length: int = 0
    cached_guide: bool = True
    chunk_size: int = 128
    distinct_occupations: bool = False
    length_grouping: bool = False
    pool_batches: int = 64
    fp16: bool = True
    eval_steps: int = 0
    save_steps: int = 100
    logging_steps: int = 10
    dataloader_num_workers: int = 0
    gather_across_devices: bool = False
    num_train_epochs: float = 0.0

    @classmethod
    def card(cls) -> FinetuneConfig:
        """The card's own full-scale values (5 epochs, 128 x 2, fp16, 4 workers): a multi-GPU job."""
        return cls(batch_size=128, gradient_accumulation_steps=2, max_steps=0, time_budget_s=0, num_train_epochs=5,
                   max_seq_length=512, length_grouping=False,
                   chunk_size=0,  # a GPU wants whole batches
                   dataloader_num_workers=4, eval_steps=200,
                   save_steps=200, logging_steps=100)

    @property
    def by_time(self) -> bool:
        """Whether the run is bounded by ``time_budget_s`` (no ``max_steps``, no epochs)."""
        return self.max_steps <= 0 and self.num_train_epochs <= 0 and self.time_budget_s > 0

    def check(self) -> FinetuneConfig:
        """Raise ParameterError for values that cannot work."""
        if self.batch_size < 2:
            raise ParameterError(f"batch_size = {self.batch_size}: GIST needs in-batch negatives",
                                 fix="use a batch_size of 2 or more (the card uses 128)")
        if self.max_steps <= 0 and self.time_budget_s <= 0 and self.num_train_epochs <= 0:
            raise ParameterError("neither max_steps nor time_budget_s is set", fix="set one of them above 0")
        if self.by_time and self.lr_scheduler_type not in ("linear", "constant"):
            raise ParameterError(f"lr_scheduler_type = {self.lr_scheduler_type!r} with a time budget",
                                 fix="use linear or constant (the schedule runs on the budget's clock), or set max_steps")
        if self.margin_strategy not in ("absolute", "relative"):
            raise ParameterError(f"margin_strategy = {self.margin_strategy!r}", fix="use absolute or relative")
        return self


def recipe_table(config: FinetuneConfig, *, max_seq_length: int | None = None, datasets: Sequence[str] = (),
                 fp16_used: bool | None = None) -> pd.DataFrame:
    """The card's value of every knob next to this run's.

    Example (notebook 04):
        >>> recipe_table(FinetuneConfig()).loc["learning_rate", "card"]
        5e-05
    """
    ours = {
        "loss": "GISTEmbedLoss (guide cached)" if config.cached_guide else "GISTEmbedLoss",
        "temperature": config.temperature, "margin_strategy": config.margin_strategy, "margin": config.margin,
        "learning_rate": config.learning_rate, "lr_scheduler_type": config.lr_scheduler_type,
        "warmup_ratio": config.warmup_ratio, "seed": config.seed,
        "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "num_train_epochs": "-", "max_steps": config.max_steps or f"time budget {config.time_budget_s:.0f} s",
        "fp16": config.fp16 if fp16_used is None else fp16_used,
        "dataloader_num_workers": config.dataloader_num_workers,
        "batch_sampler": ", ".join(["no_duplicates"] + ["one pair per occupation"] * config.distinct_occupations
                                   + ["length-bucketed"] * config.length_grouping),
        "multi_dataset_batch_sampler": "proportional",
        "max_seq_length": max_seq_length or config.max_seq_length or "fitted to titles",
        "weight_decay": 0.0, "max_grad_norm": 1.0, "dataloader_drop_last": True, "eval_batch_size": 128,
        "datasets": ", ".join(datasets) or "-", "guide": "frozen (eval mode, no gradients)",
    }
    rows = [{"setting": k, "card": str(v) if isinstance(v, str) else v, "this run": ours[k]}
            for k, v in CARD_RECIPE.items()]
    table = pd.DataFrame(rows).set_index("setting")
    table["this run"] = table["this run"].astype(object)
    table["card"] = table["card"].astype(object)
    return table


def precision_settings(requested_fp16: bool) -> tuple[bool, str]:
    """Whether fp16 is used, and why: only on a CUDA GPU; on CPU it is turned off, and said so.

    Example:
        >>> precision_settings(False)
        (False, 'fp16 not requested: float32')
    """
    if not requested_fp16:
        return False, "fp16 not requested: float32"
    import torch

    if torch.cuda.is_available():
        return True, "fp16 on (CUDA GPU), as the card"
    return False, "fp16 turned off: no CUDA GPU here (CPU training runs in float32); the card used fp16 on GPUs"


def fit_max_seq_length(model: SentenceTransformer, texts: Sequence[str], *, multiple: int = 8) -> int:
    """The longest tokenized text (with special tokens), rounded up to ``multiple``, capped at the model's.

    Example:
        >>> from jobmatch_utils.models import load_model
        >>> fit_max_seq_length(load_model("tiny")[0], ["nurse"])
        8
    """
    distinct = list(dict.fromkeys(texts))
    lengths = model.tokenizer(distinct, add_special_tokens=True, truncation=False)["input_ids"] if distinct else []
    longest = max((len(ids) for ids in lengths), default=2)
    return int(min(model.max_seq_length or 512, math.ceil(longest / multiple) * multiple))


def build_loss(model: SentenceTransformer, guide: SentenceTransformer, config: FinetuneConfig,
               texts: Sequence[str] = ()) -> tuple[Any, Any]:
    """GISTEmbedLoss as the card sets it; with ``cached_guide``, its guide read from a cache of ``texts``.

    Returns:
        ``(loss, cache)``; ``cache`` is None for the live guide.
    """
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    from .guide_cache import CachedGuideGISTEmbedLoss, GuideEmbeddingCache, freeze

    kwargs = {"temperature": config.temperature, "margin_strategy": config.margin_strategy,
              "margin": config.margin, "gather_across_devices": config.gather_across_devices}
    freeze(guide)
    if not config.cached_guide:
        return GISTEmbedLoss(model, guide, **kwargs), None
    cache = GuideEmbeddingCache.cached_build(model, guide, texts)
    return CachedGuideGISTEmbedLoss(model, guide, cache=cache, chunk_size=config.chunk_size, **kwargs), cache


def make_evaluator(validation: Mapping[str, RetrievalSet], *, ks: Sequence[int] = (1, 200)) -> Any:
    """sentence-transformers' InformationRetrievalEvaluator per validation set, run in sequence.

    Metric names are ``full_<code>_cosine_ndcg@200`` and so on, as in the card's training log.
    """
    from sentence_transformers.sentence_transformer.evaluation import (
        InformationRetrievalEvaluator,
        SequentialEvaluator,
    )

    from .retrieval import EVALUATOR_BATCH_SIZE

    evaluators = [InformationRetrievalEvaluator(
        s.queries, s.corpus, s.relevant, name=s.name, accuracy_at_k=list(ks), precision_recall_at_k=list(ks),
        mrr_at_k=list(ks), ndcg_at_k=list(ks), map_at_k=[100], batch_size=EVALUATOR_BATCH_SIZE,
        write_csv=False, show_progress_bar=False) for s in validation.values()]
    return SequentialEvaluator(evaluators)


def last_checkpoint(folder: str | Path) -> Path | None:
    """The highest-numbered complete ``checkpoint-N`` folder under ``folder``, or None."""
    folder = Path(folder)
    found = [p for p in folder.glob("checkpoint-*") if p.is_dir() and (p / "trainer_state.json").exists()
             and p.name.split("-")[-1].isdigit()]
    return max(found, key=lambda p: int(p.name.split("-")[-1])) if found else None


def _time_scheduled(trainer_class: type, clock: Any, warmup_ratio: float, schedule: str) -> type:
    """``trainer_class`` whose learning-rate schedule runs on the budget's clock (see :mod:`.budget`)."""
    from .budget import linear_schedule

    class TimeScheduledTrainer(trainer_class):  # type: ignore[misc, valid-type]
        def create_scheduler(self, num_training_steps: int, optimizer: Any = None) -> Any:
            import torch

            if self.lr_scheduler is None:
                factor = ((lambda _: linear_schedule(clock.fraction(), warmup_ratio)) if schedule == "linear"
                          else (lambda _: 1.0))
                self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer or self.optimizer, factor)
                self._created_lr_scheduler = True
            return self.lr_scheduler

    return TimeScheduledTrainer


#: ``max_steps`` of a run bounded by its time budget (the clock stops it long before).
UNBOUNDED_STEPS = 10**7


def build_trainer(model: SentenceTransformer, loss: Any, sets: TrainingSets, config: FinetuneConfig,
                  output_dir: str | Path, *, max_steps: int, evaluator: Any = None,
                  log_rows: list[dict[str, Any]] | None = None, callbacks: Sequence[Any] = (),
                  clock: Any = None, time_schedule: bool = False) -> Any:
    """sentence-transformers' trainer with the card's arguments at this run's scale.

    Args:
        clock: The budget's clock (:func:`jobmatch_utils.budget.budget_callback_class`); a new one
            without a progress bar when not given.
        time_schedule: The learning rate follows the fraction of the time budget spent, not steps.
    """
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers, MultiDatasetBatchSamplers
    from transformers.trainer_callback import PrinterCallback

    from .samplers import LengthBucketedNoDuplicatesBatchSampler

    fp16, _ = precision_settings(config.fp16)
    sampler: Any = BatchSamplers.NO_DUPLICATES
    pair_groups = sets.pair_occupations() if config.distinct_occupations else {}
    if config.length_grouping or any(pair_groups.values()):
        import functools

        lengths = None
        if config.length_grouping:
            texts = list(dict.fromkeys(t for f in sets.pairs.values() for t in (*f["anchor"], *f["positive"])))
            counts = model.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"] if texts else []
            lengths = {t: len(ids) for t, ids in zip(texts, counts)}
        sampler = functools.partial(LengthBucketedNoDuplicatesBatchSampler, text_lengths=lengths,
                                    pool_batches=config.pool_batches if config.length_grouping else 1,
                                    pair_groups=pair_groups or None)
    eval_steps = config.eval_steps if (evaluator is not None and config.eval_steps > 0) else None
    args = SentenceTransformerTrainingArguments(
        output_dir=str(Path(output_dir)), max_steps=max_steps if max_steps > 0 else -1,
        num_train_epochs=config.num_train_epochs or 1.0, per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=128, gradient_accumulation_steps=config.gradient_accumulation_steps,
        learning_rate=config.learning_rate, lr_scheduler_type=config.lr_scheduler_type,
        warmup_steps=float(config.warmup_ratio), seed=config.seed, fp16=fp16, bf16=False,
        batch_sampler=sampler, multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
        dataloader_drop_last=True, dataloader_num_workers=config.dataloader_num_workers,
        eval_strategy="steps" if eval_steps else "no", eval_steps=eval_steps,
        save_strategy="steps", save_steps=max(1, config.save_steps), save_total_limit=2,
        logging_steps=max(1, config.logging_steps), logging_first_step=True, report_to="none",
        disable_tqdm=clock is not None and clock.bar is not None, ddp_find_unused_parameters=True,
        log_on_each_node=False,
        use_cpu=not _cuda(), dataloader_pin_memory=_cuda(),
        ddp_backend=None if _cuda() or int(os.environ.get("WORLD_SIZE", "1")) < 2 else "gloo")
    if clock is None:
        clock = budget_callback_class()(config.time_budget_s, log_rows if log_rows is not None else [])
    trainer_class: type = SentenceTransformerTrainer
    if time_schedule:
        trainer_class = _time_scheduled(trainer_class, clock, config.warmup_ratio, config.lr_scheduler_type)
    trainer = trainer_class(model=model, args=args, train_dataset=to_dataset_dict(sets), loss=loss,
                            evaluator=evaluator, callbacks=[clock, *callbacks])
    trainer.remove_callback(PrinterCallback)  # the budget's own progress bar replaces tqdm: no raw log dicts
    return trainer


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def feasible_batch_size(model: Any, loss: Any, sets: Any, config: FinetuneConfig, checkpoints: Path) -> int:
    """The configured batch size, halved until the no-duplicates sampler can fill one batch.

    Small data (the bundled sample) has too few distinct titles for 128 pairs without a repeat.

    Raises:
        ParameterError: Not even a batch of 2 pairs can be formed.
    """
    size = config.batch_size
    while size >= 2:
        probe = build_trainer(model, loss, sets, replace(config, batch_size=size), checkpoints, max_steps=1)
        if next(iter(probe.get_train_dataloader()), None) is not None:
            return size
        size //= 2
    raise ParameterError("the training data makes no batch of 2 distinct pairs",
                         fix="add training pairs (datasets) or point data_dir at the real TalentCLEF data")


@dataclass
class FinetuneResult:
    """What a run did."""

    steps: int
    pairs_seen: int
    train_seconds: float
    pairs_per_second: float
    fp16: bool
    fp16_reason: str
    max_seq_length: int
    log: pd.DataFrame
    resumed_from: str | None = None
    guide_texts: int = 0
    guide_retokenized: bool = False
    world_size: int = 1
    notes: list[str] = field(default_factory=list)
    cache: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("log", "cache")}
        return out


def finetune(model: SentenceTransformer, guide: SentenceTransformer, sets: TrainingSets,
             validation: Mapping[str, RetrievalSet], config: FinetuneConfig, work_dir: str | Path, *,
             resume: bool = True, callbacks: Sequence[Any] = (), progress: bool = True) -> FinetuneResult:
    """Fine-tune ``model`` in place with the card's recipe at the scale of ``config``.

    Args:
        model: The student (trained in place).
        guide: The frozen guide (a separate model object, even if it is the same checkpoint).
        sets: Training sets (:func:`jobmatch_utils.training_data.load_training_sets`).
        validation: Sets evaluated during training every ``config.eval_steps`` (may be empty).
        config: The knobs.
        work_dir: Checkpoints go to ``<work_dir>/checkpoints``.
        resume: Continue from the last checkpoint there, if any (with its step count and schedule).
        callbacks: Extra ``transformers.TrainerCallback`` objects (e.g. a progress display).
        progress: With a time budget, show a progress bar over its seconds (else the trainer's over steps).

    With a time budget (``max_steps`` 0), the run trains until the budget is spent and the
    learning-rate schedule runs on the budget's clock (:mod:`jobmatch_utils.budget`), so a busy
    machine gives fewer steps but the same schedule. With ``max_steps`` the run is step-based and
    deterministic.

    Example (notebook 04)::

        result = finetune(model, guide, sets, validation, FinetuneConfig(max_steps=5, time_budget_s=0), "run")
    """
    config.check()
    work_dir = Path(work_dir)
    checkpoints = work_dir / "checkpoints"
    texts = [t for frame in sets.pairs.values() for t in (*frame["anchor"], *frame["positive"])]
    original_length = model.max_seq_length
    fitted = config.max_seq_length or fit_max_seq_length(model, texts)
    model.max_seq_length = fitted
    fp16, reason = precision_settings(config.fp16)
    loss, cache = build_loss(model, guide, config, texts)
    previous = last_checkpoint(checkpoints) if resume else None
    notes: list[str] = []
    if previous is None:
        feasible = feasible_batch_size(model, loss, sets, config, checkpoints)
        if feasible != config.batch_size:
            notes.append(f"batch_size lowered from {config.batch_size} to {feasible}: the training data has too few "
                         "distinct titles for larger batches without duplicates")
            config = replace(config, batch_size=feasible)
    log_rows: list[dict[str, Any]] = []
    by_time, complete = config.by_time, False
    if previous is not None:
        state = json.loads((previous / "trainer_state.json").read_text(encoding="utf-8"))
        max_steps = int(state["max_steps"])
        log_rows.extend(_rows_from_state(state))
        complete = by_time and saved_seconds(previous) >= config.time_budget_s or int(state["global_step"]) >= max_steps
        if complete:
            notes.append(f"the run was already complete at {previous.name}: its weights were loaded, nothing "
                         "was trained (use another output folder to train again)")
    elif not by_time:
        max_steps = config.max_steps
    else:  # no step count: the budget's clock stops the run and drives the schedule
        max_steps = UNBOUNDED_STEPS
    eval_fractions: list[float] = []
    if config.eval_steps < 0 and by_time:
        eval_fractions = evaluation_fractions(-config.eval_steps)
        config = replace(config, eval_steps=0)
    elif config.eval_steps < 0:
        config = replace(config, eval_steps=max(1, max_steps // (1 - config.eval_steps)))
    evaluator = make_evaluator(validation) if validation and (config.eval_steps > 0 or eval_fractions) else None
    offset = saved_seconds(previous)
    clock = budget_callback_class()(config.time_budget_s, log_rows, offset_s=offset, progress=progress and by_time,
                                    eval_fractions=eval_fractions if evaluator is not None else [])
    trainer = build_trainer(model, loss, sets, config, checkpoints, max_steps=max_steps, evaluator=evaluator,
                            log_rows=log_rows, callbacks=callbacks, clock=clock, time_schedule=by_time)
    if previous is not None and complete:  # load the finished weights and state; train no further step
        from transformers import TrainerState

        trainer._load_from_checkpoint(str(previous))
        trainer.state = TrainerState.load_from_json(str(previous / "trainer_state.json"))
    else:
        trainer.train(resume_from_checkpoint=str(previous) if previous is not None else None)
    train_seconds = clock.train_seconds()
    model.max_seq_length = original_length
    model.eval()
    world = trainer.args.world_size
    pairs_per_step = config.batch_size * config.gradient_accumulation_steps * world
    log = pd.DataFrame(log_rows)
    if cache is not None and cache.retokenized:
        notes.append("the guide's tokenizer differs from the student's: it saw text decoded from student tokens")
    return FinetuneResult(
        steps=trainer.state.global_step, pairs_seen=trainer.state.global_step * pairs_per_step,
        train_seconds=round(train_seconds, 2),
        pairs_per_second=round(trainer.state.global_step * pairs_per_step / train_seconds, 2) if train_seconds > 0
        else 0.0,  # the whole run's rate, resumed parts included
        fp16=fp16, fp16_reason=reason, max_seq_length=fitted, log=log,
        resumed_from=str(previous) if previous is not None else None,
        guide_texts=cache.texts if cache is not None else 0,
        guide_retokenized=bool(cache.retokenized) if cache is not None else False, world_size=world, notes=notes,
        cache=cache)


def _rows_from_state(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for entry in state.get("log_history", []):
        rows.append({"step": entry.get("step"), **{k: v for k, v in entry.items()
                                                   if isinstance(v, (int, float)) and k != "step"}})
    return rows


def card_style_table(before: pd.DataFrame, after: pd.DataFrame, *, metrics: Sequence[str] = (
        "accuracy@1", "map@100", "ndcg@200")) -> pd.DataFrame:
    """Before, after and Δ per validation set for a few headline metrics (a model-card-style table)."""
    rows = []
    for name in before.columns:
        for metric in metrics:
            b, a = float(before.loc[metric, name]), float(after.loc[metric, name])
            rows.append({"set": name, "metric": metric, "before": b, "after": a, "Δ": a - b})
    return pd.DataFrame(rows).set_index(["set", "metric"])


def save_model(model: SentenceTransformer, target: str | Path, *, card_table: pd.DataFrame | None = None,
               summary: Mapping[str, Any] | None = None) -> Path:
    """Save the model atomically (complete sentence-transformers folder, or nothing that looks done).

    ``card_table`` is written beside the model as ``<target>_card.md`` (Markdown) and
    ``summary`` inside it as ``finetune.json``.
    """
    target = Path(target)
    with staged_directory(target) as staging:
        model.save(str(staging), create_model_card=False)
        if summary is not None:
            (staging / "finetune.json").write_text(json.dumps(dict(summary), indent=2, default=str) + "\n",
                                                   encoding="utf-8")
    if card_table is not None:
        from .textio import atomic_write_text

        atomic_write_text(target.parent / f"{target.name}_card.md", card_table.round(4).to_markdown() + "\n")
    return target
