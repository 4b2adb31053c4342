"""A training time budget: the clock, the learning-rate schedule on it, evaluation points, progress, resume.

With ``time_budget_s`` a run trains for that many seconds, evaluation excluded, whatever the speed
of the machine. A step count fixed in advance from a timing would be wrong as soon as the load on the
machine changes (a probe taken while another job ran gave a third of the steps the budget allowed),
so the card's linear schedule — warm-up over the first ``warmup_ratio``, then linear decay — runs on
the *fraction of the budget spent* instead of on steps: the learning rate reaches 0 when the budget
ends, however many steps that took. Evaluations during training fall at even fractions of the budget.

The seconds spent are saved in every checkpoint (``budget.json``), so a resumed run continues the
clock, the schedule and the evaluation points where they stopped.

In a multi-process run every process reads the main process's clock (one broadcast a step): a
process that stopped on its own clock would leave the others waiting in a collective forever, and
processes with slightly different learning rates would train different weights.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

__all__ = ["linear_schedule", "evaluation_fractions", "BUDGET_FILE", "saved_seconds", "shared_value",
           "budget_callback_class"]

#: Seconds of training spent, written into every checkpoint.
BUDGET_FILE = "budget.json"


def linear_schedule(fraction: float, warmup_ratio: float) -> float:
    """The learning-rate factor after ``fraction`` of the budget: linear warm-up, then linear decay to 0.

    The card's ``linear`` schedule with ``warmup_ratio``, on time instead of steps.

    Example:
        >>> [round(linear_schedule(f, 0.05), 3) for f in (0.0, 0.025, 0.05, 0.525, 1.0, 1.2)]
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    if warmup_ratio > 0 and fraction < warmup_ratio:
        return max(0.0, fraction / warmup_ratio)
    return max(0.0, (1.0 - fraction) / max(1e-12, 1.0 - warmup_ratio))


def evaluation_fractions(times: int) -> list[float]:
    """``times`` evaluation points evenly inside the budget (the end is evaluated anyway).

    Example:
        >>> evaluation_fractions(2)
        [0.3333333333333333, 0.6666666666666666]
    """
    return [k / (times + 1) for k in range(1, max(0, times) + 1)]


def saved_seconds(checkpoint: str | Path | None) -> float:
    """Training seconds spent up to ``checkpoint`` (0 when none, or when it predates the budget file)."""
    if checkpoint is None:
        return 0.0
    path = Path(checkpoint) / BUDGET_FILE
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["train_seconds"])
    except (OSError, ValueError, KeyError):
        return 0.0


def shared_value(value: float) -> float:
    """``value`` as the main process has it, in a multi-process run; ``value`` itself otherwise.

    Example:
        >>> shared_value(2.5)
        2.5
    """
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return value
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.broadcast(tensor, src=0)
    return float(tensor.item())


def budget_callback_class() -> type:
    """The ``transformers.TrainerCallback`` that keeps the clock (imported lazily: transformers is heavy)."""
    from transformers import TrainerCallback

    class BudgetClock(TrainerCallback):
        """Time spent training (evaluation excluded); stops, evaluates, logs and saves by it.

        Args:
            budget_s: Seconds of training; 0 = no limit (the clock still runs, for the report).
            log_rows: Every logged record is appended here with ``step`` and ``train_seconds``.
            offset_s: Seconds already spent (a resumed run).
            eval_fractions: Fractions of the budget after which to evaluate.
            progress: Show a progress bar over the budget's seconds.
        """

        def __init__(self, budget_s: float, log_rows: list[dict[str, Any]], *, offset_s: float = 0.0,
                     eval_fractions: list[float] | None = None, progress: bool = False) -> None:
            self.budget_s, self.log_rows, self.offset_s = float(budget_s), log_rows, float(offset_s)
            self.pending = [f for f in (eval_fractions or []) if f * self.budget_s > self.offset_s]
            self.start = time.perf_counter()
            self.spent = self.offset_s  # the (shared) clock at the end of the last step
            self.eval_seconds = 0.0
            self._eval_started: float | None = None
            self.bar: Any = None
            if progress and self.budget_s > 0:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=round(self.budget_s), initial=round(min(self.offset_s, self.budget_s)),
                                desc="training budget", unit="s")

        def train_seconds(self) -> float:
            running = time.perf_counter() - self.start - self.eval_seconds
            if self._eval_started is not None:
                running -= time.perf_counter() - self._eval_started
            return self.offset_s + running

        def fraction(self) -> float:
            """Share of the budget spent now, as the main process has it (every process calls this in step)."""
            self.spent = shared_value(self.train_seconds())
            return self.spent / self.budget_s if self.budget_s > 0 else 0.0

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            spent = self.spent = shared_value(self.train_seconds())
            if self.bar is not None:
                self.bar.n = round(min(spent, self.budget_s))
                self.bar.set_postfix(step=state.global_step, refresh=False)
                self.bar.refresh()
            if self.budget_s > 0 and spent >= self.budget_s:
                control.should_training_stop = True
                control.should_save = True
            if self.pending and spent >= self.pending[0] * self.budget_s:
                self.pending.pop(0)
                control.should_evaluate = True
            if control.should_evaluate:
                self._eval_started = time.perf_counter()
            return control

        def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if self._eval_started is not None:
                self.eval_seconds += time.perf_counter() - self._eval_started
                self._eval_started = None
            return control

        def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> Any:
            if logs and state.is_world_process_zero:
                self.log_rows.append({"step": state.global_step, "train_seconds": round(self.train_seconds(), 2),
                                      **{k: v for k, v in logs.items() if isinstance(v, (int, float))}})
            return control

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if state.is_world_process_zero and folder.is_dir():
                (folder / BUDGET_FILE).write_text(json.dumps({"train_seconds": self.train_seconds()}) + "\n",
                                                  encoding="utf-8")
            return control

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if self.bar is not None:
                self.bar.n = round(min(self.train_seconds(), self.budget_s))
                self.bar.close()
                # a saved notebook keeps a progress widget's first state: say where it ended in plain text
                print(f"training budget: {self.train_seconds():.0f} of {self.budget_s:.0f} s spent, "
                      f"{state.global_step} steps")
            return control

    return BudgetClock
