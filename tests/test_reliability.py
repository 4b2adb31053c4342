"""One test per bad-input case (the table in reliability_cases.py), the docs in step, and a fuzz test."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from reliability_cases import CASES, render  # noqa: E402

from jobmatch_utils.data import SAMPLE_ROOT, load_retrieval_set, load_training_pairs  # noqa: E402
from jobmatch_utils.errors import JobmatchError  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs" / "reliability.md"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.entry}: {c.situation}")
def test_case(case, tmp_path: Path) -> None:
    if case.error is not None:
        with pytest.raises(case.error, match=re.escape(case.fragment)) as info:
            case.action(tmp_path)
        assert type(info.value) is case.error
        assert " — " in str(info.value), "every error says how to fix it"
    else:
        result = case.action(tmp_path)
        assert case.check(result), f"unexpected result: {result!r}"


def test_docs_table_is_in_step() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), "run: python tests/reliability_cases.py > docs/reliability.md"


def _corrupt(data: bytes, rng: random.Random) -> bytes:
    kind = rng.choice(["flip", "delete-line", "duplicate-line", "truncate", "insert-tab", "swap-columns", "bytes", "blank"])
    lines = data.split(b"\n")
    if kind == "flip" and data:
        at = rng.randrange(len(data))
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    if kind == "delete-line" and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    elif kind == "duplicate-line":
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
    elif kind == "truncate":
        return data[: rng.randrange(len(data) + 1)]
    elif kind == "insert-tab":
        at = rng.randrange(len(lines))
        lines[at] = lines[at] + b"\t" + rng.choice([b"", b"x", b"\t"])
    elif kind == "swap-columns":
        at = rng.randrange(len(lines))
        lines[at] = b"\t".join(reversed(lines[at].split(b"\t")))
    elif kind == "bytes":
        return data + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))
    elif kind == "blank":
        lines.insert(rng.randrange(len(lines)), b"  \t ")
    return b"\n".join(lines)


@pytest.mark.parametrize("seed", range(60))
def test_fuzz_corrupted_sample_files_give_right_counts_or_the_kits_error(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    source = SAMPLE_ROOT / "TaskA" / "validation" / rng.choice(["english", "spanish", "german", "chinese"])
    folder = tmp_path / "set"
    folder.mkdir()
    for name in ("queries", "corpus_elements", "qrels.tsv"):
        data = (source / name).read_bytes()
        for _ in range(rng.randrange(0, 3)):
            data = _corrupt(data, rng)
        (folder / name).write_bytes(data)
    try:
        s = load_retrieval_set(folder)
    except JobmatchError:
        return
    # it loaded: the counts must agree with the files as written
    for name, titles in (("queries", s.queries), ("corpus_elements", s.corpus)):
        # split on "\n" only: str.splitlines also breaks on \x1c, \x85 … which the files treat as text
        data_lines = [ln for ln in (folder / name).read_text(encoding="utf-8-sig").split("\n")[1:] if ln.strip()]
        assert len(titles) == len({ln.split("\t")[0].strip() for ln in data_lines})
    assert all(q in s.queries for q in s.qrels)
    assert all(d in s.corpus for judged in s.qrels.values() for d in judged)


@pytest.mark.parametrize("seed", range(20))
def test_fuzz_training_files(seed: int, tmp_path: Path) -> None:
    rng = random.Random(1000 + seed)
    data = (SAMPLE_ROOT / "TaskA" / "training" / "german" / "taskA_training_de.tsv").read_bytes()
    for _ in range(rng.randrange(1, 3)):
        data = _corrupt(data, rng)
    target = tmp_path / "training" / "german" / "taskA_training_de.tsv"
    target.parent.mkdir(parents=True)
    target.write_bytes(data)
    try:
        pairs = load_training_pairs(tmp_path, "de")
    except JobmatchError:
        return
    expected = [ln for ln in data.decode("utf-8-sig").split("\n") if ln.strip()]
    assert len(pairs) == len(expected)
