"""Small text helpers for job titles: folding, accent stripping and word splitting.

Used by the error-analysis modules (:mod:`jobmatch_utils.gender`, :mod:`jobmatch_utils.taxonomy`,
:mod:`jobmatch_utils.isco`) so that every rule compares titles the same way:

* :func:`fold_title` — lower-case (``casefold``, so ``ß`` stays comparable) and white space
  folded to single spaces: the "case-insensitive, whitespace-folded" match of ESCO linking;
* :func:`strip_accents` — ``médica`` → ``medica``, ``Ärztin`` → ``arztin``, ``ß`` → ``ss``;
* :func:`split_words` — words and the separators between them, so two titles can be compared
  word by word (``IT-Leiterin`` → ``["it", "-", "leiterin"]``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold_title", "strip_accents", "split_words", "words", "is_han", "han_characters"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PARTS = re.compile(r"([^\W_]+)", re.UNICODE)


def fold_title(text: str) -> str:
    """NFC-normalise, lower-case and fold white space: the form every exact-match comparison uses.

    NFC matters: some TalentCLEF titles spell ``ä`` as ``a`` plus a combining diaeresis.

    Example:
        >>> fold_title("  Senior   Nurse ")
        'senior nurse'
    """
    return " ".join(unicodedata.normalize("NFC", str(text)).lower().split())


def strip_accents(text: str) -> str:
    """Remove combining accents (``é`` → ``e``, ``ä`` → ``a``) and write ``ß`` as ``ss``.

    Example:
        >>> strip_accents("Ärztin técnica Schweißer")
        'Arztin tecnica Schweisser'
    """
    decomposed = unicodedata.normalize("NFD", str(text).replace("ß", "ss"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def split_words(text: str) -> list[str]:
    """Alternating separators and words of a folded title; words at odd positions.

    The list always starts and ends with a separator (possibly empty), so two titles with the
    same shape have their words at the same positions.

    Example:
        >>> split_words("IT-Leiterin (m/w/d)")
        ['', 'it', '-', 'leiterin', ' (', 'm', '/', 'w', '/', 'd', ')']
    """
    return _PARTS.split(fold_title(text))


def words(text: str) -> list[str]:
    """The words of a folded title (letters and digits; punctuation dropped).

    Example:
        >>> words("Gesundheits- und Krankenpfleger/-in")
        ['gesundheits', 'und', 'krankenpfleger', 'in']
    """
    return _WORD.findall(fold_title(text))


def is_han(character: str) -> bool:
    """True for a CJK unified ideograph (the characters of Chinese titles).

    Example:
        >>> is_han("护"), is_han("a")
        (True, False)
    """
    return "\u4e00" <= character <= "\u9fff" or "\u3400" <= character <= "\u4dbf"


def han_characters(text: str) -> list[str]:
    """The Chinese characters of a title, in order.

    Example:
        >>> han_characters("IT经理")
        ['经', '理']
    """
    return [ch for ch in str(text) if is_han(ch)]
