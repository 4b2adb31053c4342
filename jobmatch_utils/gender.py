"""Grammatical gender in job titles: forms, combined variants and masculine/feminine pairs.

German and Spanish mark the gender of a job title (``Lehrer`` / ``Lehrerin``, ``abogado`` /
``abogada``); job ads also write both forms at once. This module, taught in notebook 03,

* classifies a title as ``masculine``, ``feminine``, ``both`` (a combined form) or
  ``unmarked`` (:func:`title_gender`) by rules on word endings, not by a dictionary;
* expands combined forms into their two readings (:func:`expand_gender_variants`):
  ``Lehrer/Lehrerin``, ``Lehrer/-in``, ``Lehrer*in``, ``Lehrer:in``, ``Lehrer_in``, ``LehrerIn``,
  ``Arzt/Ärztin``, ``Bürokaufmann/-frau``, ``Angestellte/r``, ``(m/w/d)``; ``abogado/a``,
  ``director/a``, ``profesor(a)``, ``abogad@``, ``(h/m)``;
* decides whether two titles are the masculine and feminine form of one title
  (:func:`gender_counterparts`: same words except gendered ones, e.g. ``kaufmännischer Leiter`` /
  ``kaufmännische Leiterin``) and finds such pairs in a list of titles (:func:`find_gender_pairs`).

English and Chinese are covered by a few rules too (``salesman``/``saleswoman``,
``actor``/``actress``; ``男护士``/``女护士``, ``保洁阿姨``), because the failure taxonomy asks
every rule for every language. The rules are heuristics: their tests list what they must and
must not match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .languages import language_code
from .titletext import fold_title, split_words, strip_accents, words

__all__ = ["Gender", "GenderVariants", "GenderPair", "word_gender", "title_gender", "expand_gender_variants",
           "is_feminine_form", "gender_counterparts", "find_gender_pairs"]

Gender = Literal["masculine", "feminine", "both", "unmarked"]

# --- German -----------------------------------------------------------------------------------------------
_DE_FEMININE_WORDS = ("frau", "mutter", "schwester", "dame", "mädchen")
_DE_MASCULINE = ("er", "eur", "or", "ist", "yst", "ar", "är", "ant", "ent", "at", "ot", "ekt", "eut", "nom", "oge",
                 "urg", "urge", "arzt", "koch", "wirt", "anwalt", "mann", "graf", "soph", "chef", "ier", "ling",
                 "detektiv")
_DE_FEMININE_STEMS = _DE_MASCULINE + ("og", "eg", "beamt")  # stems before -in: Biolog-in, Kolleg-in, Beamt-in
_DE_NOT_PERSON = {
    "computer", "container", "center", "server", "wasser", "meter", "liter", "filter", "theater",
    "lager", "kinder", "über", "unter", "oder", "aber", "der", "hinter", "wieder", "immer", "jeder", "weiter",
    "sicher", "leder", "feuer", "alter", "fenster", "muster", "messer", "zucker", "papier", "bier", "revier",
    "quartier", "klavier", "turnier", "tier", "vier", "hier", "senior", "junior", "sektor", "motor", "traktor",
    "labor", "tumor", "faktor", "vektor", "reaktor", "prozessor", "indikator", "generator", "monitor", "humor",
    "korridor", "tresor", "dekor", "horror", "error", "terror", "talent", "patent", "prozent", "kontinent",
    "akzent", "event", "content", "restaurant", "diamant", "elefant", "brillant", "proviant", "frist", "list",
    "twist", "mist", "paar", "haar", "altar", "formular", "exemplar", "seminar", "radar", "basar", "dollar",
    "hektar", "januar", "februar", "honorar", "inventar", "kommentar", "glossar", "bar", "format", "automat",
    "salat", "senat", "zitat", "internat", "apparat", "referat", "inserat", "staat", "draht", "mandat",
    "präparat", "angebot", "verbot", "boot", "brot", "depot", "bär",
}
_DE_NOT_FEMININE = ("medizin", "termin", "kamin", "benzin", "magazin", "disziplin", "vitamin", "protein", "jasmin",
                    "insulin", "nikotin", "latein", "ein", "ain", "oin", "uin")
_DE_NOT_FEMININE_WORDS = {"admin", "plugin", "login", "berlin", "cabin", "margin"}
_DE_PREPOSITIONS = {"für", "der", "des", "im", "in", "von", "vom", "mit", "bei", "am", "zur", "zum", "an", "auf",
                    "of", "for"}
_DE_UMLAUT_FEMININE = {"arzt": "ärztin", "koch": "köchin", "anwalt": "anwältin", "bauer": "bäuerin",
                       "beamter": "beamtin", "rat": "rätin"}

# --- Spanish ----------------------------------------------------------------------------------------------
_ES_INVARIANT = {"policía", "guía", "cámara", "atleta", "poeta", "colega", "escolta", "recluta", "centinela",
                 "vigía", "espía", "tropa", "persona", "modelo", "testigo", "miembro", "soprano", "piloto",
                 "java", "gerencia", "plantilla", "gestoría", "asesoría", "auditoría", "consultoría"}
_ES_INVARIANT_ENDINGS = ("ista", "atra", "auta", "euta", "ópata", "crata", "ía", "cida")
_ES_NOT_MASCULINE = {"senior", "sénior", "junior", "júnior", "mayor", "menor", "superior", "inferior", "exterior",
                     "interior", "anterior", "posterior", "motor", "sector", "color", "valor", "honor", "error",
                     "labor", "humor", "amor", "pro", "software", "hardware", "marketing"}
_ES_MASCULINE_WORDS = {"jefe", "alcalde", "sacerdote", "monje", "conde", "duque", "príncipe"}
_ES_PREPOSITIONS = {"de", "del", "en", "para", "con", "a", "al", "por", "y", "e", "sin"}

# --- English and Chinese ------------------------------------------------------------------------------------
_EN_FEMININE = {"actress", "waitress", "stewardess", "hostess", "headmistress", "seamstress", "manageress",
                "proprietress", "sculptress", "laundress", "governess", "mistress", "priestess", "songstress",
                "female", "lady", "housewife", "girl", "nun"}
_EN_MASCULINE = {"male", "headmaster", "schoolmaster", "boy", "monk"}
_EN_NOT_MAN = {"human", "german", "shaman", "ottoman", "caiman", "talisman", "roman", "woman", "women", "manman"}
_ZH_PREFIX_EXCEPTIONS = set("装鞋性款式子士童科生")  # 女装 (womenswear), 女性 (women's), 女子 ...
_ZH_FEMININE_SUFFIXES = ("阿姨", "小姐", "大姐", "女士", "嫂")
_ZH_MASCULINE_SUFFIXES = ("小哥", "大叔", "先生")

_MARKER = re.compile(r"\s*[(（]\s*(?:(?:[mwfdxhi]|div)\s*[/|,]\s*)+(?:[mwfdxhi]|div)\s*[)）]"
                     r"|\s*[(（]\s*(?:gn\*?|all genders|alle geschlechter)\s*[)）]"
                     r"|\s*[(（]?男女不限[)）]?", re.IGNORECASE)


@lru_cache(maxsize=65536)
def word_gender(word: str, language: str) -> Gender:
    """Gender of one (folded) word of a title, by its ending: ``masculine``, ``feminine`` or ``unmarked``.

    Example:
        >>> word_gender("lehrerin", "de"), word_gender("abogado", "es"), word_gender("analista", "es")
        ('feminine', 'masculine', 'unmarked')
    """
    code = language_code(language)
    w = word.lower()
    if code == "de":
        return _de_word_gender(w)
    if code == "es":
        return _es_word_gender(w)
    if code == "en":
        if w in _EN_FEMININE or w.endswith(("woman", "women", "wife")):
            return "feminine"
        if w in _EN_MASCULINE or (w.endswith(("man", "men")) and len(w) > 3 and w not in _EN_NOT_MAN) \
                or (w.endswith("boy") and len(w) > 4):
            return "masculine"
        return "unmarked"
    return "unmarked"


def _de_masculine_stem(stem: str, suffixes: tuple[str, ...] = _DE_MASCULINE) -> bool:
    plain = strip_accents(stem)
    if len(stem) < 3 or stem in _DE_NOT_PERSON or plain in _DE_NOT_PERSON or plain.endswith(("ment", "iat")):
        return False
    return stem.endswith(suffixes) or plain.endswith(suffixes)


def _de_word_gender(w: str) -> Gender:
    if len(w) < 3:
        return "unmarked"
    if w.endswith(_DE_FEMININE_WORDS):
        return "feminine"
    if w.endswith("innen") and _de_masculine_stem(w[:-5], _DE_FEMININE_STEMS):
        return "feminine"
    if w.endswith("in") and not w.endswith(_DE_NOT_FEMININE) and w not in _DE_NOT_FEMININE_WORDS and _de_masculine_stem(w[:-2], _DE_FEMININE_STEMS):
        return "feminine"
    return "masculine" if _de_masculine_stem(w) else "unmarked"


def _es_word_gender(w: str) -> Gender:
    if len(w) < 4 or w in _ES_INVARIANT or w.endswith(_ES_INVARIANT_ENDINGS) or not w.isalpha():
        return "unmarked"
    if w.endswith(("a", "triz")):
        return "feminine"
    if w in _ES_NOT_MASCULINE:
        return "unmarked"
    if w in _ES_MASCULINE_WORDS or w.endswith(("o", "or", "és", "ín", "án")) or (w.endswith("ón") and not w.endswith("ión")):
        return "masculine"
    return "unmarked"


def _head_words(title: str, code: str) -> list[str]:
    """Words that carry the title's gender: up to the first preposition (de, es); all words (en)."""
    stop = _DE_PREPOSITIONS if code == "de" else _ES_PREPOSITIONS if code == "es" else set()
    head = []
    for w in words(title):
        if w in stop:
            break
        head.append(w)
    return head


def title_gender(title: str, language: str) -> Gender:
    """Gender of a whole title: ``both`` for combined forms, else that of its first gendered word.

    German and Spanish look only at the words before the first preposition (``Assistent der
    Geschäftsführerin`` is masculine; ``técnica de soporte informático`` feminine); Chinese
    looks at ``女``/``男`` prefixes and a few suffixes such as ``阿姨`` (auntie) or ``小哥`` (lad).

    Example (notebook 03):
        >>> [title_gender(t, "de") for t in ("Lehrerin", "Lehrer/-in", "technischer Recruiter", "Pflegefachkraft")]
        ['feminine', 'both', 'masculine', 'unmarked']
    """
    return expand_gender_variants(title, language).form


def _plain_gender(text: str, code: str) -> Gender:
    """Gender of a title that is not a combined form."""
    if code == "zh":
        folded = fold_title(text)
        if folded.endswith(_ZH_FEMININE_SUFFIXES) or (folded[:1] == "女" and len(folded) > 2
                                                      and folded[1] not in _ZH_PREFIX_EXCEPTIONS):
            return "feminine"
        if folded.endswith(_ZH_MASCULINE_SUFFIXES) or (folded[:1] == "男" and len(folded) > 2
                                                       and folded[1] not in _ZH_PREFIX_EXCEPTIONS):
            return "masculine"
        return "unmarked"
    for w in _head_words(text, code):
        gender = word_gender(w, code)
        if gender != "unmarked":
            return gender
    return "unmarked"


def is_feminine_form(feminine: str, masculine: str, language: str) -> bool:
    """True when the word ``feminine`` is the feminine form of the word ``masculine`` (folded, accents ignored).

    Example:
        >>> is_feminine_form("ärztin", "arzt", "de"), is_feminine_form("directora", "director", "es")
        (True, True)
    """
    code = language_code(language)
    f, m = strip_accents(fold_title(feminine)), strip_accents(fold_title(masculine))
    masculine = fold_title(masculine)
    if code == "de":
        if _de_word_gender(masculine) == "feminine":
            return False
        return (f in (m + "in", m + "innen") or (m.endswith("e") and f == m[:-1] + "in")
                or (m.endswith("er") and f in (m[:-2] + "in", m[:-1]))
                or (m.endswith("mann") and f == m[:-4] + "frau") or (m.endswith("eur") and f == m[:-3] + "euse"))
    if code == "es":
        return ((m.endswith("o") and f == m[:-1] + "a") or (m[-1:] in tuple("rnslzd") and f == m + "a")
                or (m.endswith("e") and f in (m[:-1] + "a", m + "sa", m[:-1] + "isa"))
                or (m.endswith("or") and f == m[:-2] + "riz") or (m.endswith("a") and f == m[:-1] + "isa"))
    if code == "en":
        return ((m.endswith("man") and f == m[:-3] + "woman") or (m.endswith("men") and f == m[:-3] + "women")
                or f == m + "ess" or (m.endswith(("or", "er")) and f == m[:-2] + "ress")
                or (m.endswith("master") and f == m[:-6] + "mistress") or (m == "male" and f == "female"))
    return False


def gender_counterparts(a: str, b: str, language: str) -> tuple[str, str] | None:
    """``(masculine, feminine)`` when ``a`` and ``b`` are the two gender forms of one title, else ``None``.

    The titles must have the same words and separators except gendered words, and every
    differing word must turn masculine into feminine in the same direction.

    Example (notebook 03):
        >>> gender_counterparts("kaufmännische Leiterin", "Kaufmännischer Leiter", "de")
        ('Kaufmännischer Leiter', 'kaufmännische Leiterin')
        >>> gender_counterparts("importación", "exportación", "es") is None
        True
    """
    code = language_code(language)
    if code == "zh":
        x, y = fold_title(a), fold_title(b)
        for masc, fem, first, second in ((x, y, a, b), (y, x, b, a)):
            if len(fem) > 2 and fem[1] in _ZH_PREFIX_EXCEPTIONS:  # 女装设计师 / 男装设计师: clothing, not people
                continue
            if fem == "女" + masc or (masc[:1] == "男" and fem == "女" + masc[1:]):
                return first, second
        return None
    parts_a, parts_b = split_words(a), split_words(b)
    if len(parts_a) != len(parts_b) or parts_a[0::2] != parts_b[0::2]:
        return None
    direction = None
    for word_a, word_b in zip(parts_a[1::2], parts_b[1::2]):
        if word_a == word_b:
            continue
        step = "ab" if is_feminine_form(word_b, word_a, code) else "ba" if is_feminine_form(word_a, word_b, code) else None
        if step is None or (direction is not None and step != direction):
            return None
        direction = step
    if direction is None:
        return None
    return (a, b) if direction == "ab" else (b, a)


@dataclass(frozen=True)
class GenderVariants:
    """A title and its readings: ``form`` and the masculine and feminine texts (``None`` if none)."""

    title: str
    form: Gender
    masculine: str | None
    feminine: str | None


def _es_feminine_word(stem: str) -> str:
    if stem.endswith(("o", "e")):
        return stem[:-1] + "a"
    if stem.endswith("ón"):
        return stem[:-2] + "ona"
    if stem.endswith("és"):
        return stem[:-2] + "esa"
    return stem + "a"


def _derive_feminine(base: str, code: str) -> str:
    """The feminine reading of a title written with a gender marker such as ``(m/w/d)``."""
    tokens = re.split(r"(\s+)", base)
    positions = [i for i, t in enumerate(tokens) if t.strip()]
    head = []
    for i in positions:
        folded = fold_title(tokens[i])
        if folded in (_DE_PREPOSITIONS if code == "de" else _ES_PREPOSITIONS if code == "es" else set()):
            break
        head.append(i)
    gendered = [i for i in head if word_gender(fold_title(re.sub(r"\W", "", tokens[i])) or "-", code) == "masculine"]
    for n, i in enumerate(gendered):
        token = tokens[i]
        if code == "es":
            tokens[i] = _es_feminine_word(token)
        elif code == "en":
            tokens[i] = token[:-3] + "woman" if token.lower().endswith("man") else token
        elif code == "de" and n < len(gendered) - 1:
            tokens[i] = token[:-1] if token.lower().endswith("er") else token  # adjective: Interner → Interne
        elif code == "de":
            lower = token.lower()
            ending = next((e for e in _DE_UMLAUT_FEMININE if lower.endswith(e)), None)
            if ending:
                tokens[i] = token[:len(token) - len(ending)] + _DE_UMLAUT_FEMININE[ending]
            elif lower.endswith("mann"):
                tokens[i] = token[:-4] + "frau"
            elif lower.endswith(("ender", "ierter", "stellter", "tragter")):
                tokens[i] = token[:-1]
            else:
                tokens[i] = token[:-1] + "in" if lower.endswith("e") else token + "in"
    return "".join(tokens)


def _combined_readings(title: str, code: str) -> tuple[str, str] | None:
    """Both readings of a combined written form, or ``None`` if the title has none."""
    masc, fem, found = title, title, False

    def apply(pattern: str, m_repl, f_repl, flags: int = re.IGNORECASE) -> None:
        nonlocal masc, fem, found
        regex = re.compile(pattern, flags)
        if regex.search(masc):
            found = True
            masc, fem = regex.sub(m_repl, masc), regex.sub(f_repl, fem)

    if code == "de":
        apply(r"([^\W\d_]+?)mann\s*/\s*-?\s*frau\b", r"\1mann", r"\1frau")
        apply(r"([^\W\d_]+e)\s*/\s*-?\s*r\b", r"\1r", r"\1")
        apply(r"([^\W\d_]+?)(?:\s*/\s*-?\s*|\*|:|_)(in|innen)\b", r"\1", r"\1\2")
        apply(r"([a-zäöüß])In(nen)?\b", r"\1", r"\1in\2", flags=0)
    if code == "es":
        apply(r"([^\W\d_]{2,})@(?![^\W\d_])", r"\1o", r"\1a")
        for stem_end, suffix in (("a", "o"), ("", "a|ra")):
            pattern = rf"([^\W\d_]{{2,}}{stem_end})(?:/-?|\s*\(\s*)(?:{suffix})\)?(?![^\W\d_])"
            regex = re.compile(pattern, re.IGNORECASE)
            if regex.search(masc):
                found = True
                if stem_end:  # enfermera/o: the stem is the feminine
                    masc = regex.sub(lambda m: m.group(1)[:-1] + "o", masc)
                    fem = regex.sub(lambda m: m.group(1), fem)
                else:
                    masc = regex.sub(lambda m: m.group(1), masc)
                    fem = regex.sub(lambda m: _es_feminine_word(m.group(1)), fem)
    if code in ("de", "es", "en"):
        slash = re.compile(r"([^\W\d_]+)\s*/\s*([^\W\d_]+)")
        for match in list(slash.finditer(masc)):
            pair = gender_counterparts(match.group(1), match.group(2), code)
            if pair:
                found = True
                masc, fem = masc.replace(match.group(0), pair[0], 1), fem.replace(match.group(0), pair[1], 1)
    return (masc, fem) if found else None


@lru_cache(maxsize=65536)
def expand_gender_variants(title: str, language: str) -> GenderVariants:
    """Expand a title into its masculine and feminine readings.

    Combined forms give both readings (``form="both"``); a gender marker such as ``(m/w/d)``
    or ``(h/m)`` is removed and the feminine reading derived by rule. A single-gender title
    gives one reading and ``None`` for the other; an unmarked title gives ``None`` for both.

    Example (notebook 03):
        >>> v = expand_gender_variants("Bürokaufmann/-frau", "de")
        >>> v.form, v.masculine, v.feminine
        ('both', 'Bürokaufmann', 'Bürokauffrau')
        >>> expand_gender_variants("director/a financiero/a", "es").feminine
        'directora financiera'
    """
    code = language_code(language)
    text = " ".join(unicodedata.normalize("NFC", str(title)).split())
    readings = _combined_readings(text, code)
    marker = _MARKER.search(text)
    if readings is None and marker:
        base = " ".join(_MARKER.sub(" ", text).split())
        readings = (base, _derive_feminine(base, code))
    elif readings is not None and marker:
        readings = tuple(" ".join(_MARKER.sub(" ", r).split()) for r in readings)
    if readings is not None:
        return GenderVariants(title, "both", readings[0], readings[1])
    gender = _plain_gender(text, code)
    if gender == "masculine":
        return GenderVariants(title, "masculine", text, None)
    if gender == "feminine":
        return GenderVariants(title, "feminine", None, text)
    return GenderVariants(title, "unmarked", None, None)


@dataclass(frozen=True)
class GenderPair:
    """Two titles of one list that are the masculine and the feminine form of the same title."""

    language: str
    masculine_id: str
    masculine: str
    feminine_id: str
    feminine: str


def find_gender_pairs(titles: Mapping[str, str], language: str) -> list[GenderPair]:
    """Masculine/feminine pairs among ``{id: title}`` (e.g. a validation set's queries).

    Each title joins at most one pair (the first counterpart in file order); combined forms
    (``Lehrer/-in``) are not paired, being both forms at once.

    Example (notebook 03):
        >>> [(p.masculine, p.feminine) for p in find_gender_pairs({"1": "Koch", "2": "Köchin", "3": "Kellner"}, "de")]
        [('Koch', 'Köchin')]
    """
    code = language_code(language)
    buckets: dict[tuple, list[tuple[str, str]]] = {}
    for item_id, title in titles.items():
        if title_gender(title, code) in ("both",):
            continue
        parts = split_words(title)
        key = (len(parts), tuple(parts[0::2])) if code != "zh" else ("zh",)
        buckets.setdefault(key, []).append((str(item_id), title))
    pairs, used = [], set()
    for members in buckets.values():
        for i, (id_a, title_a) in enumerate(members):
            if id_a in used:
                continue
            for id_b, title_b in members[i + 1:]:
                if id_b in used or fold_title(title_a) == fold_title(title_b):
                    continue
                pair = gender_counterparts(title_a, title_b, code)
                if pair:
                    masc_id, fem_id = (id_a, id_b) if pair[0] == title_a else (id_b, id_a)
                    pairs.append(GenderPair(code, masc_id, pair[0], fem_id, pair[1]))
                    used.update((id_a, id_b))
                    break
    order = {str(k): n for n, k in enumerate(titles)}
    return sorted(pairs, key=lambda p: min(order[p.masculine_id], order[p.feminine_id]))
