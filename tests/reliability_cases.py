"""Every bad-input case the kit promises to handle, with the exact outcome.

``tests/test_reliability.py`` runs each case; ``docs/reliability.md`` is rendered from this
table (``python tests/reliability_cases.py > docs/reliability.md``) and a test keeps it in step.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobmatch_utils.errors import (
    CacheError,
    DataFormatError,
    DataNotFoundError,
    JobmatchError,
    ModelLoadError,
    ParameterError,
)


@dataclass(frozen=True)
class Case:
    group: str
    entry: str
    situation: str
    action: Callable[[Path], Any]
    error: type[JobmatchError] | None = None
    fragment: str = ""            # must appear in the error message
    check: Callable[[Any], bool] | None = None  # for cases that succeed: the corrected value
    outcome: str = ""             # what the kit does, in words (for the table)


# --- helpers ---------------------------------------------------------------------------------

def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def retrieval_set(tmp: Path, queries: str | bytes = "q_id\tjobtitle\n1\tnurse\n2\tcook\n",
                  corpus: str | bytes = "c_id\tjobtitle\n1\tRN\n2\tchef\n3\tbaker\n",
                  qrels: str | bytes = "1\t0\t1\t1\n2\t0\t2\t1\n"):
    from jobmatch_utils.data import load_retrieval_set

    folder = tmp / "set"
    write(folder / "queries", queries)
    write(folder / "corpus_elements", corpus)
    write(folder / "qrels.tsv", qrels)
    return load_retrieval_set(folder)


def queries_file(content: str | bytes) -> Callable[[Path], Any]:
    return lambda tmp: retrieval_set(tmp, queries=content)


def training(content: str | bytes) -> Callable[[Path], Any]:
    def action(tmp: Path):
        from jobmatch_utils.data import load_training_pairs

        write(tmp / "training" / "german" / "taskA_training_de.tsv", content)
        return load_training_pairs(tmp, "de")
    return action


def run_file(content: str) -> Callable[[Path], Any]:
    def action(tmp: Path):
        from jobmatch_utils.trec import read_trec_run

        return read_trec_run(write(tmp / "run.txt", content))
    return action


def evaluated(qrels: dict, run: str, protocol: str = "trec") -> Callable[[Path], Any]:
    def action(tmp: Path):
        from jobmatch_utils.evaluation import evaluate_run
        from jobmatch_utils.trec import read_trec_run

        return evaluate_run(qrels, read_trec_run(write(tmp / "run.txt", run)), protocol=protocol)
    return action


def esco_file(content: str) -> Callable[[Path], Any]:
    def action(tmp: Path):
        from jobmatch_utils.esco import load_esco_occupations

        write(tmp / "occupations_en.csv", content)
        return load_esco_occupations(tmp, "en")
    return action


def parameters(values: dict, injected: set[str]) -> Callable[[Path], Any]:
    def action(tmp: Path):
        from jobmatch_utils.params import check_parameters

        namespace = {"__annotations__": {"model": str, "languages": list[str], "smoke": bool, "max_queries": int},
                     "model": "", "languages": ["en"], "smoke": False, "max_queries": 0, **values}
        return check_parameters(namespace, injected=injected)
    return action


def gzipped() -> bytes:
    return gzip.compress(b"q_id\tjobtitle\n1\tnurse\n")


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("queries", "q_id\tjobtitle\n1\tnurse\n")
    return buffer.getvalue()


def model_folder(kind: str) -> Callable[[Path], Any]:
    def action(tmp: Path):
        from jobmatch_utils.models import load_model

        folder = tmp / "model"
        folder.mkdir()
        if kind == "remote-code":
            write(folder / "config.json", '{"model_type": "bert", "auto_map": {"AutoModel": "modeling.MyModel"}}')
        elif kind == "empty":
            pass
        return load_model(str(folder if kind != "missing" else tmp / "nowhere"))
    return action


def hub_id_offline(tmp: Path):
    import os

    from jobmatch_utils.models import resolve_model

    previous = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        return resolve_model("someone/not-cached-model")
    finally:
        if previous is None:
            os.environ.pop("HF_HUB_OFFLINE")
        else:
            os.environ["HF_HUB_OFFLINE"] = previous


def corrupted_cache(tmp: Path):
    import warnings

    import numpy as np

    from jobmatch_utils.cache import EmbeddingCache

    cache = EmbeddingCache("fingerprint", root=tmp)
    cache.put(["nurse"], np.ones((1, 4), dtype=np.float32))
    for shard in cache.folder.glob("*.npz"):
        shard.write_bytes(shard.read_bytes()[:30])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reopened = EmbeddingCache("fingerprint", root=tmp)
        found, missing = reopened.get(["nurse"])
    return {"missing": missing, "warned": any("unreadable embedding-cache shard" in str(w.message) for w in caught),
            "left": len(list(cache.folder.glob("*.npz")))}


def concurrent_cache_writers(tmp: Path):
    import multiprocessing

    import numpy as np

    from jobmatch_utils.cache import EmbeddingCache

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pool.starmap(_write_entries, [(str(tmp), seed) for seed in (1, 2, 3, 4)])
    cache = EmbeddingCache("shared", root=tmp)
    found, missing = cache.get([f"title {i}" for i in range(200)])
    return {"missing": missing, "finite": all(np.isfinite(v).all() for v in found.values()),
            "partial files": list(cache.folder.glob(".tmp-*"))}


def _write_entries(root: str, seed: int) -> None:
    import numpy as np

    from jobmatch_utils.cache import EmbeddingCache

    cache = EmbeddingCache("shared", root=root)
    for _ in range(5):
        cache.put([f"title {i}" for i in range(200)], np.full((200, 64), seed, dtype=np.float32))


def staged_output_interrupted(tmp: Path):
    from jobmatch_utils.outputs import is_complete, staged_directory

    target = tmp / "finetuned-model"
    with staged_directory(target) as staging:
        write(staging / "weights", "v1")
    try:
        with staged_directory(target) as staging:
            write(staging / "weights", "half of v2")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    return {"kept": (target / "weights").read_text(), "complete": is_complete(target),
            "incomplete marked": not is_complete(tmp / "finetuned-model.incomplete")
            and (tmp / "finetuned-model.incomplete").is_dir()}


def interrupted_report(tmp: Path):
    import json
    from unittest import mock

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from jobmatch_utils.report import run_report

    notebook = tmp / "notebooks" / "01_demo.ipynb"
    notebook.parent.mkdir()
    cell = new_code_cell('smoke: bool = False  # smoke')
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(new_notebook(cells=[cell]), notebook)
    out = tmp / "reports"
    write(out / "01_demo.ipynb", "earlier complete output")

    def interrupted(source, target, **kwargs):
        write(Path(target), "half-written")
        raise KeyboardInterrupt

    with mock.patch("papermill.execute_notebook", interrupted):
        try:
            run_report(out, quick=True, notebooks=[notebook], kernel_name="python3")
        except KeyboardInterrupt:
            pass
    report = json.loads((out / "report.json").read_text())
    return {"status": report["notebooks"][0]["status"], "kept": (out / "01_demo.ipynb").read_text(),
            "marked": (out / "01_demo.failed.ipynb").read_text(), "index": "interrupted" in (out / "index.html").read_text()}


def plain_hugging_face_folder(tmp: Path):
    from jobmatch_utils.models import load_model

    model, _ = load_model("tiny")
    folder = tmp / "bert"
    model[0].auto_model.save_pretrained(folder)
    model.tokenizer.save_pretrained(folder)
    return load_model(str(folder))[1]


def very_long_title(tmp: Path):
    import warnings

    from jobmatch_utils.models import load_model
    from jobmatch_utils.retrieval import encode

    model, _ = load_model("tiny")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vectors = encode(model, ["nurse " * 400, "cook"], cache=False)
    return {"shape": vectors.shape, "messages": [str(w.message) for w in caught]}


# --- the table ---------------------------------------------------------------------------------

Q = "TalentCLEF queries / corpus loader"
T = "TalentCLEF training loader"
R = "TREC run reader"
QR = "TREC qrels reader"
CASES: list[Case] = [
    # files
    Case("Files", Q, "missing file", lambda tmp: retrieval_set(tmp) and __import__("jobmatch_utils.data").data.load_queries(tmp / "nope"),
         DataNotFoundError, "queries file not found — check the path"),
    Case("Files", Q, "missing folder", lambda tmp: __import__("jobmatch_utils.data").data.load_validation_set(tmp, "en"),
         DataNotFoundError, "no english validation set"),
    Case("Files", Q, "empty file", queries_file(""), DataFormatError, "queries file is empty"),
    Case("Files", Q, "header missing", queries_file("1\tnurse\n"), DataFormatError,
         "expected the header 'q_id<TAB>jobtitle'"),
    Case("Files", T, "header present where none is expected", training("family_id\tesco_id\tjobtitle_1\tjobtitle_2\n"),
         DataFormatError, "unexpected header line"),
    Case("Files", QR, "header present where none is expected",
         lambda tmp: retrieval_set(tmp, qrels="q_id\titer\tc_id\trel\n1\t0\t1\t1\n"), DataFormatError,
         "qrels have no header: delete the first line"),
    Case("Files", Q, "wrong number of columns", queries_file("q_id\tjobtitle\n1\tnurse\textra\n"), DataFormatError,
         "expected 2 tab-separated columns, found 3"),
    Case("Files", T, "too few columns", training("a\tb\tLehrer\n"), DataFormatError,
         "expected 4 tab-separated columns, found 3"),
    Case("Files", Q, "spaces where tabs are expected", queries_file("q_id\tjobtitle\n1 registered nurse\n"),
         DataFormatError, "are the columns separated by spaces?"),
    Case("Files", R, "tabs or several spaces between columns", run_file("1\tQ0  a 1\t0.9 t\n"),
         check=lambda run: run.scores == {"1": {"a": 0.9}}, outcome="accepted: runs allow any white space"),
    Case("Files", Q, "UTF-8 byte-order mark", queries_file(b"\xef\xbb\xbfq_id\tjobtitle\n1\tnurse\n2\tcook\n"),
         check=lambda s: s.queries == {"1": "nurse", "2": "cook"} and any("byte-order mark" in n for n in s.notes),
         outcome="accepted; the mark is dropped and noted once"),
    Case("Files", Q, "CRLF line ends", queries_file("q_id\tjobtitle\r\n1\tnurse\r\n2\tcook\r\n"),
         check=lambda s: s.queries == {"1": "nurse", "2": "cook"} and any("CRLF" in n for n in s.notes),
         outcome="accepted; counted once in the set's notes"),
    Case("Files", Q, "blank and whitespace-only lines", queries_file("q_id\tjobtitle\n\n1\tnurse\n   \t \n2\tcook\n"),
         check=lambda s: s.queries == {"1": "nurse", "2": "cook"} and any("2 blank line(s) skipped" in n for n in s.notes),
         outcome="skipped; counted once in the set's notes"),
    Case("Files", Q, "trailing tabs", queries_file("q_id\tjobtitle\n1\tnurse\t\t\n2\tcook\n"),
         check=lambda s: s.queries["1"] == "nurse" and any("trailing tab" in n for n in s.notes),
         outcome="removed; counted once in the set's notes"),
    Case("Files", Q, "bytes that are not UTF-8", queries_file(b"q_id\tjobtitle\n1\tnurse\n2\tK\xf6chin\n"), DataFormatError,
         "queries:3: not valid UTF-8 (byte offset 25: b'\\xf6')"),
    Case("Files", Q, "a gzip file handed over as a TSV", queries_file(gzipped()), DataFormatError,
         "this is a gzip file, not a text file"),
    Case("Files", Q, "a zip archive handed over as a TSV", queries_file(zipped()), DataFormatError,
         "this is a zip archive, not a text file"),
    Case("Files", "ESCO loader", "a column missing", esco_file("conceptUri,preferredLabel\nu,nurse\n"), DataFormatError,
         "missing column(s) iscoGroup, altLabels"),
    # ids
    Case("Ids", Q, "duplicate id with a different title", queries_file("q_id\tjobtitle\n1\tnurse\n1\tcook\n"),
         DataFormatError, "duplicate q_id '1' with a different title (first on line 2"),
    Case("Ids", Q, "duplicate id with the same title", queries_file("q_id\tjobtitle\n1\tnurse\n1\tnurse\n2\tcook\n"),
         check=lambda s: len(s.queries) == 2 and any("1 repeated line(s)" in n for n in s.notes),
         outcome="kept once; said in the set's notes"),
    Case("Ids", Q, "ids that look numeric",
         lambda tmp: retrieval_set(tmp, queries="q_id\tjobtitle\n007\tnurse\n2\tcook\n", qrels="007\t0\t1\t1\n"),
         check=lambda s: list(s.queries) == ["007", "2"] and s.relevant == {"007": {"1"}},
         outcome="kept as text: `007` stays `007`"),
    Case("Ids", QR, "qrels naming an unknown query", lambda tmp: retrieval_set(tmp, qrels="1\t0\t1\t1\n9\t0\t2\t1\n"),
         DataFormatError, "qrels name 1 query id(s) not in the queries file, e.g. '9'"),
    Case("Ids", QR, "qrels naming an unknown document", lambda tmp: retrieval_set(tmp, qrels="1\t0\t1\t1\n2\t0\t77\t1\n"),
         DataFormatError, "qrels name corpus id '77' (query '2') that is not in corpus_elements"),
    Case("Ids", QR, "a query with no relevant document", lambda tmp: retrieval_set(tmp, qrels="1\t0\t1\t1\n"),
         check=lambda s: list(s.relevant) == ["1"] and any("1 query(ies) without a relevant title" in n for n in s.notes),
         outcome="dropped by the card's protocol, with a count in the notes"),
    Case("Ids", QR, "relevance 0 rows", lambda tmp: retrieval_set(tmp, qrels="1\t0\t1\t1\n1\t0\t3\t0\n2\t0\t2\t1\n"),
         check=lambda s: s.relevant["1"] == {"1"} and s.qrels["1"]["3"] == 0,
         outcome="judged not relevant"),
    # text
    Case("Text", Q, "an empty title", queries_file("q_id\tjobtitle\n1\t\n"), DataFormatError,
         "queries:2: empty job title for q_id '1' — fill in the title or delete the line"),
    Case("Text", Q, "a title of spaces only", queries_file("q_id\tjobtitle\n1\tnurse\n2\t   \t\n"), DataFormatError,
         "queries:3: empty job title for q_id '2'"),
    Case("Text", Q, "titles that differ only in Unicode normalisation (NFC vs NFD)",
         queries_file("q_id\tjobtitle\n1\tA\u0308rztin\n2\t\u00c4rztin\n"),
         check=lambda s: s.queries["1"] == s.queries["2"] == "\u00c4rztin" and any("Unicode-normalised" in n for n in s.notes),
         outcome="both become NFC (as TalentCLEF's German files mix the two); counted once"),
    Case("Text", Q, "full-width Latin", queries_file("q_id\tjobtitle\n1\t\uff2e\uff55\uff52\uff53\uff45\n2\tcook\n"),
         check=lambda s: s.queries["1"] == "Nurse", outcome="folded to ASCII; Chinese characters are left alone"),
    Case("Text", "encoding", "a title longer than the model's token limit", very_long_title,
         check=lambda r: r["shape"][0] == 2 and any("longer than the model's" in m and "truncated" in m for m in r["messages"]),
         outcome="encoded from its first tokens; one warning with the count"),
    Case("Text", Q, "mixed scripts", queries_file("q_id\tjobtitle\n1\tJava开发工程师\n2\tcook\n"),
         check=lambda s: s.queries["1"] == "Java开发工程师", outcome="accepted unchanged"),
    # runs
    Case("Runs", R, "5 columns (no tag)", run_file("1 Q0 a 1 0.9\n"), check=lambda run: run.scores == {"1": {"a": 0.9}},
         outcome="accepted"),
    Case("Runs", R, "too few columns", run_file("1 Q0 a 0.9\n"), DataFormatError, "run.txt:1: expected 6 columns"),
    Case("Runs", R, "too many columns", run_file("1 Q0 a 1 0.9 tag extra\n"), DataFormatError, "found 7"),
    Case("Runs", R, "a non-numeric score", run_file("1 Q0 a 1 high t\n"), DataFormatError, "score 'high' is not a number"),
    Case("Runs", R, "a NaN score", run_file("1 Q0 a 1 0.9 t\n1 Q0 b 2 nan t\n"), DataFormatError, "run.txt:2: score 'nan' is not finite"),
    Case("Runs", R, "duplicate documents for one query", run_file("1 Q0 a 1 0.9 t\n1 Q0 a 2 0.5 t\n"),
         check=lambda run: run.scores == {"1": {"a": 0.9}} and "1 duplicate document line(s) ignored (first kept)" in run.notes,
         outcome="first line kept (as trec_eval does); counted"),
    Case("Runs", R, "ranks contradicting scores", run_file("1 Q0 a 1 0.1 t\n1 Q0 b 2 0.9 t\n"),
         check=lambda run: any("ranks contradict scores in 1 query" in n for n in run.notes),
         outcome="scores decide the order (as trec_eval and ranx do); counted"),
    Case("Runs", "run evaluation", "a judged query with no line in the run (trec protocol)",
         evaluated({"1": {"a": 1}, "2": {"b": 1}}, "1 Q0 a 1 0.9 t\n"),
         check=lambda e: e.scores["map"] == 0.5 and e.missing_from_run == ["2"],
         outcome="scores 0 and stays in the mean; counted"),
    Case("Runs", "run evaluation", "run lines for a query without judgments",
         evaluated({"1": {"a": 1}}, "1 Q0 a 1 0.9 t\n7 Q0 a 1 0.9 t\n"),
         check=lambda e: e.scores["map"] == 1.0 and e.ignored_run_queries == ["7"], outcome="ignored; counted"),
    # notebook parameters
    Case("Notebook parameters", "check_parameters", "an unknown name", parameters({}, {"langauges"}), ParameterError,
         "unknown parameter(s) langauges — valid parameters: model, languages, smoke, max_queries"),
    Case("Notebook parameters", "check_parameters", "a wrong type", parameters({"max_queries": "many"}, {"max_queries"}),
         ParameterError, "parameter 'max_queries' must be int, got 'many'"),
    Case("Notebook parameters", "check_parameters", "papermill's `-p smoke false` (a string)",
         parameters({"smoke": "false"}, {"smoke"}), check=lambda v: v["smoke"] is False, outcome="coerced to False"),
    Case("Notebook parameters", "check_parameters", "a language code the kit does not support",
         parameters({"languages": ["en", "fr"]}, {"languages"}), ParameterError, "use codes from en, es, de, zh"),
    # models
    Case("Models", "load_model", "a missing path", model_folder("missing"), ModelLoadError, "model folder not found"),
    Case("Models", "load_model", "a folder that is not a model", model_folder("empty"), ModelLoadError,
         "not a model folder (no modules.json or config.json)"),
    Case("Models", "load_model", "a model that ships its own code", model_folder("remote-code"), ModelLoadError,
         "the kit never enables trust_remote_code"),
    Case("Models", "load_model", "a plain Hugging Face BERT folder (no sentence-transformers config)",
         plain_hugging_face_folder, check=lambda info: info.pooling == "mean" and "wrapped with mean pooling" in info.source,
         outcome="wrapped with mean pooling, and the model's description says so"),
    Case("Models", "resolve_model", "offline, a hub id that is not cached", hub_id_offline, ModelLoadError,
         "not in the Hugging Face cache, and the hub is not reachable"),
    # cache and outputs
    Case("Cache and outputs", "embedding cache", "a truncated or corrupted cache file", corrupted_cache,
         check=lambda r: r["missing"] == ["nurse"] and r["warned"] and r["left"] == 0,
         outcome="detected, deleted, re-encoded; one warning"),
    Case("Cache and outputs", "embedding cache", "two processes writing the same entries", concurrent_cache_writers,
         check=lambda r: r["missing"] == [] and r["finite"] and r["partial files"] == [],
         outcome="no corruption: each write is a new file renamed into place"),
    Case("Cache and outputs", "jobmatch report", "an interrupted report", interrupted_report,
         check=lambda r: r["status"] == "interrupted" and r["kept"] == "earlier complete output"
         and r["marked"] == "half-written" and r["index"],
         outcome="earlier complete outputs kept; the partial notebook saved as `<name>.failed.ipynb`; index and report.json say `interrupted`"),
    Case("Cache and outputs", "output folders (fine-tune)", "an interrupted write", staged_output_interrupted,
         check=lambda r: r["kept"] == "v1" and r["complete"] and r["incomplete marked"],
         outcome="the earlier complete folder is kept; the partial one is `<name>.incomplete` with an INCOMPLETE marker"),
]
assert all((c.error is None) == (not c.fragment) == (c.check is not None) for c in CASES), "a case needs an error and fragment, or a check"
assert CacheError  # part of the hierarchy; raised by cache writes that cannot happen


def render() -> str:
    """The Markdown table of every case, from :data:`CASES`."""
    lines = ["# What the kit does with bad input", "",
             "Generated from `tests/reliability_cases.py` (`python tests/reliability_cases.py > docs/reliability.md`);",
             "`tests/test_reliability.py` runs every row and checks this file is in step.", "",
             "Errors print as one line `error: <file>:<line>: <what> — <how to fix>` (exit status 2 on the",
             "command line; one line in notebooks). Every error is a subclass of `JobmatchError`.", ""]
    group = None
    for case in CASES:
        if case.group != group:
            group = case.group
            lines += ["", f"## {group}", "", "| entry point | situation | what the kit does |", "| --- | --- | --- |"]
        does = f"`{case.error.__name__}`: …{case.fragment}…" if case.error else case.outcome
        escaped = does.replace("|", "\\|")
        lines.append(f"| {case.entry} | {case.situation} | {escaped} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
