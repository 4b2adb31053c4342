"""Figures of the error analysis (notebook 03).

Each function takes and returns a matplotlib ``Axes`` (a new one when ``ax`` is ``None``),
makes one point, is titled and labelled, and sets no global style.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .calibration import ScoreSample

__all__ = ["distribution_by_language", "rule_share_heatmap", "tokenizer_bars", "rbo_by_language",
           "group_heatmap", "score_histogram", "precision_recall_curves", "comparison_scatter"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def _title(ax: Axes, title: str, model_label: str) -> None:
    ax.set_title(f"{title}\n{model_label}" if model_label else title, fontsize=10)


def distribution_by_language(table: pd.DataFrame, column: str, *, ax: Axes | None = None, log: bool = False,
                             title: str = "", ylabel: str = "", model_label: str = "") -> Axes:
    """Box plot of one per-query column per language, with the queries as dots.

    Example (notebook 03):
        >>> t = pd.DataFrame({"language": ["en", "en", "de"], "map@100": [0.2, 0.4, 0.1]})
        >>> distribution_by_language(t, "map@100").get_xlabel()
        'language'
    """
    import seaborn as sns

    ax = _axes(ax, (7, 3.5))
    data = table.dropna(subset=[column])
    order = list(dict.fromkeys(table["language"]))
    sns.boxplot(data=data, x="language", y=column, order=order, ax=ax, color="#cfd8e3", showfliers=False)
    sns.stripplot(data=data, x="language", y=column, order=order, ax=ax, size=2.5, alpha=0.5, color="#1f4e79")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("language")
    ax.set_ylabel(ylabel or column)
    _title(ax, title or f"{column} per query, by language", model_label)
    return ax


def rule_share_heatmap(taxonomy: pd.DataFrame, *, ax: Axes | None = None, model_label: str = "") -> Axes:
    """Share of queries each failure rule flags, language by rule (from :func:`jobmatch_utils.taxonomy.taxonomy_table`).

    Example (notebook 03):
        >>> t = pd.DataFrame({"language": ["de"], "rule": ["gender_mismatch"], "share": [0.5]})
        >>> rule_share_heatmap(t).get_ylabel()
        'failure rule'
    """
    import seaborn as sns

    pivot = taxonomy.pivot(index="rule", columns="language", values="share")
    pivot = pivot.reindex(index=list(dict.fromkeys(taxonomy["rule"])), columns=list(dict.fromkeys(taxonomy["language"])))
    ax = _axes(ax, (1.5 + 1.2 * pivot.shape[1], 0.8 + 0.5 * pivot.shape[0]))
    sns.heatmap(pivot, annot=True, fmt=".0%", vmin=0, vmax=1, cmap="rocket_r", ax=ax,
                cbar_kws={"label": "share of the language's queries"})
    ax.set_xlabel("language")
    ax.set_ylabel("failure rule")
    _title(ax, "Main failure causes: share of queries flagged", model_label)
    return ax


def tokenizer_bars(coverage: pd.DataFrame, *, ax: Axes | None = None, model_label: str = "") -> Axes:
    """Per language: share of [UNK] tokens, share of titles with one, and tokens per character.

    Example (notebook 03):
        >>> c = pd.DataFrame({"[UNK] share": [0.8], "titles with [UNK]": [1.0], "tokens per character": [1.0]},
        ...                  index=pd.Index(["zh"], name="language"))
        >>> tokenizer_bars(c).get_ylabel()
        'share / tokens per character'
    """
    ax = _axes(ax, (7, 3.5))
    coverage[["[UNK] share", "titles with [UNK]", "tokens per character"]].plot.bar(ax=ax, rot=0)
    ax.set_ylim(0, max(1.05, float(coverage["tokens per character"].max()) * 1.1))
    ax.set_xlabel("language")
    ax.set_ylabel("share / tokens per character")
    ax.legend(fontsize=8)
    _title(ax, "Tokenizer coverage of the validation titles", model_label)
    return ax


def rbo_by_language(tables: Mapping[str, pd.DataFrame], *, ax: Axes | None = None, model_label: str = "") -> Axes:
    """RBO between the masculine and the feminine query's ranking, one dot per pair, per language.

    Example (notebook 03):
        >>> rbo_by_language({"de": pd.DataFrame({"rbo": [0.4, 0.6]})}).get_ylabel()
        'RBO (1 = same ranking)'
    """
    frame = pd.concat([t.assign(language=lang)[["language", "rbo"]] for lang, t in tables.items() if len(t)]
                      or [pd.DataFrame({"language": [], "rbo": []})], ignore_index=True)
    ax = distribution_by_language(frame, "rbo", ax=ax, ylabel="RBO (1 = same ranking)",
                                  title="Gender parity: masculine vs feminine query", model_label=model_label)
    ax.set_ylim(0, 1.02)
    return ax


def group_heatmap(groups: pd.DataFrame, metric: str = "map@100", *, ax: Axes | None = None,
                  model_label: str = "") -> Axes:
    """Mean metric per ISCO major group and language (from :func:`jobmatch_utils.isco.metric_by_group`),
    annotated with the number of queries.

    Example (notebook 03):
        >>> g = pd.DataFrame({"language": ["en"], "major_group": ["2"], "group": ["Professionals"], "queries": [3],
        ...                   "map@100": [0.4]})
        >>> group_heatmap(g).get_xlabel()
        'language'
    """
    import seaborn as sns

    labels = groups.assign(label=groups["major_group"] + " " + groups["group"].str.slice(0, 45))
    values = labels.pivot(index="label", columns="language", values=metric)
    counts = labels.pivot(index="label", columns="language", values="queries")
    notes = values.map(lambda v: "" if pd.isna(v) else f"{v:.2f}") + counts.map(
        lambda n: "" if pd.isna(n) else f"\n(n={int(n)})")
    ax = _axes(ax, (2 + 1.3 * values.shape[1], 1 + 0.55 * values.shape[0]))
    sns.heatmap(values, annot=notes, fmt="", vmin=0, vmax=1, cmap="viridis", ax=ax, annot_kws={"fontsize": 7},
                cbar_kws={"label": f"mean {metric}"})
    ax.set_xlabel("language")
    ax.set_ylabel("ISCO-08 major group")
    _title(ax, f"{metric} by occupation group (linked queries only)", model_label)
    return ax


def score_histogram(sample: ScoreSample, *, ax: Axes | None = None, title: str = "Cosine scores",
                    threshold: float | None = None, bins: int = 60) -> Axes:
    """Densities of the cosine scores of relevant and other pairs, with an optional threshold line.

    Example (notebook 03):
        >>> s = ScoreSample(np.array([[0.9, 0.1]]), np.array([[True, False]]), 1)
        >>> score_histogram(s).get_xlabel()
        'cosine similarity'
    """
    ax = _axes(ax, (4, 3))
    valid = np.isfinite(sample.scores)
    scores, labels = sample.scores[valid], sample.relevant[valid]
    edges = np.linspace(min(-0.2, float(scores.min(initial=0))), 1.0, bins + 1)
    for mask, name, color in ((~labels, "other pairs", "#9aa5b1"), (labels, "relevant pairs", "#c0392b")):
        if mask.any():  # np.histogram + stairs: fast for a million pairs
            density, _ = np.histogram(scores[mask], bins=edges, density=True)
            ax.stairs(density, edges, fill=True, alpha=0.6, label=name, color=color)
    if threshold is not None and np.isfinite(threshold):
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label="threshold")
    ax.set_xlabel("cosine similarity")
    ax.set_ylabel("density")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    return ax


def precision_recall_curves(samples: Mapping[str, ScoreSample], *, ax: Axes | None = None, target: float = 0.9,
                            model_label: str = "") -> Axes:
    """Precision against recall as the score threshold falls, one curve per language.

    Example (notebook 03):
        >>> s = ScoreSample(np.array([[0.9, 0.1]]), np.array([[True, False]]), 1)
        >>> precision_recall_curves({"en": s}).get_ylabel()
        'precision'
    """
    from sklearn.metrics import precision_recall_curve

    ax = _axes(ax, (5, 3.5))
    for language, sample in samples.items():
        valid = np.isfinite(sample.scores)
        if not sample.relevant[valid].any():
            continue
        precision, recall, _ = precision_recall_curve(sample.relevant[valid], sample.scores[valid])
        recall = recall * sample.relevant.sum() / max(sample.n_relevant_total, 1)
        ax.plot(recall, precision, label=language)
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"{target:.0%} precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall (share of relevant pairs kept)")
    ax.set_ylabel("precision")
    ax.legend(fontsize=8)
    _title(ax, "What a score threshold buys", model_label)
    return ax


def comparison_scatter(per_query: pd.DataFrame, label_a: str, label_b: str, *, ax: Axes | None = None,
                       title: str = "", metric: str = "") -> Axes:
    """One dot per query: its metric under A (x) and B (y); above the diagonal, B is better.

    Example (notebook 03):
        >>> t = pd.DataFrame({"A": [0.2, 0.5], "B": [0.4, 0.3]})
        >>> comparison_scatter(t, "A", "B").get_xlabel()
        'A'
    """
    ax = _axes(ax, (3.5, 3.5))
    ax.scatter(per_query[label_a], per_query[label_b], s=8, alpha=0.6)
    ax.plot([0, 1], [0, 1], color="black", linewidth=0.8, linestyle="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"{label_a} ({metric})" if metric else label_a)
    ax.set_ylabel(f"{label_b} ({metric})" if metric else label_b)
    ax.set_title(title or f"{label_b} vs {label_a}, per query", fontsize=10)
    return ax
