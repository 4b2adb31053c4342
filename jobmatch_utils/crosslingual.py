"""Cross-lingual retrieval sets built from ESCO, mixed-language training pairs, encoding cost.

A direction ``source→target`` (e.g. ``en→es``) is a retrieval set in TalentCLEF layout:

* **queries** — ESCO labels of the source language: the preferred label of every occupation
  (``queries="preferred"``) or every preferred and alternative label (``"all"``), one query per
  distinct text, optionally a seeded sample of them;
* **corpus** — every label (preferred + alternative) of the target language, one entry per
  distinct text;
* **relevant** — the target-language labels of the occupations (``conceptUri``) the query
  belongs to. A source text can be a label of several occupations (ESCO has a few hundred such
  texts, e.g. Spanish preferred labels shared by two occupations). The kit keeps **one query per
  text** and counts as relevant the target labels of **every** occupation that carries that text
  among its source-language labels, preferred or alternative: the text alone cannot say which
  occupation was meant. ``build.json`` counts such queries.

Chinese is not in ESCO: directions with ``zh`` come from the bundled sample
(``data/sample/crosslingual/en-zh``, ``zh-en``) or a folder of your own in the same layout;
:func:`available_crosslingual_sets` lists both kinds (notebook 02).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import DataFormatError, ParameterError
from .languages import language_code

# pandas, the data layer and ESCO are imported where they are used, so that adding the
# ``crosslingual`` sub-command to ``jobmatch`` costs nothing at start-up (``jobmatch info`` stays fast)
if TYPE_CHECKING:
    import pandas as pd
    from sentence_transformers import SentenceTransformer

    from .cache import EmbeddingCache
    from .data import DataSource, RetrievalSet
    from .esco import Occupation
    from .retrieval import Ranking

__all__ = [
    "ESCO_LANGUAGES",
    "ESCO_DIRECTIONS",
    "QuerySelection",
    "CrosslingualBuild",
    "EncodingCost",
    "parse_direction",
    "direction_key",
    "direction_name",
    "load_esco_languages",
    "build_crosslingual_set",
    "write_crosslingual_set",
    "build_directions",
    "available_crosslingual_sets",
    "load_crosslingual_sets",
    "describe_sets",
    "mix_training_pairs",
    "encoding_cost",
    "rank_directions",
    "add_crosslingual_command",
    "cmd_crosslingual",
]

#: The languages ESCO publishes that the kit uses (ESCO has no Chinese).
ESCO_LANGUAGES: tuple[str, ...] = ("en", "de", "es")
#: The six directions ESCO gives.
ESCO_DIRECTIONS: tuple[tuple[str, str], ...] = (("en", "es"), ("en", "de"), ("es", "en"), ("de", "en"),
                                                ("es", "de"), ("de", "es"))
QuerySelection = Literal["preferred", "all"]
_SET_FILES = ("queries", "corpus_elements", "qrels.tsv")


def parse_direction(text: str | tuple[str, str]) -> tuple[str, str]:
    """Parse ``"en-es"``, ``"en→es"``, ``"en>es"`` or ``("en", "es")`` into two language codes.

    Raises:
        ParameterError: Not two known, different languages.

    Example:
        >>> parse_direction("EN→es"), parse_direction("german-english")
        (('en', 'es'), ('de', 'en'))
    """
    if isinstance(text, str):
        parts = text.replace("→", "-").replace(">", "-").split("-")
    else:
        parts = list(text)
    if len(parts) != 2:
        raise ParameterError(f"direction '{text}' is not source-target",
                             fix="write a direction as two language codes, e.g. en-es")
    source, target = language_code(parts[0]), language_code(parts[1])
    if source == target:
        raise ParameterError(f"direction '{text}' has the same language twice",
                             fix="a cross-lingual set needs two different languages, e.g. en-es")
    return source, target


def direction_key(source: str, target: str) -> str:
    """Folder name of a direction: ``en-es``."""
    return f"{language_code(source)}-{language_code(target)}"


def direction_name(source: str, target: str) -> str:
    """Display name (and set name) of a direction: ``en→es``."""
    return f"{language_code(source)}→{language_code(target)}"


def _check_esco_language(code: str) -> str:
    code = language_code(code)
    if code not in ESCO_LANGUAGES:
        raise ParameterError(f"ESCO has no {code} labels",
                             fix="use en, de or es; for zh use data/sample/crosslingual/en-zh or zh-en, "
                                 "or a set of your own in TalentCLEF layout")
    return code


def load_esco_languages(esco: str | Path | None, languages: Iterable[str] = ESCO_LANGUAGES
                        ) -> dict[str, list[Occupation]]:
    """Read ``occupations_<code>.csv`` once per language: ``{code: [Occupation, ...]}``."""
    from .esco import load_esco_occupations

    return {code: load_esco_occupations(esco, code) for code in dict.fromkeys(map(_check_esco_language, languages))}


@dataclass
class CrosslingualBuild:
    """A built direction: the set, what ``build.json`` records, and the occupations behind each id.

    Attributes:
        retrieval_set: The set (name ``en→es``; ids are strings).
        info: The provenance and counts written to ``build.json``.
        query_uris: ``{q_id: (conceptUri, ...)}`` — occupations carrying the query text.
        corpus_uris: ``{c_id: (conceptUri, ...)}`` — occupations carrying the corpus text.
    """

    retrieval_set: RetrievalSet
    info: dict[str, Any]
    query_uris: dict[str, tuple[str, ...]]
    corpus_uris: dict[str, tuple[str, ...]]


def _labels_by_text(occupations: Sequence[Occupation], *, preferred_only: bool) -> dict[str, list[str]]:
    """``{label text: [uri, ...]}`` in file order (first appearance)."""
    result: dict[str, list[str]] = {}
    for o in occupations:
        for label in (o.preferred_label,) if preferred_only else o.labels:
            uris = result.setdefault(label, [])
            if o.uri not in uris:
                uris.append(o.uri)
    return result


def _file_facts(esco: DataSource, code: str) -> dict[str, Any]:
    from .esco import esco_path

    path = esco_path(esco.root, code)
    raw = path.read_bytes()
    return {"file": path.name, "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


def build_crosslingual_set(
    esco: str | Path | None = None,
    source: str = "en",
    target: str = "es",
    *,
    queries: QuerySelection = "preferred",
    max_queries: int = 0,
    seed: int = 0,
    min_relevant: int = 1,
    occupations: Mapping[str, Sequence[Occupation]] | None = None,
) -> CrosslingualBuild:
    """Build one ESCO direction in memory (see the module docstring for the rules).

    Query ids are positions (from 1) among all candidate queries in ESCO file order, before the
    ``min_relevant`` filter and the sample, so a query keeps its id whatever the sample size.

    Args:
        esco: ESCO folder; ``None`` resolves it (argument, ``JOBMATCH_ESCO``, bundled sample).
        source: Query language (``en``, ``de``, ``es``).
        target: Corpus language.
        queries: ``"preferred"`` (one per occupation) or ``"all"`` (every distinct label).
        max_queries: Keep a seeded random sample of this many queries (file order kept); 0 = all.
        seed: Seed of the sample.
        min_relevant: Drop queries with fewer relevant corpus titles (applied before sampling).
        occupations: Already loaded occupations ``{code: [...]}`` (saves re-reading the CSVs).

    Raises:
        ParameterError: Unknown or equal languages, zh, a bad option value.
        DataNotFoundError: The ESCO folder or a CSV is missing.
        DataFormatError: A malformed CSV, or no query left.

    Example (notebook 02):
        >>> build = build_crosslingual_set(None, "en", "es")
        >>> build.retrieval_set.name, len(build.retrieval_set.relevant) == len(build.retrieval_set.queries)
        ('en→es', True)
    """
    from .data import RetrievalSet, resolve_esco
    from .esco import load_esco_occupations

    source, target = parse_direction((source, target))
    source, target = _check_esco_language(source), _check_esco_language(target)
    if queries not in ("preferred", "all"):
        raise ParameterError(f"queries = {queries!r} is not an option", fix="use 'preferred' or 'all'")
    if max_queries < 0 or min_relevant < 1:
        raise ParameterError(f"max_queries = {max_queries}, min_relevant = {min_relevant} out of range",
                             fix="use max_queries ≥ 0 (0 = all) and min_relevant ≥ 1")
    root = resolve_esco(esco)
    loaded = dict(occupations or {})
    for code in (source, target):
        if code not in loaded:
            loaded[code] = load_esco_occupations(root.root, code)

    corpus_texts = _labels_by_text(loaded[target], preferred_only=False)
    corpus = {str(i): text for i, text in enumerate(corpus_texts, start=1)}
    corpus_uris = {cid: tuple(corpus_texts[text]) for cid, text in corpus.items()}
    docs_of_uri: dict[str, list[str]] = {}
    for cid, uris in corpus_uris.items():
        for uri in uris:
            docs_of_uri.setdefault(uri, []).append(cid)

    carriers = _labels_by_text(loaded[source], preferred_only=False)  # every occupation carrying a text
    candidates = list(_labels_by_text(loaded[source], preferred_only=queries == "preferred"))
    kept: list[tuple[str, str, tuple[str, ...], list[str]]] = []
    for position, text in enumerate(candidates, start=1):
        uris = tuple(carriers[text])
        docs = sorted({cid for uri in uris for cid in docs_of_uri.get(uri, [])}, key=int)
        if len(docs) >= min_relevant:
            kept.append((str(position), text, uris, docs))
    if not kept:
        raise DataFormatError(f"no {source} query has {min_relevant} or more {target} titles",
                              file=root.root, fix="lower min_relevant or check the ESCO files")
    chosen = kept
    if max_queries and len(kept) > max_queries:
        picked = sorted(random.Random(seed).sample(range(len(kept)), max_queries))
        chosen = [kept[i] for i in picked]

    name = direction_name(source, target)
    retrieval_set = RetrievalSet(
        name=name, queries={qid: text for qid, text, _, _ in chosen}, corpus=corpus,
        qrels={qid: dict.fromkeys(docs, 1) for qid, _, _, docs in chosen},
        query_language=source, corpus_language=target, source=f"ESCO {root.describe()}")
    info = {
        "kind": "jobmatch cross-lingual set", "direction": name, "source": source, "target": target,
        "built_from": "ESCO", "esco": root.describe(),
        "esco_files": {code: _file_facts(root, code) for code in (source, target)},
        "options": {"queries": queries, "max_queries": max_queries, "seed": seed, "min_relevant": min_relevant},
        "rules": {
            "queries": f"{'preferred labels' if queries == 'preferred' else 'preferred and alternative labels'} "
                       f"of the {source} occupations, one query per distinct text",
            "corpus": f"every {target} label (preferred and alternative), one entry per distinct text",
            "relevant": f"{target} labels of every occupation carrying the query text among its {source} labels",
            "sample": "seeded random sample of the queries left after min_relevant, file order kept",
        },
        "counts": {
            "occupations_source": len(loaded[source]), "occupations_target": len(loaded[target]),
            "candidate_queries": len(candidates),
            "dropped_below_min_relevant": len(candidates) - len(kept),
            "queries": len(chosen), "corpus": len(corpus),
            "relevant_pairs": sum(len(docs) for *_, docs in chosen),
            "queries_of_several_occupations": sum(len(uris) > 1 for _, _, uris, _ in chosen),
            "queries_identical_to_a_relevant_title": sum(
                text in {corpus[c] for c in docs} for _, text, _, docs in chosen),
        },
    }
    return CrosslingualBuild(retrieval_set, info, {qid: uris for qid, _, uris, _ in chosen}, corpus_uris)


def write_crosslingual_set(build: CrosslingualBuild, out: str | Path) -> Path:
    """Write ``queries``, ``corpus_elements``, ``qrels.tsv`` and ``build.json`` into ``out`` (atomically).

    The folder then loads with :func:`jobmatch_utils.data.load_retrieval_set` and every tool of
    the kit (``jobmatch search``, ``jobmatch evaluate``) reads it unchanged.

    Example:
        >>> import tempfile
        >>> folder = write_crosslingual_set(build_crosslingual_set(None, "de", "en"), tempfile.mkdtemp())
        >>> sorted(p.name for p in folder.iterdir())
        ['build.json', 'corpus_elements', 'qrels.tsv', 'queries']
    """
    from .textio import atomic_write_text

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataFormatError("output path is a file", file=out, fix="name a folder for the set")
    s = build.retrieval_set
    atomic_write_text(out / "queries", "q_id\tjobtitle\n" + "".join(f"{q}\t{t}\n" for q, t in s.queries.items()))
    atomic_write_text(out / "corpus_elements", "c_id\tjobtitle\n" + "".join(f"{c}\t{t}\n" for c, t in s.corpus.items()))
    atomic_write_text(out / "qrels.tsv", "".join(f"{q}\t0\t{c}\t{r}\n" for q, judged in s.qrels.items()
                                                 for c, r in judged.items()))
    atomic_write_text(out / "build.json", json.dumps(build.info, indent=2, ensure_ascii=False) + "\n")
    return out


def build_directions(
    esco: str | Path | None,
    directions: Iterable[str | tuple[str, str]],
    out: str | Path,
    **options: Any,
) -> dict[str, Path]:
    """Build and write several ESCO directions into ``out/<source>-<target>/`` (CSVs read once).

    ``options`` go to :func:`build_crosslingual_set`. Directions involving ``zh`` are skipped
    (ESCO has none); :func:`available_crosslingual_sets` adds the sample's.

    Example (notebook 02):
        >>> import tempfile
        >>> sorted(build_directions(None, ["en-es", "en-zh"], tempfile.mkdtemp()))
        ['en-es']
    """
    pairs = [parse_direction(d) for d in directions]
    esco_pairs = [(s, t) for s, t in pairs if s in ESCO_LANGUAGES and t in ESCO_LANGUAGES]
    occupations = load_esco_languages(esco, [code for pair in esco_pairs for code in pair])
    written = {}
    for source, target in dict.fromkeys(esco_pairs):
        build = build_crosslingual_set(esco, source, target, occupations=occupations, **options)
        written[direction_key(source, target)] = write_crosslingual_set(build, Path(out) / direction_key(source, target))
    return written


def _direction_of_folder(folder: Path) -> tuple[str, str] | None:
    info_path = folder / "build.json"
    try:
        if info_path.is_file():
            info = json.loads(info_path.read_text(encoding="utf-8"))
            return parse_direction((info["source"], info["target"]))
        return parse_direction(folder.name)
    except (ParameterError, KeyError, TypeError, ValueError):
        return None


def available_crosslingual_sets(*folders: str | Path | None, sample: bool = True) -> dict[str, Path]:
    """Cross-lingual sets found in ``folders`` (one sub-folder per direction), then the sample's.

    A sub-folder counts when it holds ``queries``, ``corpus_elements`` and ``qrels.tsv`` and its
    ``build.json`` or its name (``en-zh``) gives the direction. The first folder holding a
    direction wins; the bundled sample (``data/sample/crosslingual``) fills in the rest — its
    ``en-zh`` and ``zh-en`` are the kit's Chinese directions.

    Example (notebook 02):
        >>> sorted(available_crosslingual_sets())
        ['en-de', 'en-es', 'en-zh', 'zh-en']
    """
    from .data import SAMPLE_ROOT

    roots = [Path(f) for f in folders if f not in (None, "")]
    if sample:
        roots.append(SAMPLE_ROOT / "crosslingual")
    found: dict[str, Path] = {}
    for root in roots:
        for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
            pair = _direction_of_folder(folder)
            if pair and all((folder / f).is_file() for f in _SET_FILES):
                found.setdefault(direction_key(*pair), folder)
    return found


def load_crosslingual_sets(available: Mapping[str, Path], directions: Iterable[str | tuple[str, str]]
                           ) -> dict[str, RetrievalSet]:
    """Load the requested directions (keys ``en-es``; set names ``en→es``) from :func:`available_crosslingual_sets`.

    Raises:
        ParameterError: A requested direction is not available.
    """
    from .data import load_retrieval_set

    sets = {}
    for direction in directions:
        source, target = parse_direction(direction)
        key = direction_key(source, target)
        if key not in available:
            raise ParameterError(f"no cross-lingual set for {direction_name(source, target)}",
                                 fix=f"available: {', '.join(available) or 'none'}; build ESCO directions with "
                                     "jobmatch crosslingual, or add a folder in TalentCLEF layout")
        sets[key] = load_retrieval_set(available[key], name=direction_name(source, target),
                                       query_language=source, corpus_language=target)
    return sets


def describe_sets(sets: Mapping[str, RetrievalSet]) -> pd.DataFrame:
    """One row per direction: queries, corpus titles, relevant pairs, and what it was built from.

    ``queries of several occupations`` (from ``build.json``; empty for sets without one) counts
    queries whose text is a label of more than one occupation.

    Example (notebook 02):
        >>> sets = load_crosslingual_sets(available_crosslingual_sets(), ["zh-en"])
        >>> describe_sets(sets).loc["zh→en", "built from"]
        'bundled sample'
    """
    import pandas as pd

    rows = []
    for s in sets.values():
        info_path = Path(s.source) / "build.json"
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
        built = info.get("built_from", "your folder")
        built = "bundled sample" if "data/sample" in str(built) else built
        shared = info.get("counts", {}).get("queries_of_several_occupations")
        rows.append({"direction": s.name, **{k: v for k, v in s.summary().items() if k != "set"},
                     "queries of several occupations": shared, "built from": built})
    frame = pd.DataFrame(rows).set_index("direction")
    frame["queries of several occupations"] = frame["queries of several occupations"].astype("Int64")
    return frame


def mix_training_pairs(
    esco: str | Path | None = None,
    *,
    languages: Sequence[str] = ("de", "es"),
    anchor_language: str = "en",
    pairs_per_occupation: int = 4,
    seed: int = 0,
    exclude_uris: Collection[str] = (),
    occupations: Mapping[str, Sequence[Occupation]] | None = None,
) -> pd.DataFrame:
    """Mixed-language training pairs: an English label and a de/es label of the same occupation.

    The shape of the card's ``mix`` training set (anchor English, positive another language; its
    exact construction is not published, and ESCO has no Chinese). For each occupation and
    language, ``pairs_per_occupation`` (anchor, positive) label pairs are drawn without
    replacement from all pairs, with a generator seeded by ``seed``, the occupation and the
    language — so adding or excluding occupations leaves the others' pairs unchanged. Pairs whose
    two texts are equal ignoring case are skipped (nothing to learn).

    Args:
        esco: ESCO folder (resolved as usual).
        languages: Positive languages (``de``, ``es``).
        anchor_language: Anchor language (default ``en``).
        pairs_per_occupation: Pairs per occupation and language (fewer if it has fewer).
        seed: Seed of the draw.
        exclude_uris: Occupations to leave out (e.g. those of an evaluation set).
        occupations: Already loaded occupations ``{code: [...]}``.

    Returns:
        Columns ``anchor, positive, language, esco_uri, isco_group`` (strings), ordered by
        occupation (ESCO file order), then language.

    Example:
        >>> mix_training_pairs(None, pairs_per_occupation=1).columns.tolist()
        ['anchor', 'positive', 'language', 'esco_uri', 'isco_group']
    """
    import pandas as pd

    from .esco import load_esco_occupations

    if pairs_per_occupation < 1:
        raise ParameterError(f"pairs_per_occupation = {pairs_per_occupation}", fix="use 1 or more")
    anchor_language = _check_esco_language(anchor_language)
    codes = [_check_esco_language(c) for c in languages]
    loaded = dict(occupations or {})
    for code in (anchor_language, *codes):
        if code not in loaded:
            loaded[code] = load_esco_occupations(esco, code)
    by_uri = {code: {o.uri: o for o in loaded[code]} for code in codes}
    excluded = set(exclude_uris)
    rows = []
    for anchor_occ in loaded[anchor_language]:
        if anchor_occ.uri in excluded:
            continue
        for code in codes:
            other = by_uri[code].get(anchor_occ.uri)
            if other is None:
                continue
            pairs = [(a, p) for a in anchor_occ.labels for p in other.labels if a.casefold() != p.casefold()]
            rng = random.Random(f"{seed}:{anchor_occ.uri}:{code}")
            for a, p in rng.sample(pairs, min(pairs_per_occupation, len(pairs))):
                rows.append((a, p, code, anchor_occ.uri, anchor_occ.isco_group))
    return pd.DataFrame(rows, columns=["anchor", "positive", "language", "esco_uri", "isco_group"], dtype=object)


@dataclass(frozen=True)
class EncodingCost:
    """How many titles a set of directions holds, and how many distinct texts it needs encoded.

    Attributes:
        directions: Number of sets.
        total_titles: Σ over sets of (queries + corpus titles): the cost of encoding each set apart.
        distinct_titles: Distinct texts over all sets: the cost with ``encoding="distinct"``.
    """

    directions: int
    total_titles: int
    distinct_titles: int

    @property
    def saved(self) -> float:
        """Share of encodings saved by encoding each distinct text once."""
        return 1 - self.distinct_titles / self.total_titles if self.total_titles else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"directions": self.directions, "total_titles": self.total_titles,
                "distinct_titles": self.distinct_titles, "saved": round(self.saved, 4)}


def encoding_cost(sets: Mapping[str, RetrievalSet]) -> EncodingCost:
    """Distinct titles vs total titles across directions (see :class:`EncodingCost`).

    Example (notebook 02):
        >>> from jobmatch_utils.data import load_retrieval_set, SAMPLE_ROOT
        >>> sets = {k: load_retrieval_set(SAMPLE_ROOT / "crosslingual" / k) for k in ("en-zh", "zh-en")}
        >>> cost = encoding_cost(sets)
        >>> cost.distinct_titles < cost.total_titles
        True
    """
    texts = [t for s in sets.values() for t in (*s.queries.values(), *s.corpus.values())]
    return EncodingCost(len(sets), len(texts), len(set(texts)))


def rank_directions(model: SentenceTransformer, sets: Mapping[str, RetrievalSet], *, top_k: int = 500,
                    cache: EmbeddingCache | bool = True) -> dict[str, Ranking]:
    """Rank every direction, encoding each distinct title once across all of them.

    Every distinct title of all sets is first encoded in one call into one embedding cache
    (:func:`jobmatch_utils.retrieval.encode`); then :func:`jobmatch_utils.retrieval.rank_set`
    with ``encoding="distinct"`` ranks each set from that cache. The cost is
    :attr:`EncodingCost.distinct_titles`, not the total (``cache=False`` encodes each set apart).

    Example (notebook 02):
        >>> from jobmatch_utils.models import load_model
        >>> model, _ = load_model("tiny")
        >>> sets = load_crosslingual_sets(available_crosslingual_sets(), ["en-zh"])
        >>> rank_directions(model, sets, top_k=3)["en-zh"].depth
        3
    """
    from .cache import EmbeddingCache, model_fingerprint
    from .retrieval import encode, rank_set

    store = EmbeddingCache(model_fingerprint(model)) if cache is True else cache
    if isinstance(store, EmbeddingCache):
        # one call for all distinct titles; it also leaves the cache non-empty, which rank_set needs
        # to use it at all (it treats an empty cache as no cache)
        distinct = dict.fromkeys(t for s in sets.values() for t in (*s.queries.values(), *s.corpus.values()))
        encode(model, list(distinct), cache=store)
    else:
        store = False
    return {key: rank_set(model, s, top_k=top_k, cache=store, encoding="distinct") for key, s in sets.items()}


def add_crosslingual_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``jobmatch crosslingual`` to an ``argparse`` sub-parser collection (sets ``func``).

    Example:
        >>> parser = argparse.ArgumentParser(prog="jobmatch")
        >>> _ = add_crosslingual_command(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["crosslingual", "--source", "en", "--target", "de", "--out", "x"]).queries
        'preferred'
    """
    command = subparsers.add_parser(
        "crosslingual", help="build a cross-lingual retrieval set (source → target) from ESCO",
        description="Queries: source-language ESCO labels; corpus: every target-language label; "
                    "relevant: target labels of the same occupation. Writes TalentCLEF layout plus build.json.")
    command.add_argument("--esco", help="ESCO folder with occupations_<code>.csv (default: JOBMATCH_ESCO or the sample)")
    command.add_argument("--source", required=True, help="query language: en, de or es")
    command.add_argument("--target", required=True, help="corpus language: en, de or es")
    command.add_argument("--out", required=True, help="folder to write the set into, e.g. sets/en-es")
    command.add_argument("--queries", choices=["preferred", "all"], default="preferred",
                         help="preferred labels only (one per occupation) or all labels (default preferred)")
    command.add_argument("--max-queries", type=int, default=0, help="seeded sample of N queries (default 0 = all)")
    command.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    command.add_argument("--min-relevant", type=int, default=1,
                         help="drop queries with fewer relevant titles (default 1)")
    command.set_defaults(func=cmd_crosslingual)
    return command


def cmd_crosslingual(args: argparse.Namespace) -> int:
    """Build and write one direction; print its counts. Bad input raises the kit's errors."""
    build = build_crosslingual_set(args.esco, args.source, args.target, queries=args.queries,
                                   max_queries=args.max_queries, seed=args.seed, min_relevant=args.min_relevant)
    out = write_crosslingual_set(build, args.out)
    counts = build.info["counts"]
    print(f"{build.retrieval_set.name}: {counts['queries']} queries (of {counts['candidate_queries']} "
          f"{args.queries} {build.info['source']} labels), {counts['corpus']} corpus titles, "
          f"{counts['relevant_pairs']} relevant pairs; {counts['queries_of_several_occupations']} queries "
          f"belong to several occupations")
    print(f"ESCO: {build.info['esco']}")
    print(f"wrote {out}/ (queries, corpus_elements, qrels.tsv, build.json)")
    return 0
