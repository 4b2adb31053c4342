"""The four languages of TalentCLEF 2025 Task A: codes, folder names, display names."""

from __future__ import annotations

from .errors import ParameterError

__all__ = ["LANGUAGES", "language_code", "language_folder", "language_name", "parse_languages"]

#: ISO 639-1 code -> TalentCLEF folder name.
LANGUAGES: dict[str, str] = {"en": "english", "es": "spanish", "de": "german", "zh": "chinese"}
_NAMES = {"en": "English", "es": "Spanish", "de": "German", "zh": "Chinese"}


def language_code(language: str) -> str:
    """Return the two-letter code for a code or a TalentCLEF folder name.

    Example:
        >>> language_code("Spanish"), language_code("de")
        ('es', 'de')
    """
    key = str(language).strip().lower()
    if key in LANGUAGES:
        return key
    for code, folder in LANGUAGES.items():
        if key == folder:
            return code
    valid = ", ".join(f"{c} ({f})" for c, f in LANGUAGES.items())
    raise ParameterError(f"unknown language '{language}'", fix=f"use one of {valid}")


def language_folder(language: str) -> str:
    """TalentCLEF folder name (``english``, ...) for a language code or name."""
    return LANGUAGES[language_code(language)]


def language_name(language: str) -> str:
    """Display name (``English``, ...) for a language code or name."""
    return _NAMES[language_code(language)]


def parse_languages(languages: str | list[str] | tuple[str, ...]) -> list[str]:
    """Parse ``"en,es"`` or ``["en", "Spanish"]`` into unique codes, order kept.

    Example:
        >>> parse_languages("en, es,english")
        ['en', 'es']
    """
    items = languages.split(",") if isinstance(languages, str) else list(languages)
    codes: list[str] = []
    for item in items:
        if str(item).strip():
            code = language_code(item)
            if code not in codes:
                codes.append(code)
    if not codes:
        raise ParameterError("no language given", fix="name at least one of en, es, de, zh")
    return codes
