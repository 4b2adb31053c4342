"""A failure taxonomy computed by rules: why a relevant title was missed, per language.

A relevant title is **missed** when it ranks below position ``|R|`` (the number of relevant
titles of its query), where a perfect ranking would have put it. Each rule looks at one
(query, relevant title) pair; a query is flagged by a rule when the rule holds for at least
half of its missed titles (so a flag names a main cause; one query can carry several).
:func:`rule_lift` compares how often each rule holds for missed and for found titles.
Taught in notebook 03.

Rules (functions of this module, each tested with titles that must and must not match in
German, Spanish, English and Chinese):

* ``gender_mismatch`` — one title is masculine, the other feminine
  (:func:`jobmatch_utils.gender.title_gender`; combined forms such as ``Lehrer/-in`` count as both);
* ``no_lexical_overlap`` — no shared word (accents, case and gender endings ignored; a word of
  four or more letters inside a compound counts: ``Lehrer`` ~ ``Grundschullehrer``); Chinese
  titles compare characters, ignoring generic role characters such as 师, 员, 工;
* ``abbreviation`` — one side has an abbreviation or acronym the other lacks (``CEO``, ``RN``,
  ``lkw``, ``RRHH``, ``Dipl.``, ``客服``);
* ``seniority_modifier`` — the two titles carry different seniority or role modifiers
  (junior, senior, head, lead, chief, assistant, deputy, trainee and their es/de/zh forms);
* ``unknown_tokens`` — the model's tokenizer turns part of either title into ``[UNK]``
  (:mod:`jobmatch_utils.tokens`).

``unexplained`` flags queries with missed titles that no rule explains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from .data import RetrievalSet
from .gender import gender_counterparts, is_feminine_form, title_gender, word_gender
from .languages import language_code
from .retrieval import Ranking
from .titletext import fold_title, han_characters, strip_accents, words
from .tokens import TokenizerLike, has_unknown_tokens

__all__ = ["RULES", "RULE_DESCRIPTIONS", "gender_mismatch", "content_words", "no_lexical_overlap",
           "abbreviations", "abbreviation_mismatch", "seniority_modifiers", "seniority_mismatch",
           "relevant_ranks", "classify_relevant", "failure_flags",
           "rule_lift", "taxonomy_table", "rule_examples"]

RULES: tuple[str, ...] = ("gender_mismatch", "no_lexical_overlap", "abbreviation", "seniority_modifier",
                          "unknown_tokens")
RULE_DESCRIPTIONS: dict[str, str] = {
    "gender_mismatch": "masculine query, feminine relevant title or the reverse",
    "no_lexical_overlap": "query and relevant title share no word",
    "abbreviation": "an abbreviation or acronym on one side only",
    "seniority_modifier": "different seniority or role modifiers (junior, head, assistant …)",
    "unknown_tokens": "the tokenizer maps part of a title to [UNK]",
}

_STOPWORDS = {
    "en": {"of", "and", "the", "for", "in", "at", "to", "an", "with", "on", "or"},
    "es": {"de", "del", "la", "el", "los", "las", "en", "y", "para", "con", "al", "por", "un", "una"},
    "de": {"und", "für", "der", "die", "das", "des", "dem", "den", "im", "in", "von", "vom", "mit", "bei", "am",
           "an", "auf", "zur", "zum", "oder", "ein", "eine"},
    "zh": set(),
}
_ZH_GENERIC = set("师员工人家者长官手士匠生理经务职")
_ABBREVIATIONS = {
    "ceo", "cfo", "cto", "coo", "cio", "cmo", "cpo", "cso", "cdo", "hr", "it", "qa", "ui", "ux", "pr", "seo", "sem",
    "sap", "crm", "erp", "bi", "ai", "ml", "cnc", "cad", "vp", "svp", "evp", "avp", "mba", "phd", "gp", "rn", "cna",
    "lpn", "cpa", "sql", "dba", "hgv", "lgv", "cdl", "pcv", "cctv", "mlt", "cpht", "csr", "md", "pc", "tig", "mig",
    "mag", "wig", "shk", "pta", "mta", "mtla", "mfa", "kfz", "lkw", "pkw", "edv", "bwl", "rrhh", "rr", "hh",
    "tcae", "ti", "pm", "kam", "sdr", "bdr", "b2b", "b2c", "saas", "sysadmin", "azubi", "dipl", "ing",
}
_ZH_CLIPPED = ("汽修", "仓管", "网管", "库管", "人资", "客服", "交警", "运维", "文秘")
_MODIFIER_WORDS = {
    "junior": "junior", "jr": "junior", "júnior": "junior", "senior": "senior", "sr": "senior",
    "sénior": "senior", "principal": "senior", "head": "head", "lead": "lead", "chief": "chief",
    "assistant": "assistant", "asst": "assistant", "aide": "assistant", "helper": "assistant",
    "deputy": "deputy", "vice": "deputy", "trainee": "trainee", "intern": "trainee", "apprentice": "trainee",
    "graduate": "trainee", "supervisor": "lead", "supervisora": "lead", "jefe": "head", "jefa": "head",
    "responsable": "head", "encargado": "lead", "encargada": "lead", "ayudante": "assistant",
    "asistente": "assistant", "auxiliar": "assistant", "adjunto": "deputy", "adjunta": "deputy",
    "segundo": "deputy", "segunda": "deputy", "becario": "trainee", "becaria": "trainee", "aprendiz": "trainee",
    "practicante": "trainee",
}
_ES_DEPUTY_PREFIXES = ("subdirect", "subjef", "subgerent", "subinspect", "vicepresident", "vicedirect", "vicerrect")
_ZH_MODIFIERS = (("高级", "senior"), ("资深", "senior"), ("初级", "junior"), ("首席", "chief"), ("总经理", "chief"),
                 ("总裁", "chief"), ("总厨", "chief"), ("总监", "head"), ("主任", "head"), ("主管", "lead"),
                 ("领班", "lead"), ("助理", "assistant"), ("助手", "assistant"), ("帮厨", "assistant"),
                 ("小工", "assistant"), ("副", "deputy"), ("实习", "trainee"), ("见习", "trainee"), ("学徒", "trainee"))


def gender_mismatch(query: str, title: str, language: str) -> bool:
    """True when one title is masculine and the other feminine, or they are the two forms of one title.

    The second case covers masculine forms that read as generic on their own (``waiter`` /
    ``waitress``; see :func:`jobmatch_utils.gender.gender_counterparts`).

    Example (notebook 03):
        >>> gender_mismatch("grundschullehrer", "grundschullehrerin", "de"), gender_mismatch("nurse", "RN", "en")
        (True, False)
    """
    genders = {title_gender(query, language), title_gender(title, language)}
    return genders == {"masculine", "feminine"} or (
        "both" not in genders and gender_counterparts(query, title, language) is not None)


@lru_cache(maxsize=65536)
def content_words(title: str, language: str) -> frozenset[str]:
    """The words a title is compared on: folded, accents removed, stop words dropped.

    Chinese titles give their characters (generic role characters such as 师, 员, 工 dropped)
    plus any Latin words.

    Example:
        >>> sorted(content_words("Gesundheits- und Krankenpfleger", "de"))
        ['gesundheits', 'krankenpfleger']
    """
    code = language_code(language)
    if code == "zh":
        latin = set(re.findall(r"[^\W\d_]{2,}", re.sub(r"[\u3400-\u9fff]", " ", fold_title(title))))
        return frozenset((set(han_characters(title)) - _ZH_GENERIC) | latin)
    return frozenset({strip_accents(w) for w in words(title) if len(w) > 1} - _STOPWORDS[code])


def _masculine_base(word: str, code: str) -> str:
    """German feminine words folded to their masculine base (Grundschullehrerin → grundschullehrer)."""
    if code != "de" or word_gender(word, "de") != "feminine":
        return word
    if word.endswith("innen"):
        return word[:-5]
    if word.endswith("frau"):
        return word[:-4] + "mann"
    return word[:-2] if word.endswith("in") else word


def _words_overlap(a: str, b: str, code: str) -> bool:
    if a == b or is_feminine_form(a, b, code) or is_feminine_form(b, a, code):
        return True
    short, long = sorted((_masculine_base(a, code), _masculine_base(b, code)), key=len)
    return short == long or (len(short) >= 4 and (long.startswith(short) or long.endswith(short)))


def no_lexical_overlap(query: str, title: str, language: str) -> bool:
    """True when the two titles share no content word (see the module docstring).

    Example (notebook 03):
        >>> no_lexical_overlap("Lehrer", "Grundschullehrerin", "de"), no_lexical_overlap("Arzt", "Mediziner", "de")
        (False, True)
    """
    code = language_code(language)
    first, second = content_words(query, code), content_words(title, code)
    if code == "zh":
        return not (first & second)
    return not any(_words_overlap(a, b, code) for a in first for b in second)


@lru_cache(maxsize=65536)
def abbreviations(title: str, language: str) -> frozenset[str]:
    """Abbreviations and acronyms in a title, folded (``CEO`` → ``ceo``, ``Dipl.`` → ``dipl``).

    Found by form (2–6 capital letters, or a short word ending in a full stop) and by a small
    list for lower-cased data (``lkw``, ``rrhh``, ``it``); in Chinese, Latin acronyms and a few
    clipped compounds (客服 for 客户服务, 汽修 for 汽车修理).

    Example (notebook 03):
        >>> sorted(abbreviations("Kraftfahrer CE (m/w/d)", "de")), sorted(abbreviations("gerente de RR. HH.", "es"))
        (['ce'], ['hh', 'rr'])
    """
    code = language_code(language)
    text = " ".join(str(title).split())
    found = set()
    for token in re.split(r"[\s/()\-–,]+", text):
        core = token.strip(".")
        letters = re.sub(r"[^A-Za-zÄÖÜ]", "", core)
        if not core:
            continue
        if (2 <= len(letters) <= 6 and letters.isupper() and letters == core.replace("&", "")) \
                or re.fullmatch(r"[^\W\d_]{1,6}\.", token) or core.lower() in _ABBREVIATIONS:
            found.add(core.lower())
        elif code == "zh":
            for run in re.findall(r"[A-Za-z]{2,6}", token):
                if run.isupper() or run.lower() in _ABBREVIATIONS:
                    found.add(run.lower())
            found.update(clip for clip in _ZH_CLIPPED if clip in token)
    return frozenset(found)


def abbreviation_mismatch(query: str, title: str, language: str) -> bool:
    """True when one title has an abbreviation or acronym that the other lacks.

    Example (notebook 03):
        >>> abbreviation_mismatch("CEO", "chief executive officer", "en"), abbreviation_mismatch("IT manager", "head of IT", "en")
        (True, False)
    """
    return bool(abbreviations(query, language) ^ abbreviations(title, language))


def _de_modifier(w: str) -> str | None:
    if w.endswith(("leiter", "leiterin", "leitung")) and "begleit" not in w:
        return "head"
    if w.startswith("chef") or w.endswith(("chef", "chefin")):  # Chef = boss in German, the cook elsewhere
        return "head"
    if w.startswith("ober") and not w.startswith(("oberfläche", "oberbau", "oberstufe")) and len(w) > 6:
        return "senior"
    if w.startswith("haupt") and not w.startswith(("hauptschul", "hauptstadt")) and len(w) > 7:
        return "chief"
    if "assist" in w or w.endswith(("helfer", "helferin", "hilfe")) or w.startswith(("hilfs", "aushilf")):
        return "assistant"
    if w.startswith(("stellvertret", "vize")):
        return "deputy"
    if w.startswith(("praktikant", "auszubildend", "azubi", "trainee", "lehrling", "werkstudent")):
        return "trainee"
    if w.startswith("jung") and len(w) > 5:
        return "junior"
    if w.endswith(("meister", "meisterin")) and not w.endswith(("hausmeister", "hausmeisterin", "bürgermeister",
                                                               "bürgermeisterin")):
        return "senior"
    if w.startswith("vorarbeiter"):
        return "lead"
    return None


@lru_cache(maxsize=65536)
def seniority_modifiers(title: str, language: str) -> frozenset[str]:
    """Canonical seniority and role modifiers of a title: ``junior``, ``senior``, ``head``, ``lead``,
    ``chief``, ``assistant``, ``deputy``, ``trainee``.

    English modifiers are recognised in every language (``Head of Sales (m/w/d)``); German
    looks inside compounds (``Küchenchef``, ``Oberarzt``, ``Pflegehelfer``, ``Jungkoch``).

    Example (notebook 03):
        >>> sorted(seniority_modifiers("Küchenchefin", "de")), sorted(seniority_modifiers("护士长", "zh"))
        (['head'], ['head'])
    """
    code = language_code(language)
    text = fold_title(title)
    found = set()
    if code == "zh":
        found.update(name for marker, name in _ZH_MODIFIERS if marker in text)
        if len(text) > 2 and text.endswith("长"):
            found.add("head")
    for w in words(text):
        if w in _MODIFIER_WORDS:
            found.add(_MODIFIER_WORDS[w])
        elif code == "de" and (name := _de_modifier(w)):
            found.add(name)
        elif code == "es" and w.startswith(_ES_DEPUTY_PREFIXES):
            found.add("deputy")
    return frozenset(found)


def seniority_mismatch(query: str, title: str, language: str) -> bool:
    """True when the two titles carry different seniority or role modifiers.

    Example (notebook 03):
        >>> seniority_mismatch("chef", "head chef", "en"), seniority_mismatch("senior nurse", "Senior Nurse", "en")
        (True, False)
    """
    return seniority_modifiers(query, language) != seniority_modifiers(title, language)


def relevant_ranks(retrieval_set: RetrievalSet, ranking: Ranking) -> pd.DataFrame:
    """Every (judged query, relevant title) pair with its rank and whether it was missed.

    Columns ``q_id, query, c_id, title, rank, n_relevant, missed``; ``rank`` is ``inf`` when the
    title is beyond the ranking's depth; ``missed`` means ``rank > n_relevant``. Rows are in
    query order, best-ranked title first.

    Example:
        >>> r = Ranking(["q"], ["a", "b"], np.array([[1, 0]]), np.array([[0.9, 0.1]]))
        >>> s = RetrievalSet("t", {"q": "x"}, {"a": "a", "b": "b"}, {"q": {"a": 1}}, "en", "en")
        >>> relevant_ranks(s, r)[["c_id", "rank", "missed"]].values.tolist()
        [['a', 2.0, True]]
    """
    position = {cid: i for i, cid in enumerate(ranking.corpus_ids)}
    relevant = retrieval_set.relevant
    rows = []
    for row, qid in enumerate(ranking.query_ids):
        docs = relevant.get(qid)
        if not docs:
            continue
        ranks = np.full(len(ranking.corpus_ids), np.inf)
        ranks[ranking.indices[row]] = np.arange(1, ranking.depth + 1)
        for cid in sorted(docs, key=lambda c: (ranks[position[c]], c)):
            rank = float(ranks[position[cid]])
            rows.append({"q_id": qid, "query": retrieval_set.queries[qid], "c_id": cid,
                         "title": retrieval_set.corpus[cid], "rank": rank, "n_relevant": len(docs),
                         "missed": rank > len(docs)})
    return pd.DataFrame(rows, columns=["q_id", "query", "c_id", "title", "rank", "n_relevant", "missed"])


def classify_relevant(retrieval_set: RetrievalSet, ranking: Ranking, *, tokenizer: TokenizerLike | None = None,
                      language: str | None = None) -> pd.DataFrame:
    """:func:`relevant_ranks` with one boolean column per rule of :data:`RULES`, for found and missed titles.

    Without a tokenizer the ``unknown_tokens`` column is all ``False``.

    Example (notebook 03):
        >>> from jobmatch_utils.data import load_validation_set
        >>> from jobmatch_utils.models import load_model
        >>> from jobmatch_utils.retrieval import rank_set
        >>> s = load_validation_set(None, "de")
        >>> list(classify_relevant(s, rank_set(load_model("tiny")[0], s)).columns[-5:]) == list(RULES)
        True
    """
    code = language_code(language or retrieval_set.query_language)
    pairs = relevant_ranks(retrieval_set, ranking)
    unknown: dict[str, bool] = {}

    def has_unknown(text: str) -> bool:  # cached per text: corpus titles recur across queries
        if tokenizer is None:
            return False
        if text not in unknown:
            unknown[text] = has_unknown_tokens(tokenizer, text, "")
        return unknown[text]

    texts = list(zip(pairs["query"], pairs["title"]))
    pairs["gender_mismatch"] = [gender_mismatch(q, t, code) for q, t in texts]
    pairs["no_lexical_overlap"] = [no_lexical_overlap(q, t, code) for q, t in texts]
    pairs["abbreviation"] = [abbreviation_mismatch(q, t, code) for q, t in texts]
    pairs["seniority_modifier"] = [seniority_mismatch(q, t, code) for q, t in texts]
    pairs["unknown_tokens"] = [has_unknown(q) or has_unknown(t) for q, t in texts]
    return pairs.astype({rule: bool for rule in RULES})


def failure_flags(pairs: pd.DataFrame, query_ids: list[str], *, share: float = 0.5) -> pd.DataFrame:
    """One row per query (index ``q_id``): ``n_missed``, one boolean per rule, and ``unexplained``.

    A rule flags a query when it holds for at least ``share`` of the query's missed titles
    (default: at least half), so a flag names a main cause, not a stray one. ``unexplained``:
    titles were missed but no rule reaches ``share``.

    Example:
        >>> m = pd.DataFrame({"q_id": ["1", "1", "1"], "missed": [True, True, False],
        ...                   **{rule: [False, rule == "abbreviation", True] for rule in RULES}})
        >>> failure_flags(m, ["1", "2"])[["n_missed", "abbreviation", "gender_mismatch"]].values.tolist()
        [[2, True, False], [0, False, False]]
    """
    index = pd.Index([str(q) for q in query_ids], name="q_id", dtype=object)
    missed = pairs[pairs["missed"].astype(bool)] if len(pairs) else pairs
    if len(missed):
        shares = missed.groupby("q_id")[list(RULES)].mean()
        flags = (shares.reindex(index) >= share).fillna(False).astype(bool)
        counts = missed.groupby("q_id").size().reindex(index).fillna(0).astype(int)
    else:
        flags = pd.DataFrame(False, index=index, columns=list(RULES))
        counts = pd.Series(0, index=index)
    flags.insert(0, "n_missed", counts)
    flags["unexplained"] = (flags["n_missed"] > 0) & ~flags[list(RULES)].any(axis=1)
    return flags


def rule_lift(pairs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per language and rule: the share of missed and of found relevant titles the rule holds for.

    A rule whose share is much higher among missed titles than among found ones is
    associated with failure; one with equal shares merely describes the data.

    Example:
        >>> p = pd.DataFrame({"missed": [True, False], **{rule: [True, False] for rule in RULES}})
        >>> rule_lift({"de": p})[["share of missed", "share of found"]].iloc[0].to_dict()
        {'share of missed': 1.0, 'share of found': 0.0}
    """
    rows = []
    for language, table in pairs.items():
        missed = table["missed"].astype(bool)
        for rule in RULES:
            rows.append({"language": language, "rule": rule, "missed titles": int(missed.sum()),
                         "share of missed": float(table.loc[missed, rule].mean()) if missed.any() else float("nan"),
                         "share of found": float(table.loc[~missed, rule].mean()) if (~missed).any()
                         else float("nan")})
    return pd.DataFrame(rows)


def taxonomy_table(errors: pd.DataFrame, *, metric: str = "map@100",
                   categories: tuple[str, ...] = (*RULES, "unexplained")) -> pd.DataFrame:
    """Per language and rule: flagged queries, their share, and the metric on that slice and elsewhere.

    Args:
        errors: One row per (language, query) with ``language``, the metric and one boolean per category.
        metric: The metric averaged over each slice.
        categories: Boolean columns to summarise.

    Example (notebook 03):
        >>> e = pd.DataFrame({"language": ["de", "de"], "map@100": [0.2, 0.8], "gender_mismatch": [True, False]})
        >>> taxonomy_table(e, categories=("gender_mismatch",))[["queries", "share", "map@100 on slice"]].to_dict("records")
        [{'queries': 1, 'share': 0.5, 'map@100 on slice': 0.2}]
    """
    rows = []
    for language, group in errors.groupby("language", sort=False):
        for category in categories:
            mask = group[category].astype(bool)
            rows.append({"language": language, "rule": category, "queries": int(mask.sum()),
                         "share": float(mask.mean()) if len(group) else float("nan"),
                         f"{metric} on slice": float(group.loc[mask, metric].mean()) if mask.any() else float("nan"),
                         f"{metric} elsewhere": float(group.loc[~mask, metric].mean()) if (~mask).any()
                         else float("nan")})
    return pd.DataFrame(rows, columns=["language", "rule", "queries", "share", f"{metric} on slice",
                                       f"{metric} elsewhere"]).astype({"queries": int})


def rule_examples(pairs: Mapping[str, pd.DataFrame], *, per_rule: int = 1) -> pd.DataFrame:
    """For each language and rule, the best-ranked missed title of the first ``per_rule`` queries it holds for.

    Example:
        >>> m = pd.DataFrame({"q_id": ["1"], "query": ["CEO"], "title": ["chief executive officer"], "rank": [3.0],
        ...                   "missed": [True], **{rule: [rule == "abbreviation"] for rule in RULES}})
        >>> rule_examples({"en": m})["rule"].tolist()
        ['abbreviation']
    """
    rows = []
    for language, table in pairs.items():
        table = table[table["missed"].astype(bool)]
        for rule in RULES:
            flagged = table[table[rule]].drop_duplicates("q_id").head(per_rule)
            rows += [{"language": language, "rule": rule, "query": r["query"], "missed title": r["title"],
                      "rank": r["rank"]} for _, r in flagged.iterrows()]
    return pd.DataFrame(rows, columns=["language", "rule", "query", "missed title", "rank"])
