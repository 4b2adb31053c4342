"""Tokenizer coverage: how much of a title the model's tokenizer can see.

A WordPiece vocabulary without a script maps its characters to ``[UNK]``, so every title in
that script looks alike to the model — why Chinese behaves differently with the offline
stand-in (all-MiniLM-L6-v2), which maps most Chinese characters to ``[UNK]``. Used by the
``unknown_tokens`` rule of :mod:`jobmatch_utils.taxonomy`; taught in notebook 03.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
import pandas as pd

from .data import RetrievalSet

__all__ = ["TokenizerLike", "unknown_token_count", "has_unknown_tokens", "tokenizer_coverage"]


class TokenizerLike(Protocol):
    """What the ``unknown_tokens`` rule needs from a tokenizer (a Hugging Face tokenizer has it)."""

    unk_token: str

    def tokenize(self, text: str) -> list[str]: ...


def unknown_token_count(tokenizer: TokenizerLike, text: str) -> tuple[int, int]:
    """``(unknown tokens, tokens)`` of one text, without special tokens.

    Example:
        >>> from jobmatch_utils.models import load_model
        >>> tokenizer = load_model("tiny")[0].tokenizer
        >>> unknown_token_count(tokenizer, "nurse")[0]
        0
    """
    tokens = tokenizer.tokenize(str(text))
    return sum(t == tokenizer.unk_token for t in tokens), len(tokens)


def has_unknown_tokens(tokenizer: TokenizerLike, query: str, title: str) -> bool:
    """True when the tokenizer maps part of the query or of the title to its unknown token.

    Example:
        >>> from jobmatch_utils.models import load_model
        >>> has_unknown_tokens(load_model("tiny")[0].tokenizer, "nurse", "teacher")
        False
    """
    return unknown_token_count(tokenizer, query)[0] > 0 or unknown_token_count(tokenizer, title)[0] > 0


def tokenizer_coverage(tokenizer: TokenizerLike, sets: Mapping[str, RetrievalSet]) -> pd.DataFrame:
    """Per language, over the distinct query and corpus titles: tokens, ``[UNK]`` share, tokens per character.

    A tokenizer without a language's script maps its characters to ``[UNK]``: they all look
    alike to the model (the stand-in does this to most Chinese characters).

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_sets
        >>> from jobmatch_utils.models import load_model
        >>> tokenizer_coverage(load_model("tiny")[0].tokenizer, load_validation_sets(None, ["en"])).shape[0]
        1
    """
    rows = []
    for language, s in sets.items():
        titles = list(dict.fromkeys([*s.queries.values(), *s.corpus.values()]))
        counts = np.array([unknown_token_count(tokenizer, t) for t in titles], dtype=float).reshape(-1, 2)
        characters = sum(len("".join(t.split())) for t in titles)
        unknown, tokens = counts.sum(axis=0)
        rows.append({"language": language, "titles": len(titles), "tokens": int(tokens),
                     "[UNK] tokens": int(unknown), "[UNK] share": unknown / tokens if tokens else float("nan"),
                     "titles with [UNK]": float((counts[:, 0] > 0).mean()) if len(titles) else float("nan"),
                     "tokens per character": tokens / characters if characters else float("nan"),
                     "tokens per title": tokens / len(titles) if titles else float("nan")})
    return pd.DataFrame(rows).set_index("language")
