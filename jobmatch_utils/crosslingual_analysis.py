"""Notebook 02's analysis of cross-lingual matching: metrics per direction, examples, a 2-D title map,
the card's ``mix_*`` reference numbers, and the two figures that go with them.

The sets and their encoding live in :mod:`jobmatch_utils.crosslingual`; this module reads
rankings and embeddings and turns them into tables and figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .data import RetrievalSet
from .errors import ParameterError
from .esco import Occupation
from .evaluation import card_table
from .retrieval import Ranking

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CROSSLINGUAL_USAGE_EXAMPLE",
    "CARD_MIX_PAIRS",
    "drawable",
    "example_labels",
    "same_meaning_similarity",
    "direction_metrics",
    "direction_examples",
    "map_titles",
    "project_2d",
    "neighbour_agreement",
    "load_card_mix_metrics",
    "consistent_query_counts",
    "compare_with_card_mix",
    "metric_heatmap",
    "title_map",
    "crosslingual_summary",
]

#: The card's usage example (three German titles) with English, Spanish and Chinese translations:
#: ``(title, language, meaning)``.
CROSSLINGUAL_USAGE_EXAMPLE: tuple[tuple[str, str, str], ...] = (
    ("Volksvertreter", "de", "member of parliament"),
    ("Parlamentarier", "de", "member of parliament"),
    ("Oberbürgermeister", "de", "mayor"),
    ("member of parliament", "en", "member of parliament"),
    ("mayor", "en", "mayor"),
    ("diputado", "es", "member of parliament"),
    ("alcalde", "es", "mayor"),
    ("议员", "zh", "member of parliament"),
    ("市长", "zh", "mayor"),
)
#: The card's reported ``mix_*`` columns, transcribed (``metric, mix_es, mix_de, mix_zh``).
#: Which kit direction is shown next to which card set (the card does not say how its sets were built).
CARD_MIX_PAIRS: dict[str, str] = {"mix_es": "en→es", "mix_de": "en→de", "mix_zh": "en→zh"}


def _charmap(font_path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(font_path).get_charmap())


_CHARMAPS: dict[str, frozenset[int]] = {}


def drawable(text: str, fallback: str) -> str:
    """``text`` when matplotlib's default font has a glyph for every character, else ``fallback``.

    Without a font for Chinese, matplotlib draws empty boxes and warns once per character; the
    figures of notebook 02 label such titles by their meaning instead.

    Example:
        >>> drawable("nurse", "?")
        'nurse'
    """
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties())
    if path not in _CHARMAPS:
        _CHARMAPS[path] = _charmap(path)
    charmap = _CHARMAPS[path]
    return text if all(ord(c) in charmap or c.isspace() for c in text) else fallback


def example_labels(example: pd.DataFrame) -> list[str]:
    """Axis labels ``title (language)`` for :data:`CROSSLINGUAL_USAGE_EXAMPLE` rows; ``[zh] meaning`` without a font.

    Example (notebook 02):
        >>> example_labels(pd.DataFrame([("nurse", "en", "nurse")], columns=["title", "language", "meaning"]))
        ['nurse (en)']
    """
    return [drawable(f"{t} ({lang})", f"[{lang}] {meaning}")
            for t, lang, meaning in zip(example["title"], example["language"], example["meaning"])]


def same_meaning_similarity(similarities: np.ndarray, meanings: Sequence[str], languages: Sequence[str]
                            ) -> dict[str, float]:
    """Mean cosine similarity of title pairs in *different* languages: same meaning vs different meaning.

    Example (notebook 02):
        >>> same_meaning_similarity(np.array([[1, .8, .1], [.8, 1, .2], [.1, .2, 1]]), ["a", "a", "b"], ["en", "de", "de"])
        {'same meaning': 0.8, 'different meaning': 0.1}
    """
    sims = np.asarray(similarities, dtype=float)
    same, different = [], []
    for i in range(len(meanings)):
        for j in range(i + 1, len(meanings)):
            if languages[i] != languages[j]:
                (same if meanings[i] == meanings[j] else different).append(sims[i, j])
    return {"same meaning": float(np.mean(same)) if same else float("nan"),
            "different meaning": float(np.mean(different)) if different else float("nan")}


def direction_metrics(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking]) -> pd.DataFrame:
    """One row per direction: ``direction, queries, corpus`` and the card's metrics (``accuracy@1`` … ``map@500``).

    The metrics are :func:`jobmatch_utils.evaluation.card_table`'s (the card's protocol).
    """
    table = card_table(sets, rankings).T
    table.insert(0, "corpus", [len(s.corpus) for s in sets.values()])
    table.insert(0, "queries", [len(s.queries) for s in sets.values()])
    table.index.name = "direction"
    return table


def direction_examples(sets: Mapping[str, RetrievalSet], rankings: Mapping[str, Ranking], *, n: int = 2,
                       k: int = 3) -> pd.DataFrame:
    """Per direction, the first ``n`` successes (a correct title at rank 1) and failures (none in the top ``k``).

    Columns: ``direction, outcome, query, top-k`` (``✓`` marks a correct title), ``first correct rank``
    (0 when beyond the ranking's depth), ``missed correct titles`` (correct titles outside the top ``k``).
    """
    rows = []
    for key, s in sets.items():
        ranking, relevant = rankings[key], s.relevant
        found = {"success": 0, "failure": 0}
        for row, qid in enumerate(ranking.query_ids):
            docs = relevant.get(qid, set())
            ranked = ranking.doc_ids(row)
            outcome = "success" if ranked and ranked[0] in docs else (
                "failure" if docs and not docs & set(ranked[:k]) else None)
            if not outcome or found[outcome] >= n:
                continue
            found[outcome] += 1
            first = next((i for i, cid in enumerate(ranked, start=1) if cid in docs), 0)
            position = {cid: i for i, cid in enumerate(ranked)}
            missed = [s.corpus[c] for c in sorted(docs - set(ranked[:k]), key=lambda c: (position.get(c, len(ranked)), c))]
            rows.append({"direction": s.name, "outcome": outcome, "query": s.queries[qid],
                         f"top-{k}": " | ".join(("✓ " if c in docs else "") + s.corpus[c] for c in ranked[:k]),
                         "first correct rank": first,
                         "missed correct titles": "; ".join(missed[:3]) + (f" (+{len(missed) - 3} more)"
                                                                          if len(missed) > 3 else "")})
            if all(v >= n for v in found.values()):
                break
    return pd.DataFrame(rows)


def map_titles(occupations: Mapping[str, Sequence[Occupation]], names: Sequence[str], *,
               languages: Sequence[str] = ("en", "es", "de", "zh"), max_titles: int = 4) -> pd.DataFrame:
    """Titles of a few occupations in several languages, for the 2-D map.

    Occupations are picked by their English ESCO preferred label; each language contributes its
    first ``max_titles`` labels (preferred first). ESCO has no Chinese: ``zh`` titles come from the
    kit's sample (``data/sample/occupations.json``) for occupations whose first English title is the
    same name. Names not found are listed in ``frame.attrs["missing"]``.

    Returns:
        Columns ``occupation, language, title, source``.

    Raises:
        ParameterError: None of the names is an English preferred label.
    """
    from .sample import load_sample_occupations

    english = {o.preferred_label: o for o in occupations.get("en", [])}
    sample = {o.titles["en"][0]: o for o in load_sample_occupations()}
    rows, missing = [], []
    for name in names:
        if name not in english:
            missing.append(name)
            continue
        uri = english[name].uri
        for code in languages:
            if code == "zh":
                titles = sample[name].titles["zh"] if name in sample else []
                source = "kit sample"
            else:
                titles = next((o.labels for o in occupations.get(code, []) if o.uri == uri), ())
                source = "ESCO"
            rows += [{"occupation": name, "language": code, "title": t, "source": source}
                     for t in titles[:max_titles]]
    if not rows:
        raise ParameterError(f"none of {list(names)} is an English ESCO preferred label",
                             fix="name occupations by their English preferred label, e.g. software developer")
    frame = pd.DataFrame(rows)
    frame.attrs["missing"] = missing
    return frame


def project_2d(vectors: np.ndarray, *, method: Literal["pca", "tsne"] = "pca", seed: int = 0) -> np.ndarray:
    """Project vectors to 2-D with scikit-learn's PCA or t-SNE (seeded).

    Example:
        >>> project_2d(np.eye(4)).shape
        (4, 2)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(vectors)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30, max(2, len(vectors) - 1) / 3))
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(vectors)
    raise ParameterError(f"projection {method!r} is unknown", fix="use 'pca' or 'tsne'")


def neighbour_agreement(vectors: np.ndarray, occupation: Sequence[str], language: Sequence[str]) -> dict[str, float]:
    """For each title, its nearest other title (cosine, full dimension): same occupation? same language?

    Returns the shares ``same occupation``, ``same language``, and ``same occupation, other language``.

    Example (notebook 02):
        >>> v = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]])
        >>> neighbour_agreement(v, ["a", "a", "b", "b"], ["en", "de", "en", "de"])["same occupation"]
        1.0
    """
    v = np.asarray(vectors, dtype=np.float64)
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    nearest = sims.argmax(axis=1)
    occ, lang = np.asarray(occupation), np.asarray(language)
    same_occ, same_lang = occ[nearest] == occ, lang[nearest] == lang
    return {"same occupation": float(same_occ.mean()), "same language": float(same_lang.mean()),
            "same occupation, other language": float((same_occ & ~same_lang).mean())}


def load_card_mix_metrics() -> pd.DataFrame:
    """The card's ``mix_es``, ``mix_de``, ``mix_zh`` columns (JobBGE's numbers), index ``metric``.

    Read from ``data/reference/card_metrics.csv`` (see :func:`jobmatch_utils.reference.load_card_metrics`).

    Example (notebook 02):
        >>> load_card_mix_metrics().loc["map@100", "mix_es"]
        np.float64(0.436)
    """
    from .reference import load_card_metrics

    return load_card_metrics()[["mix_es", "mix_de", "mix_zh"]]


def consistent_query_counts(accuracies: Sequence[float], *, low: int = 100, high: int = 5000) -> list[int]:
    """Query counts N for which every accuracy value is a whole count over N (rounded to 4 decimals).

    Accuracy@k is the share of queries with a hit, so ``v = h / N``; the card prints 4 decimals.

    Example (notebook 02):
        >>> consistent_query_counts([0.6571, 0.9905], low=100, high=200)
        [105]
    """
    return [n for n in range(low, high + 1)
            if all(abs(round(round(v * n) / n, 4) - round(v, 4)) < 1e-9 for v in accuracies)]


def compare_with_card_mix(metrics: pd.DataFrame, metric_names: Sequence[str], *,
                          pairs: Mapping[str, str] = CARD_MIX_PAIRS, card: pd.DataFrame | None = None) -> pd.DataFrame:
    """The card's ``mix_*`` values (JobBGE) next to the loaded model's value on the paired kit direction.

    Args:
        metrics: :func:`direction_metrics` (rows ``en→es`` …).
        metric_names: Metrics to show, e.g. ``["accuracy@1", "map@100"]``.
        pairs: Card set → kit direction; pairs whose direction was not run are left out.
        card: The card's table (default :func:`load_card_mix_metrics`).
    """
    card = load_card_mix_metrics() if card is None else card
    columns = {}
    for card_set, direction in pairs.items():
        if direction in metrics.index:
            columns[f"card {card_set} (JobBGE)"] = card.loc[list(metric_names), card_set]
            columns[f"kit {direction} (loaded model)"] = metrics.loc[direction, list(metric_names)].astype(float)
    table = pd.DataFrame(columns)
    table.index.name = "metric"
    return table


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def metric_heatmap(metrics: pd.DataFrame, metric_names: Sequence[str], *, ax: Axes | None = None,
                   title: str = "Cross-lingual retrieval per direction", model_label: str = "") -> Axes:
    """Heatmap direction × metric (annotated, 0–1). Takes and returns a matplotlib ``Axes``.

    Example (notebook 02):
        >>> table = pd.DataFrame({"map@100": [0.5, 0.2]}, index=pd.Index(["en→es", "es→en"], name="direction"))
        >>> metric_heatmap(table, ["map@100"]).get_xlabel()
        'metric'
    """
    import seaborn as sns

    data = metrics[list(metric_names)].astype(float)
    ax = _axes(ax, (1.6 + 1.0 * len(metric_names), 1.0 + 0.45 * len(data)))
    sns.heatmap(data, annot=True, fmt=".2f", vmin=0.0, vmax=1.0, cmap="viridis", ax=ax,
                cbar_kws={"label": "score (0–1)"})
    ax.set_title(f"{title}\n{model_label}" if model_label else title, fontsize=10)
    ax.set_xlabel("metric")
    ax.set_ylabel("direction (query language → corpus language)")
    ax.tick_params(axis="x", rotation=30)
    ax.tick_params(axis="y", rotation=0)
    return ax


def title_map(coordinates: np.ndarray, titles: pd.DataFrame, *, ax: Axes | None = None,
              title: str = "Job titles in 2-D", model_label: str = "", method: str = "PCA",
              annotate: Literal["first", "all", "none"] = "first") -> Axes:
    """Scatter of titles: colour = language, marker = occupation (``titles`` from :func:`map_titles`).

    ``annotate="first"`` writes the first title of each occupation and language next to its point.

    Example (notebook 02):
        >>> frame = pd.DataFrame({"occupation": ["a", "b"], "language": ["en", "de"], "title": ["x", "y"]})
        >>> title_map(np.zeros((2, 2)), frame).get_ylabel()
        'PCA component 2'
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    ax = _axes(ax, (9, 6))
    coordinates = np.asarray(coordinates)
    languages = list(dict.fromkeys(titles["language"]))
    occupations = list(dict.fromkeys(titles["occupation"]))
    colours = dict(zip(languages, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    markers = dict(zip(occupations, "osD^vP*Xhp<>"))
    first = ~titles.duplicated(["occupation", "language"]).to_numpy()
    for i, ((x, y), language, occupation) in enumerate(zip(coordinates, titles["language"], titles["occupation"])):
        ax.scatter(x, y, color=colours[language], marker=markers[occupation], s=70 if first[i] else 40, alpha=0.8)
        text = drawable(titles["title"].iloc[i], "")  # a title the font cannot draw keeps only its marker
        text = text if len(text) <= 30 else text[:29] + "…"
        if text and (annotate == "all" or (annotate == "first" and first[i])):
            ax.annotate(text, (x, y), fontsize=7, xytext=(4, 3), textcoords="offset points")
    colour_legend = ax.legend(handles=[Line2D([], [], color=colours[lang], marker="o", ls="", label=lang)
                                       for lang in languages], title="language (colour)", fontsize=8,
                              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.add_artist(colour_legend)
    ax.legend(handles=[Line2D([], [], color="grey", marker=markers[o], ls="", label=o) for o in occupations],
              title="occupation (marker)", fontsize=8, loc="lower left", bbox_to_anchor=(1.01, 0.0))
    ax.set_xlabel(f"{method} component 1")
    ax.set_ylabel(f"{method} component 2")
    ax.set_title(f"{title}\n{model_label}" if model_label else title, fontsize=10)
    return ax


def crosslingual_summary(sets: Mapping[str, RetrievalSet], metrics: pd.DataFrame, *, model: Mapping[str, Any],
                         encoding: Mapping[str, Any], esco: str = "") -> dict[str, Any]:
    """The payload of notebook 02's ``crosslingual_summary.json``.

    Keys: ``model`` (``ModelInfo.to_dict()``, with its ``label``), ``esco``, ``directions`` (one
    entry per direction: ``direction``, ``folder``, ``built from``, ``queries``, ``corpus``,
    ``map@100``) and ``encoding`` (:meth:`EncodingCost.to_dict`).
    """
    from .crosslingual import describe_sets

    built = describe_sets(sets)["built from"]
    rows = [{"direction": s.name, "folder": s.source, "built from": built[s.name], "queries": len(s.queries),
             "corpus": len(s.corpus), "map@100": float(metrics.loc[s.name, "map@100"])} for s in sets.values()]
    return {"model": dict(model), "esco": esco, "directions": rows, "encoding": dict(encoding)}
