"""The kit's own multilingual sample, written from ``data/sample/occupations.json``.

``occupations.json`` is the source, written by hand for this kit: occupations with an ISCO-08
unit group, a split (``validation`` or ``training``) and 3–8 titles per language, the first
being the canonical one. This module derives every other file of ``data/sample/`` from it:

* ``TaskA/validation/<language>/`` — TalentCLEF layout. Queries are each validation
  occupation's first title, plus, in German and Spanish, the other form of its first gender
  pair, so both forms are asked; the corpus is every other title of those occupations;
  qrels join titles of the same occupation.
* ``TaskA/training/<language>/taskA_training_<code>.tsv`` — pairs of titles of the same
  training occupation (never a validation one), in TalentCLEF's 4-column format.
* ``esco/occupations_{en,de,es}.csv`` and ``esco/ISCOGroups_en.csv`` — ESCO's CSV format.
* ``crosslingual/<source>-<target>/`` — English (or Chinese) queries against another
  language's corpus, for directions ESCO cannot give (Chinese).

Regenerate with ``python -m jobmatch_utils.sample``; a test checks the files are in step.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from .data import SAMPLE_ROOT
from .languages import LANGUAGES
from .textio import atomic_write_text

__all__ = ["SampleOccupation", "load_sample_occupations", "render_sample", "write_sample",
           "SAMPLE_CROSSLINGUAL_DIRECTIONS", "ISCO_MAJOR_GROUPS"]

SAMPLE_CROSSLINGUAL_DIRECTIONS: tuple[tuple[str, str], ...] = (("en", "es"), ("en", "de"), ("en", "zh"),
                                                               ("zh", "en"))
#: ISCO-08 major groups (the standard's own names).
ISCO_MAJOR_GROUPS: dict[str, str] = {
    "0": "Armed forces occupations",
    "1": "Managers",
    "2": "Professionals",
    "3": "Technicians and associate professionals",
    "4": "Clerical support workers",
    "5": "Service and sales workers",
    "6": "Skilled agricultural, forestry and fishery workers",
    "7": "Craft and related trades workers",
    "8": "Plant and machine operators and assemblers",
    "9": "Elementary occupations",
}
_URI = "urn:jobmatch:sample:occupation:"


@dataclass(frozen=True)
class SampleOccupation:
    id: str
    isco_group: str
    split: str
    titles: dict[str, list[str]]
    gender_pairs: dict[str, list[tuple[str, str]]]

    @property
    def uri(self) -> str:
        return _URI + self.id


def load_sample_occupations(path: str | Path | None = None) -> list[SampleOccupation]:
    """Read ``occupations.json`` (default: the bundled one)."""
    source = Path(path) if path is not None else SAMPLE_ROOT / "occupations.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    return [SampleOccupation(o["id"], o["isco_group"], o["split"], o["titles"],
                             {k: [tuple(p) for p in v] for k, v in o.get("gender_pairs", {}).items()})
            for o in data["occupations"]]


def _tsv(rows: list[list[str]]) -> str:
    return "".join("\t".join(row) + "\n" for row in rows)


def _query_titles(occupation: SampleOccupation, code: str) -> list[str]:
    titles = occupation.titles[code]
    queries = [titles[0]]
    for masculine, feminine in occupation.gender_pairs.get(code, [])[:1]:
        other = feminine if titles[0] == masculine else masculine if titles[0] == feminine else None
        if other and other not in queries:
            queries.append(other)
    return queries


def _retrieval_files(query_items: list[tuple[str, str]], corpus_items: list[tuple[str, str]]) -> dict[str, str]:
    """Files of a TalentCLEF folder from ``(occupation_id, title)`` lists; ids numbered from 1."""
    queries = [[str(i), title] for i, (_, title) in enumerate(query_items, start=1)]
    corpus = [[str(i), title] for i, (_, title) in enumerate(corpus_items, start=1)]
    qrels = [[str(qi), "0", str(ci), "1"]
             for qi, (q_occ, _) in enumerate(query_items, start=1)
             for ci, (c_occ, _) in enumerate(corpus_items, start=1) if q_occ == c_occ]
    return {"queries": _tsv([["q_id", "jobtitle"], *queries]),
            "corpus_elements": _tsv([["c_id", "jobtitle"], *corpus]),
            "qrels.tsv": _tsv(qrels)}


def render_sample(occupations: list[SampleOccupation]) -> dict[str, str]:
    """Every derived file of the sample, as ``{relative path: content}``."""
    files: dict[str, str] = {}
    validation = [o for o in occupations if o.split == "validation"]
    training = [o for o in occupations if o.split == "training"]
    for code, folder in LANGUAGES.items():
        query_items = [(o.id, t) for o in validation for t in _query_titles(o, code)]
        asked = set(query_items)
        corpus_items = [(o.id, t) for o in validation for t in o.titles[code] if (o.id, t) not in asked]
        for name, text in _retrieval_files(query_items, corpus_items).items():
            files[f"TaskA/validation/{folder}/{name}"] = text
        pairs = [[f"http://data.europa.eu/esco/isco/C{o.isco_group}", o.uri, a, b]
                 for o in training for a, b in combinations(o.titles[code], 2)]
        files[f"TaskA/training/{folder}/taskA_training_{code}.tsv"] = _tsv(pairs)
    for source, target in SAMPLE_CROSSLINGUAL_DIRECTIONS:
        query_items = [(o.id, o.titles[source][0]) for o in validation]
        corpus_items = [(o.id, t) for o in validation for t in o.titles[target]]
        for name, text in _retrieval_files(query_items, corpus_items).items():
            files[f"crosslingual/{source}-{target}/{name}"] = text
        files[f"crosslingual/{source}-{target}/build.json"] = json.dumps(
            {"source": source, "target": target, "built_from": "data/sample/occupations.json",
             "queries": "first title of each validation occupation",
             "corpus": "every title of the validation occupations in the target language",
             "relevant": "target-language titles of the same occupation"}, indent=2) + "\n"
    for code in ("en", "de", "es"):
        files[f"esco/occupations_{code}.csv"] = _esco_csv(occupations, code)
    files["esco/ISCOGroups_en.csv"] = _isco_csv()
    return files


def _esco_csv(occupations: list[SampleOccupation], code: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels",
                     "hiddenLabels", "status", "modifiedDate", "regulatedProfessionNote", "scopeNote",
                     "definition", "inScheme", "description", "code"])
    for o in occupations:
        titles = o.titles[code]
        writer.writerow(["Occupation", o.uri, o.isco_group, titles[0], "\n".join(titles[1:]), "", "released",
                         "", "", "", "", "", f"jobmatch sample occupation '{o.id}'", f"{o.isco_group}.0"])
    return buffer.getvalue()


def _isco_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["conceptType", "conceptUri", "code", "preferredLabel", "status", "altLabels",
                     "inScheme", "description"])
    for code, name in ISCO_MAJOR_GROUPS.items():
        writer.writerow(["ISCOGroup", f"http://data.europa.eu/esco/isco/C{code}", code, name, "released",
                         "", "", ""])
    return buffer.getvalue()


def write_sample(dest: str | Path | None = None, occupations: list[SampleOccupation] | None = None) -> list[Path]:
    """Write the derived sample files under ``dest`` (default ``data/sample/``)."""
    root = Path(dest) if dest is not None else SAMPLE_ROOT
    written = []
    for relative, text in render_sample(occupations or load_sample_occupations()).items():
        atomic_write_text(root / relative, text)
        written.append(root / relative)
    return written


if __name__ == "__main__":
    for path in write_sample():
        print(path)
