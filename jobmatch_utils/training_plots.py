"""Figures of a fine-tune (notebook 04): each takes and returns a matplotlib ``Axes`` and sets no global style."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

__all__ = ["loss_curve", "metric_curve", "delta_bars"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def loss_curve(log: pd.DataFrame, *, ax: Axes | None = None, model_label: str = "") -> Axes:
    """Training loss per logged step.

    Example (notebook 04):
        >>> loss_curve(pd.DataFrame({"step": [1, 2], "loss": [2.0, 1.0]})).get_ylabel()
        'GIST loss (cross-entropy)'
    """
    ax = _axes(ax, (6, 3.5))
    rows = log.dropna(subset=["loss"]) if "loss" in log else log.iloc[0:0]
    ax.plot(rows.get("step", []), rows.get("loss", []), marker=".", label="training loss")
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("GIST loss (cross-entropy)")
    ax.set_title(f"Training loss\n{model_label}" if model_label else "Training loss", fontsize=10)
    ax.legend(fontsize=8)
    return ax


def metric_curve(log: pd.DataFrame, before: dict[str, float], *, metric: str = "ndcg@200",
                 ax: Axes | None = None, model_label: str = "") -> Axes:
    """A validation metric during training, one line per set; step 0 is the untuned model."""
    ax = _axes(ax, (6, 3.5))
    for name, start in before.items():
        column = f"{name}_cosine_{metric}"
        points = log.dropna(subset=[column])[["step", column]] if column in log else pd.DataFrame()
        steps = [0, *points.get("step", pd.Series(dtype=float)).tolist()]
        values = [start, *points.get(column, pd.Series(dtype=float)).tolist()]
        ax.plot(steps, values, marker="o", label=name)
    ax.set_xlabel("optimiser step")
    ax.set_ylabel(f"validation {metric}")
    title = f"Validation {metric} during training"
    ax.set_title(f"{title}\n{model_label}" if model_label else title, fontsize=10)
    ax.legend(title="set", fontsize=8)
    return ax


def delta_bars(deltas: pd.DataFrame, *, ax: Axes | None = None, metric: str = "ndcg@200") -> Axes:
    """Change of one metric per validation set (after − before)."""
    ax = _axes(ax, (5, 3))
    colours = ["tab:blue" if v >= 0 else "tab:red" for v in deltas["Δ"]]
    ax.bar(deltas.index.astype(str), deltas["Δ"], color=colours)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("validation set")
    ax.set_ylabel(f"Δ {metric} (after − before)")
    ax.set_title(f"What fine-tuning changed: {metric}", fontsize=10)
    return ax
