"""Answers to messy, realistic questions, through the whole pipeline (issue 15).

    python bench/answers.py                          # messy, messy2, questions; dev + heldout
    python bench/answers.py --sets messy2 --splits dev --json out.json
    python bench/answers.py --sweep [--plot curve.png]   # the answerability trade-off curve
    python bench/answers.py --clapnq [--splits dev]      # the clapnq-derived set
    python bench/answers.py --limit 5 --sets messy       # a quick look

The example app is copied to a temporary folder and set up with the public CLI
(``stanchion quickstart --no-serve``: key file, migrations, documents ingested and
approved; ``stanchion keys create``), then served in process (``create_app`` with an httpx
ASGI client) on its default ``local`` route. Every example goes in as one chat request
(multi-turn examples as the whole conversation); the decision, answer and citations come
from the response, the answerability evidence from the request's trace
(``GET /v1/traces/{id}``, ``annotations["answerability"]``). Scoring is
``stanchion.evals.scoring.score``: an answerable example passes when the decision is pass or
redact and the answer holds every fact; an unanswerable one only when it is refused.

``--sweep`` serves the app with the answerability gate opened (every numeric setting whose
name mentions answerability set to 0) and replays each threshold on the recorded scores:
answered correctly (answerable, score >= t, passes) against wrongly answered (unanswerable,
score >= t, not refused). The spec's own threshold is marked on the curve.

Progress goes to stderr; tables to stdout. The held-out splits are for reporting only.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Any

import orjson
from answers_app import (
    EXAMPLE,
    Outcome,
    copy_example,
    open_gate,
    run_rows,
    say,
    serve,
    source_texts,
    temp_folder,
    write_spec,
)
from answers_clapnq import run_clapnq
from answers_figures import (
    default_threshold,
    failure_cause,
    plot,
    print_failures,
    print_sweep,
    report,
    summarize,
    sweep,
)

SPLITS = ("dev", "heldout")
DEFAULT_SETS = "messy,messy2,messy3,messy4,questions"


def discover(folder: Path) -> dict[str, str]:
    """The question sets of an app's ``evals/`` folder: ``NAME-dev.jsonl`` with
    ``NAME-heldout.jsonl`` (split by their authors), or one ``NAME.jsonl`` (split by id)."""
    sets: dict[str, str] = {}
    for path in sorted(folder.glob("*.jsonl")):
        name = path.stem
        for split in SPLITS:
            if name.endswith(f"-{split}"):
                sets[name.removesuffix(f"-{split}")] = name.removesuffix(f"-{split}") + "-{}.jsonl"
                break
        else:
            sets.setdefault(name, path.name)
    return sets


def split_of(example_id: str) -> str:
    return "dev" if hashlib.sha256(example_id.encode()).digest()[0] < 154 else "heldout"


def load_rows(set_name: str, split: str, folder: Path = EXAMPLE / "evals") -> list[dict[str, Any]]:
    pattern = discover(folder)[set_name]
    path = folder / pattern.format(split)
    rows = [orjson.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if "{}" not in pattern:  # one file: its rows' own split, or split by id like the others
        rows = [r for r in rows if r.get("split", split_of(r["id"])) == split]
    return rows


async def run_pass(
    args: argparse.Namespace, jobs: list[tuple[dict[str, Any], str, str]], gate_open: bool
) -> tuple[list[Outcome], dict[str, Any]]:
    """One fresh copy of the app, every job asked; returns the outcomes and the spec."""
    with temp_folder() as folder:
        copy_example(folder, args.app)
        spec = write_spec(folder, lambda _: None)
        if gate_open and open_gate(folder) is None:
            say("could not open the answerability gate: the curve is the default's only")
        say(f"{'gate open: ' if gate_open else ''}{len(jobs)} examples in {folder}")
        texts = source_texts(folder)
        async with serve(folder) as served:
            outs = await run_rows(served, jobs, args.concurrency)
    for o in outs:
        o.cause = failure_cause(o, texts)
    return outs, spec


def group(outs: list[Outcome]) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = {}
    for o in outs:
        groups.setdefault(f"{o.set}/{o.split}", []).append(o)
    return groups


async def run_sets(args: argparse.Namespace) -> dict[str, Any]:
    jobs = []
    for set_name in args.sets:
        for split in args.splits:
            rows = load_rows(set_name, split, args.app / "evals")[: args.limit or None]
            jobs += [(row, set_name, split) for row in rows]
    outs, spec = await run_pass(args, jobs, gate_open=False)
    groups = group(outs)
    result: dict[str, Any] = {"summaries": {k: summarize(v) for k, v in groups.items()}}
    result["results"] = [o.__dict__ for o in outs]
    if args.sweep:
        defaults = default_threshold(outs, spec)
        opened, _ = await run_pass(args, jobs, gate_open=True)
        result["sweep"] = {k: sweep(v, defaults) for k, v in group(opened).items()}
        result["opened"] = [o.__dict__ for o in opened]  # per question, gate open
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sets", default=None, help="comma-separated (default: the app's own)")
    ap.add_argument("--splits", default="dev,heldout", help="comma-separated")
    ap.add_argument("--limit", type=int, default=0, help="first N examples of each set/split")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--app", type=Path, default=EXAMPLE, help="the app folder to copy")
    ap.add_argument("--json", type=Path, default=None, help="write every figure and result")
    ap.add_argument("--sweep", action="store_true", help="open the gate, print the curve")
    ap.add_argument("--plot", type=Path, default=None, help="the curve as PNG (matplotlib)")
    ap.add_argument("--clapnq", action="store_true", help="the clapnq-derived set instead")
    ap.add_argument("--failures", type=int, default=0, help="list the first N failures")
    ap.add_argument("--verbose", action="store_true", help="show the app's error logs")
    args = ap.parse_args(argv)
    known = discover(args.app / "evals")
    if args.sets is None:
        ours = [s for s in DEFAULT_SETS.split(",") if s in known]
        args.sets = ",".join(ours if args.app == EXAMPLE else known)
    args.sets = [s for s in args.sets.split(",") if s]
    args.splits = [s for s in args.splits.split(",") if s]
    unknown = [s for s in args.sets if s not in known] + [s for s in args.splits if s not in SPLITS]
    if unknown:
        ap.error(f"unknown set or split: {', '.join(unknown)}")
    args.sweep = args.sweep or args.plot is not None
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if not args.verbose:  # failures are counted in the tables; their traces are noise here
        logging.getLogger("stanchion").setLevel(logging.CRITICAL)
    if args.clapnq:
        result = asyncio.run(run_clapnq(args))
    else:
        result = asyncio.run(run_sets(args))
        report(result["summaries"])
    if args.failures:
        print_failures(result["results"], args.failures)
    for name, curve in (result.get("sweep") or {}).items():
        print_sweep(name, curve)
    if args.plot:
        plot(result["sweep"], args.plot)
    if args.json:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
        say(f"wrote {args.json}")
    return result


if __name__ == "__main__":
    main()
