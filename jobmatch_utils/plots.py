"""Figures: each takes and returns a matplotlib ``Axes``, makes one point, sets no global style."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["similarity_heatmap", "metric_bars", "metric_at_k_curves"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def similarity_heatmap(similarities: np.ndarray, labels: Sequence[str], *, ax: Axes | None = None,
                       title: str = "Cosine similarity", columns: Sequence[str] | None = None) -> Axes:
    """Annotated heatmap of a similarity matrix (rows ``labels``, columns ``columns`` or ``labels``).

    Example (notebook 01):
        >>> ax = similarity_heatmap(np.eye(2), ["a", "b"])
        >>> ax.get_title()
        'Cosine similarity'
    """
    import seaborn as sns

    columns = list(columns) if columns is not None else list(labels)
    matrix = np.asarray(similarities, dtype=float)
    ax = _axes(ax, (1.2 + 1.1 * len(columns), 0.8 + 0.7 * len(labels)))
    sns.heatmap(matrix, annot=True, fmt=".2f", vmin=min(0.0, matrix.min()), vmax=1.0, cmap="viridis",
                xticklabels=columns, yticklabels=list(labels), cbar_kws={"label": "cosine similarity"}, ax=ax)
    ax.set_title(title)
    ax.set_xlabel("title")
    ax.set_ylabel("title")
    ax.tick_params(axis="x", rotation=30)
    ax.tick_params(axis="y", rotation=0)
    return ax


def metric_bars(table: pd.DataFrame, metrics: Sequence[str], *, ax: Axes | None = None,
                title: str = "Retrieval quality per language", model_label: str = "") -> Axes:
    """Grouped bars: one group per row of ``table`` (e.g. language), one bar per metric column."""
    ax = _axes(ax, (7, 3.5))
    table[list(metrics)].plot.bar(ax=ax, rot=0)
    ax.set_ylim(0, 1)
    ax.set_ylabel("score (0–1)")
    ax.set_xlabel(table.index.name or "")
    ax.set_title(f"{title}\n{model_label}" if model_label else title, fontsize=10)
    ax.legend(title="metric", fontsize=8)
    return ax


def metric_at_k_curves(ours: pd.DataFrame, card: pd.DataFrame | None = None, *, metric: str = "ndcg",
                       ax: Axes | None = None, model_label: str = "") -> Axes:
    """metric@k against k, one line per set for the loaded model, the card's reported points as markers.

    ``ours`` and ``card`` are card-format tables (rows ``metric@k``, columns sets).
    """
    import matplotlib.pyplot as plt

    ax = _axes(ax, (7, 4))
    rows = [i for i in ours.index if i.startswith(f"{metric}@")]
    ks = [int(r.split("@")[1]) for r in rows]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for colour, name in zip(colours, ours.columns):
        ax.plot(ks, ours.loc[rows, name].to_numpy(), "-", color=colour, label=f"{name} (loaded)")
        if card is not None and name in card.columns:
            ax.plot(ks, card.loc[rows, name].to_numpy(), "o", color=colour, mfc="none", label=f"{name} (card, JobBGE)")
    ax.set_xlabel("cut-off k (titles)")
    ax.set_ylabel(f"{metric}@k")
    ax.set_ylim(0, 1)
    ax.set_title(f"{metric}@k per language" + (f"\n{model_label}" if model_label else ""), fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    return ax
