"""Occupation groups: link job titles to ESCO occupations and ISCO-08 groups, and score each group.

The TalentCLEF validation files carry no occupation ids, so a title is linked by an **exact**
label match (case-insensitive, white space folded, Unicode NFC) against the labels of that
language: ESCO's preferred and alternative labels (``occupations_<code>.csv``, with the
masculine and feminine readings of combined labels such as ``Lehrer/Lehrerin``) and the
TalentCLEF training titles (``family_id`` gives the ISCO group). A query that is not an ESCO
label can still be placed through its relevant titles: when more than half of its linked
relevant titles (at least two) share one ISCO major group. ESCO has no Chinese, so Chinese titles stay unlinked.
Coverage is reported, never hidden. Taught in notebook 03.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .data import RetrievalSet, load_training_pairs, training_pairs_path
from .errors import DataNotFoundError
from .esco import esco_path, load_esco_occupations, load_isco_groups
from .gender import expand_gender_variants
from .languages import language_code
from .sample import ISCO_MAJOR_GROUPS
from .titletext import fold_title

__all__ = ["LINK_METHODS", "esco_label_index", "link_title", "link_queries", "linking_coverage",
           "major_group_names", "metric_by_group"]

LINK_METHODS = ("query label", "relevant titles", "ambiguous", "not found", "no ESCO labels")


def esco_label_index(esco_root: str | Path | None, language: str, *,
                     talentclef_root: str | Path | None = None) -> dict[str, set[str]]:
    """Folded label → the ISCO-08 unit groups of the occupations that carry it, for one language.

    Sources: ESCO ``occupations_<code>.csv`` (when present) and the TalentCLEF training TSV of
    that language (when ``talentclef_root`` holds one). Returns ``{}`` when neither exists (Chinese).

    Example (notebook 03):
        >>> index = esco_label_index(None, "de")
        >>> sorted(index["lehrerin"])
        ['2330']
    """
    code = language_code(language)
    index: dict[str, set[str]] = {}

    def add(label: str, group: str) -> None:
        if label and group:
            index.setdefault(fold_title(label), set()).add(group)

    try:
        occupations = load_esco_occupations(esco_root, code) if esco_path(esco_root, code).is_file() else []
    except DataNotFoundError:
        occupations = []
    for occupation in occupations:
        for label in occupation.labels:
            add(label, occupation.isco_group)
            variants = expand_gender_variants(label, code)
            for reading in (variants.masculine, variants.feminine):
                add(reading or "", occupation.isco_group)
    if talentclef_root is not None and training_pairs_path(talentclef_root, code).is_file():
        pairs = load_training_pairs(talentclef_root, code)
        for family, first, second in zip(pairs["family_id"], pairs["anchor"], pairs["positive"]):
            group = family.rstrip("/").rsplit("/", 1)[-1].lstrip("C")
            add(first, group)
            add(second, group)
    return index


def link_title(title: str, index: Mapping[str, set[str]]) -> tuple[str, str]:
    """``(unit group, major group)`` of a title by exact label match; ``("", "")`` when not found.

    A label shared by occupations of different major groups gives ``("", "ambiguous")``; one
    shared within a major group gives the major group and an empty unit group.

    Example:
        >>> link_title("Nurse", {"nurse": {"2221"}}), link_title("x", {})
        (('2221', '2'), ('', ''))
    """
    groups = index.get(fold_title(title))
    if not groups:
        return "", ""
    majors = {g[:1] for g in groups}
    if len(majors) > 1:
        return "", "ambiguous"
    return (next(iter(groups)) if len(groups) == 1 else ""), majors.pop()


def link_queries(sets: Mapping[str, RetrievalSet], esco_root: str | Path | None, *,
                 talentclef_root: str | Path | None = None, via_relevant: bool = True,
                 min_linked: int = 2) -> pd.DataFrame:
    """Link every judged query to an ISCO group; one row per (language, query).

    A query is linked by its own label when it is one; otherwise (``via_relevant``) by its
    relevant titles, when at least ``min_linked`` of them are linked and more than half of
    those share one major group.

    Columns: ``language``, ``q_id``, ``query``, ``isco_group`` (unit group, may be empty),
    ``major_group`` and ``link`` — one of :data:`LINK_METHODS`.

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> links = link_queries(load_validation_sets(None, ["en", "zh"]), None)
        >>> sorted(links["link"].unique())
        ['no ESCO labels', 'query label']
    """
    rows = []
    for language, s in sets.items():
        index = esco_label_index(esco_root, language, talentclef_root=talentclef_root)
        for qid in (q for q in s.queries if q in s.relevant):
            unit, major = link_title(s.queries[qid], index)
            method = "query label" if major and major != "ambiguous" else "ambiguous" if major else "not found"
            if not index:
                method = "no ESCO labels"
            elif method != "query label" and via_relevant:
                linked = [m for m in (link_title(s.corpus[c], index)[1] for c in s.relevant[qid])
                          if m and m != "ambiguous"]
                votes = Counter(linked)
                if len(linked) >= min_linked:
                    best, count = votes.most_common(1)[0]
                    if count > len(linked) / 2:
                        unit, major, method = "", best, "relevant titles"
            if method not in ("query label", "relevant titles"):
                unit, major = "", ""
            rows.append({"language": language, "q_id": qid, "query": s.queries[qid], "isco_group": unit,
                         "major_group": major, "link": method})
    return pd.DataFrame(rows, columns=["language", "q_id", "query", "isco_group", "major_group", "link"])


def linking_coverage(links: pd.DataFrame) -> pd.DataFrame:
    """How many queries each linking route placed, per language, and the share placed in all.

    Example:
        >>> t = pd.DataFrame({"language": ["de", "de"], "link": ["query label", "not found"]})
        >>> float(linking_coverage(t).loc["de", "coverage"])
        0.5
    """
    table = pd.crosstab(links["language"], links["link"]).reindex(columns=list(LINK_METHODS), fill_value=0)
    table = table.reindex(list(dict.fromkeys(links["language"])))
    table.columns.name = None
    table.insert(0, "queries", table.sum(axis=1))
    table["coverage"] = (table["query label"] + table["relevant titles"]) / table["queries"]
    return table


def major_group_names(esco_root: str | Path | None = None) -> dict[str, str]:
    """ISCO-08 major group code → name, from ``ISCOGroups_en.csv`` when present, else the standard's names.

    Example:
        >>> major_group_names()["2"]
        'Professionals'
    """
    try:
        names = {code: name for code, name in load_isco_groups(esco_root).items() if len(code) == 1}
    except DataNotFoundError:
        names = {}
    return names or dict(ISCO_MAJOR_GROUPS)


def metric_by_group(errors: pd.DataFrame, links: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                    metric: str = "map@100", min_queries: int = 1) -> pd.DataFrame:
    """Mean metric per language and ISCO major group, over the linked queries.

    Example (notebook 03):
        >>> e = pd.DataFrame({"language": ["en", "en"], "q_id": ["1", "2"], "map@100": [0.2, 0.6]})
        >>> l = pd.DataFrame({"language": ["en", "en"], "q_id": ["1", "2"], "major_group": ["2", "2"]})
        >>> float(metric_by_group(e, l)["map@100"].iloc[0])
        0.4
    """
    names = dict(names or ISCO_MAJOR_GROUPS)
    joined = errors.merge(links[["language", "q_id", "major_group"]], on=["language", "q_id"])
    joined = joined[joined["major_group"].astype(bool)]
    table = (joined.groupby(["language", "major_group"], sort=True)[metric].agg(["size", "mean"])
             .rename(columns={"size": "queries", "mean": metric}).reset_index())
    table.insert(2, "group", [names.get(g, g) for g in table["major_group"]])
    return table[table["queries"] >= min_queries].reset_index(drop=True)
