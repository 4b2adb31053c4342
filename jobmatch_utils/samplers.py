"""A no-duplicates batch sampler that can also keep occupations apart and group pairs of similar length.

**Occupations apart** (``pair_groups``): two pairs of the same occupation in one batch make each
other's texts false negatives — the loss pushes apart titles that mean the same job. GISTEmbed's
guide masks those it recognises, but a guide that reads German or Spanish poorly misses many. In
a random batch of 128 TalentCLEF pairs (about 3,000 occupations, 7 pairs each) two or three such
collisions are expected; with ``pair_groups`` the occupation id is treated as one more text that
may not repeat in a batch, so there are none.

**Length grouping** (``pool_batches`` > 1):

sentence-transformers pads every batch to its longest title. Job titles average about 11
tokens, but a random batch of 64 holds a 40–56-token one, so most of the compute goes into
padding. :class:`LengthBucketedNoDuplicatesBatchSampler` shuffles the pairs (seeded by
``seed + epoch``), cuts the shuffled order into pools of ``pool_batches`` batches, sorts each pool
by length and fills batches in that order — skipping (and carrying to the next batch) any pair
whose anchor or positive is already in the batch, as ``NoDuplicatesBatchSampler`` does. The batches
are then shuffled, so consecutive steps are not ordered by length.

What changes: which pairs share a batch (titles of similar length are each other's in-batch
negatives). What does not: every pair is used once per epoch, no batch holds a text twice, and the
order is a pure function of ``seed`` and the epoch — so every process of a distributed run
computes the same batches and takes its own share of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["LengthBucketedNoDuplicatesBatchSampler", "batch_texts_are_distinct"]


def _base() -> type:
    try:
        from sentence_transformers.base.sampler import DefaultBatchSampler
    except ImportError:  # pragma: no cover - older layout
        from sentence_transformers.sampler import DefaultBatchSampler
    return DefaultBatchSampler


def batch_texts_are_distinct(batch: list[tuple[str, str]]) -> bool:
    """True when no text occurs twice among a batch's anchors and positives.

    Example:
        >>> batch_texts_are_distinct([("a", "b"), ("c", "a")])
        False
    """
    texts = [t for pair in batch for t in pair]
    return len(texts) == len(set(texts))


class LengthBucketedNoDuplicatesBatchSampler(_base()):  # type: ignore[misc]
    """Batches without a repeated text (nor, optionally, occupation), optionally of pairs of similar length.

    Pass the class as ``SentenceTransformerTrainingArguments(batch_sampler=...)``; the trainer
    calls it with ``(dataset, batch_size=..., drop_last=..., valid_label_columns=..., generator=...,
    seed=...)``. The dataset must have exactly the columns ``anchor, positive``.

    Args:
        dataset: A ``datasets.Dataset`` of pairs.
        batch_size: Pairs per batch.
        drop_last: Drop an incomplete last batch (the card does).
        pool_batches: Batches per length-sorted pool; 1 = no length grouping.
        text_lengths: ``{text: number of tokens}`` (the student's tokenizer); texts missing from it,
            or all when it is not given, are measured in characters.
        pair_groups: ``{(anchor, positive): occupation id}``: no two pairs of one occupation share a
            batch (pairs not in it, or with an empty id, are unconstrained).

    Example:
        >>> from datasets import Dataset
        >>> ds = Dataset.from_dict({"anchor": ["a", "bb", "a", "dddd"], "positive": ["x", "y", "z", "w"]})
        >>> batches = list(LengthBucketedNoDuplicatesBatchSampler(ds, batch_size=2, drop_last=False))
        >>> sorted(i for b in batches for i in b)
        [0, 1, 2, 3]
    """

    def __init__(self, dataset: Any, batch_size: int, drop_last: bool, valid_label_columns: Any = None,
                 generator: Any = None, seed: int = 0, pool_batches: int = 64,
                 text_lengths: Mapping[str, int] | None = None,
                 pair_groups: Mapping[tuple[str, str], str] | None = None) -> None:
        super().__init__(dataset, batch_size=batch_size, drop_last=drop_last,
                         valid_label_columns=valid_label_columns, generator=generator, seed=seed)
        columns = [c for c in dataset.column_names if c != "dataset_name"]
        self.texts = list(zip(*(list(dataset[c]) for c in columns)))
        if text_lengths:
            self.lengths = [max(text_lengths.get(t, len(t) // 3) for t in row) for row in self.texts]
        else:
            self.lengths = [max(len(t) for t in row) for row in self.texts]
        self.pool_batches = max(1, int(pool_batches))
        # what may not repeat in a batch: the texts, and the occupation as one more "text"
        self.keys = [row + (f"\x00occupation\x00{pair_groups[row]}",) if pair_groups and pair_groups.get(row)
                     else row for row in self.texts]

    def __len__(self) -> int:
        n = len(self.texts)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _one_pass(self, rng: random.Random) -> list[list[int]]:
        order = list(range(len(self.texts)))
        rng.shuffle(order)
        pool_size = self.batch_size * self.pool_batches
        batches: list[list[int]] = []
        carried: list[int] = []
        current: list[int] = []
        for start in range(0, len(order), pool_size):
            pool = carried + order[start:start + pool_size]
            pool.sort(key=self.lengths.__getitem__)
            carried = []
            current: list[int] = []
            seen: set[str] = set()
            waiting: list[int] = []
            for index in pool:
                for candidate in [*waiting, index]:
                    row = self.keys[candidate]
                    if seen.isdisjoint(row):
                        current.append(candidate)
                        seen.update(row)
                        if candidate in waiting:
                            waiting.remove(candidate)
                    elif candidate == index:
                        waiting.append(index)
                    if len(current) == self.batch_size:
                        batches.append(current)
                        current, seen = [], set()
            carried = current + waiting
        if current and not self.drop_last:  # distinct by construction; pairs still waiting are dropped
            batches.append(current)
        rng.shuffle(batches)
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        expected = len(self)
        yielded = 0
        for attempt in range(3):  # a pass can fall short when many pairs share texts: top it up
            rng = random.Random(f"{self.seed}:{self.epoch}:{attempt}")
            for batch in self._one_pass(rng):
                yield batch
                yielded += 1
                if yielded >= expected:
                    return
