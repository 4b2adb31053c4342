"""Training pairs for the GISTEmbed fine-tune (notebook 04): the card's training sets, kept clean.

The card trains on ``full_en``, ``full_de``, ``full_es``, ``full_zh`` and ``mix``. The kit builds
what is available:

* ``full_<code>`` — TalentCLEF training pairs (``training/<language>/taskA_training_<code>.tsv``);
  for English, when that file is absent, pairs of ESCO English labels of the same occupation
  (:func:`esco_pairs`);
* ``mix`` — an English ESCO label with a German or Spanish label of the same occupation
  (:func:`jobmatch_utils.crosslingual.mix_training_pairs`).

Three rules keep what is learned honest:

1. **Exactly two text columns, in order** (:func:`pin_columns`): the TalentCLEF files carry
   ``family_id`` and ``esco_id`` too. sentence-transformers reads columns *by position*, so a
   leftover id column silently becomes the anchor; and its no-duplicates sampler compares every
   column, so a constant column (one ISCO family) allows batches of one row, on which the GIST loss
   is exactly 0.
2. **Nothing from the validation sets** (:func:`exclude_validation`): a pair is dropped when its
   anchor or positive (compared case-insensitively) is a validation query or corpus title of that
   text's language.
3. **No empty or self pairs**: pairs whose two texts are equal ignoring case teach nothing.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .data import RetrievalSet, load_training_pairs, training_pairs_path
from .errors import DataFormatError, ParameterError
from .languages import language_code

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict
    from transformers import PreTrainedTokenizerBase

__all__ = [
    "TEXT_COLUMNS",
    "CARD_DATASETS",
    "CARD_SIZES",
    "TrainingSets",
    "pin_columns",
    "check_pair_columns",
    "esco_pairs",
    "exclude_validation",
    "load_training_sets",
    "to_dataset_dict",
    "unk_rates",
]

#: The two columns the loss reads, in order.
TEXT_COLUMNS: tuple[str, str] = ("anchor", "positive")
#: The card's training sets.
CARD_DATASETS: tuple[str, ...] = ("full_en", "full_de", "full_es", "full_zh", "mix")
#: Their sizes as the card reports them.
CARD_SIZES: dict[str, int] = {"full_en": 28_880, "full_de": 23_023, "full_es": 20_724, "full_zh": 30_401,
                              "mix": 21_760}


def pin_columns(frame: pd.DataFrame, *, where: str = "training pairs") -> pd.DataFrame:
    """Keep exactly ``anchor, positive`` (in that order) as strings; drop every other column.

    Args:
        frame: Pairs with at least the columns ``anchor`` and ``positive``.
        where: Named in the error message.

    Raises:
        DataFormatError: A text column is missing or holds an empty value.

    Example:
        >>> f = pd.DataFrame({"family_id": ["C1"], "anchor": ["nurse"], "positive": ["RN"]})
        >>> pin_columns(f).columns.tolist()
        ['anchor', 'positive']
    """
    missing = [c for c in TEXT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataFormatError(f"no column(s) {', '.join(missing)} in {where} (columns: {list(frame.columns)})",
                              file=where, fix="name the two text columns anchor and positive")
    pinned = frame.loc[:, list(TEXT_COLUMNS)].astype(str).reset_index(drop=True)
    empty = (pinned["anchor"].str.strip() == "") | (pinned["positive"].str.strip() == "")
    if empty.any():
        raise DataFormatError(f"{int(empty.sum())} pair(s) with an empty text in {where}", file=where,
                              line=int(empty.idxmax()) + 1, fix="fill in both titles or drop those rows")
    return pinned


def check_pair_columns(dataset: Any, *, name: str = "train") -> None:
    """Refuse a dataset whose columns are not exactly ``anchor, positive`` (the loss's inputs).

    Raises:
        ParameterError: Any other column list; the message says which columns to drop.

    Example:
        >>> check_pair_columns(pd.DataFrame({"anchor": ["a"], "positive": ["b"]}))
    """
    columns = list(getattr(dataset, "column_names", None) or list(dataset.columns))
    if columns != list(TEXT_COLUMNS):
        extra = [c for c in columns if c not in TEXT_COLUMNS]
        raise ParameterError(
            f"dataset '{name}' has columns {columns}; the loss reads columns by position, so it must have "
            f"exactly {list(TEXT_COLUMNS)}", file=name,
            fix=f"drop {extra or 'nothing'} and order the columns as anchor, positive (pin_columns does both)")


def esco_pairs(occupations: Sequence[Any], *, pairs_per_occupation: int = 10, seed: int = 42,
               language: str = "en") -> pd.DataFrame:
    """Pairs of labels of the same ESCO occupation (an English stand-in for TalentCLEF's ``full_en``).

    Every (preferred, alternative) pair comes first, then other label pairs, up to
    ``pairs_per_occupation`` per occupation, drawn with a generator seeded per occupation.

    Returns:
        Columns ``anchor, positive, language, esco_uri``.

    Example:
        >>> from jobmatch_utils.esco import load_esco_occupations
        >>> esco_pairs(load_esco_occupations(None, "en"), pairs_per_occupation=2).shape[1]
        4
    """
    rows = []
    for occ in occupations:
        labels = list(occ.labels)
        first = [(labels[0], alt) for alt in labels[1:]]
        rest = [(a, b) for i, a in enumerate(labels[1:], 1) for b in labels[i + 1:]]
        rng = random.Random(f"{seed}:{occ.uri}")
        rng.shuffle(first)
        rng.shuffle(rest)
        for a, b in (first + rest)[:pairs_per_occupation]:
            if a.casefold() != b.casefold():
                rows.append((a, b, language, occ.uri))
    return pd.DataFrame(rows, columns=["anchor", "positive", "language", "esco_uri"], dtype=object)


def exclude_validation(frame: pd.DataFrame, validation: Mapping[str, RetrievalSet], *,
                       anchor_language: str, positive_language: str | pd.Series) -> tuple[pd.DataFrame, int]:
    """Drop pairs whose anchor or positive is a validation title (query or corpus) of any language.

    Any language, not only the pair's own: loanwords (``chef``, ``manager``) are the same string in
    several validation sets, and a title seen in training is a title seen, whatever its label.

    Args:
        frame: Pairs with ``anchor`` and ``positive``.
        validation: Validation sets keyed by language code.
        anchor_language: Language of the anchors.
        positive_language: Language of the positives: one code, or one per row (``mix``).

    Returns:
        The kept pairs and the number dropped.

    Example:
        >>> from jobmatch_utils.data import load_validation_sets
        >>> v = load_validation_sets(None, ["en"])
        >>> title = next(iter(v["en"].corpus.values()))
        >>> exclude_validation(pd.DataFrame({"anchor": [title, "x"], "positive": ["y", "z"]}), v,
        ...                    anchor_language="en", positive_language="en")[1]
        1
    """
    titles = {t.casefold() for s in validation.values() for t in (*s.queries.values(), *s.corpus.values())}

    def seen(texts: pd.Series, languages: pd.Series) -> pd.Series:  # languages kept for the caller's clarity
        return pd.Series([t.casefold() in titles for t in texts], index=texts.index, dtype=bool)

    n = len(frame)
    anchor_lang = pd.Series([anchor_language] * n, index=frame.index)
    positive_lang = (positive_language if isinstance(positive_language, pd.Series)
                     else pd.Series([positive_language] * n, index=frame.index))
    bad = seen(frame["anchor"], anchor_lang) | seen(frame["positive"], positive_lang)
    return frame.loc[~bad].reset_index(drop=True), int(bad.sum())


@dataclass
class TrainingSets:
    """The training sets of one run, pinned to ``anchor, positive``, with what was done to them.

    Attributes:
        pairs: ``{name: frame}`` with exactly the columns ``anchor, positive``.
        sources: ``{name: where it came from}``.
        excluded: ``{name: pairs dropped because a text is a validation title}``.
        self_pairs: ``{name: pairs dropped because both texts are equal ignoring case}``.
        languages: ``{name: languages of its texts}``.
        occupations: ``{name: occupation id of each pair}`` (row-aligned with ``pairs``; never fed
            to the loss): lets a sampler keep two pairs of one occupation out of a batch.
    """

    pairs: dict[str, pd.DataFrame]
    sources: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    self_pairs: dict[str, int] = field(default_factory=dict)
    languages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    occupations: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(f) for f in self.pairs.values())

    def summary(self) -> pd.DataFrame:
        """One row per set: pairs kept, pairs dropped, the card's size, the source."""
        rows = [{"dataset": name, "pairs": len(frame), "dropped: validation title": self.excluded.get(name, 0),
                 "dropped: same text": self.self_pairs.get(name, 0), "card size": CARD_SIZES.get(name),
                 "languages": "+".join(self.languages.get(name, ())), "source": self.sources.get(name, "")}
                for name, frame in self.pairs.items()]
        return pd.DataFrame(rows).set_index("dataset")

    def examples(self, n: int = 3, seed: int = 0) -> pd.DataFrame:
        """A few pairs of every set (seeded sample)."""
        parts = [frame.sample(min(n, len(frame)), random_state=seed).assign(dataset=name)
                 for name, frame in self.pairs.items() if len(frame)]
        return pd.concat(parts).set_index("dataset") if parts else pd.DataFrame(columns=list(TEXT_COLUMNS))

    def texts_by_language(self) -> dict[str, list[str]]:
        """Distinct training texts per language (``mix`` anchors count as English)."""
        out: dict[str, dict[str, None]] = {}
        for name, frame in self.pairs.items():
            langs = self.languages.get(name, ())
            if name == "mix":
                out.setdefault("en", {}).update(dict.fromkeys(frame["anchor"]))
                continue
            for lang in langs:
                out.setdefault(lang, {}).update(dict.fromkeys(frame["anchor"]))
                out[lang].update(dict.fromkeys(frame["positive"]))
        return {k: list(v) for k, v in out.items()}


    def pair_occupations(self) -> dict[tuple[str, str], str]:
        """``{(anchor, positive): occupation id}`` over all sets (the first id where a pair repeats)."""
        out: dict[tuple[str, str], str] = {}
        for name, frame in self.pairs.items():
            for pair, occupation in zip(zip(frame["anchor"], frame["positive"]), self.occupations.get(name, ())):
                out.setdefault(pair, occupation)
        return out


def _occupation_ids(frame: pd.DataFrame) -> pd.Series:
    """The occupation of each pair: ``esco_id`` (TalentCLEF) or ``esco_uri`` (ESCO-built); empty if neither."""
    for column in ("esco_id", "esco_uri"):
        if column in frame.columns:
            return frame[column].astype(str)
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _drop_self_pairs(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    same = frame["anchor"].str.casefold() == frame["positive"].str.casefold()
    return frame.loc[~same].reset_index(drop=True), int(same.sum())


def load_training_sets(data_root: str | Path | None, esco_root: str | Path | None, datasets: Sequence[str],
                       validation: Mapping[str, RetrievalSet], *, max_pairs: int = 0, seed: int = 42,
                       mix_pairs_per_occupation: int = 4, en_pairs_per_occupation: int = 10) -> TrainingSets:
    """Build the requested training sets, pinned to two columns, validation titles removed.

    Args:
        data_root: TalentCLEF Task A root (its ``training/`` folder).
        esco_root: ESCO folder (for ``mix`` and for ``full_en`` when TalentCLEF has no English file).
        datasets: Names among :data:`CARD_DATASETS`; ``full_zh`` needs a TalentCLEF Chinese file.
        validation: Validation sets keyed by language code (every language, not only evaluated ones).
        max_pairs: Keep a seeded sample of at most this many pairs per set (0 = all).
        seed: Seed of every sample.
        mix_pairs_per_occupation: Pairs per occupation and language of ``mix``.
        en_pairs_per_occupation: Pairs per occupation of the ESCO-built ``full_en``.

    Raises:
        ParameterError: An unknown set name, or a set with no data source here.

    Example (notebook 04):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> v = load_validation_sets(None, ["en", "es", "de", "zh"])
        >>> sets = load_training_sets(None, None, ["full_de", "mix"], v)
        >>> list(sets.pairs["full_de"].columns)
        ['anchor', 'positive']
    """
    from .crosslingual import mix_training_pairs
    from .esco import load_esco_occupations

    result = TrainingSets(pairs={})
    for name in datasets:
        if name not in CARD_DATASETS:
            raise ParameterError(f"unknown training set '{name}'", fix=f"use some of {', '.join(CARD_DATASETS)}")
        if name == "mix":
            frame = mix_training_pairs(esco_root, languages=("de", "es"), seed=seed,
                                       pairs_per_occupation=mix_pairs_per_occupation)
            frame, dropped = exclude_validation(frame, validation, anchor_language="en",
                                                positive_language=frame["language"])
            result.sources[name] = "ESCO: English label ↔ German/Spanish label of the same occupation"
            result.languages[name] = ("en", "de", "es")
        else:
            code = language_code(name.removeprefix("full_"))
            if training_pairs_path(data_root, code).is_file():
                frame = load_training_pairs(data_root, code)
                result.sources[name] = str(training_pairs_path(data_root, code))
            elif code == "en":
                frame = esco_pairs(load_esco_occupations(esco_root, "en"), seed=seed,
                                   pairs_per_occupation=en_pairs_per_occupation)
                result.sources[name] = "ESCO English labels of the same occupation (no TalentCLEF English file)"
            else:
                raise ParameterError(f"no training data for {name}: {training_pairs_path(data_root, code)} "
                                     "is missing", fix=f"add that file or leave {name} out of datasets")
            frame, dropped = exclude_validation(frame, validation, anchor_language=code, positive_language=code)
            result.languages[name] = (code,)
        occupation = _occupation_ids(frame)
        frame = pin_columns(frame, where=name).assign(_occupation=occupation.to_numpy())
        frame, same = _drop_self_pairs(frame)
        if max_pairs and len(frame) > max_pairs:
            frame = frame.sample(max_pairs, random_state=seed).reset_index(drop=True)
        result.occupations[name] = frame.pop("_occupation").tolist()
        result.pairs[name], result.excluded[name], result.self_pairs[name] = frame, dropped, same
    return result


def to_dataset_dict(sets: TrainingSets) -> DatasetDict:
    """A ``datasets.DatasetDict`` with one dataset per training set, each exactly ``anchor, positive``.

    Example:
        >>> ts = TrainingSets({"full_de": pd.DataFrame({"anchor": ["a", "b"], "positive": ["c", "d"]})})
        >>> to_dataset_dict(ts)["full_de"].column_names
        ['anchor', 'positive']
    """
    from datasets import Dataset, DatasetDict

    out = {}
    for name, frame in sets.pairs.items():
        dataset: Dataset = Dataset.from_pandas(pin_columns(frame, where=name), preserve_index=False)
        check_pair_columns(dataset, name=name)
        out[name] = dataset
    return DatasetDict(out)


def unk_rates(tokenizer: PreTrainedTokenizerBase, texts_by_language: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Share of ``[UNK]`` tokens (and of texts with at least one) per language, for a tokenizer.

    Example:
        >>> from transformers import AutoTokenizer
        >>> from jobmatch_utils.models import build_tiny_model
        >>> tok = AutoTokenizer.from_pretrained(str(build_tiny_model()))
        >>> unk_rates(tok, {"en": ["nurse"]}).loc["en", "texts"]
        1
    """
    unk = tokenizer.unk_token_id
    rows = []
    for lang, texts in texts_by_language.items():
        ids = tokenizer(list(texts), add_special_tokens=False)["input_ids"] if texts else []
        tokens = sum(len(i) for i in ids)
        unks = sum(t == unk for i in ids for t in i)
        rows.append({"language": lang, "texts": len(texts), "tokens": tokens,
                     "[UNK] share of tokens": unks / tokens if tokens else 0.0,
                     "texts with an [UNK]": sum(unk in i for i in ids) / len(ids) if ids else 0.0})
    return pd.DataFrame(rows).set_index("language")
