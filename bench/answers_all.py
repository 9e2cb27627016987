"""Every issue-15 question set through the whole pipeline, per question, in one command; and
what changed between two such runs, DEV and unseen apart.

    python bench/answers_all.py --json=after.json               # every set, ~2 minutes
    python bench/answers_all.py --json=after.json --compare=before.json [--list]
    python bench/answers_all.py --compare=before.json --to=after.json --list  # no run

The sets: the example app's own (``examples/support-assistant/evals``), every app under
``bench/data`` (``app*``: their questions.jsonl), the blind set and clapnq (as written and as
customers type it), each split apart, run as ``answers.py``, ``answers_blind.py`` and
``answers_clapnq.py`` run them (two worker processes). The table gives answerable answered
correctly / unanswerable declined per set and split.

``--compare`` counts each question that passed in one run and not in the other, gained (+) and
lost (-), for DEV and for the unseen sets apart: a change is judged by DEV, and kept only where
the unseen sets do not lose by it (the merge rule of issue 15). Unseen are the held-out splits
and the apps that are never read while developing (``UNSEEN``: their questions are not looked
at, only counted). ``--list`` prints each changed question with its failure cause and the
start of the answer, DEV first; the unseen apps' lines carry only the id and the cause.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
import answers
from answers_app import say
from answers_clapnq import clapnq_pass, load

DATA = Path(__file__).parent / "data"
# never read while developing: counted only. appd and appe were unseen until their failures
# were read, both splits (December 2026); appi and appj were written blind to take their place.
UNSEEN = ("apph", "appi", "appj", "blind")
KEEP = ("id", "category", "answerable", "passed", "decision", "cause", "answer")


def _rows(key: str, outs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"key": key.format(**o), **{k: o[k] for k in KEEP}} for o in outs]


def run_one(job: str) -> list[dict[str, Any]]:
    """One app (``example``, a folder under bench/data), ``blind`` or ``clapnq``, asked."""
    logging.getLogger("stanchion").setLevel(logging.CRITICAL)
    if job == "clapnq":
        args = answers.parse_args(["--clapnq"])
        jobs = [
            (row, split, variant)
            for split in args.splits
            for row in load(split, 0)
            for variant in ("original", "messy")
        ]
        outs, _ = asyncio.run(clapnq_pass(args, jobs, gate_open=False))
        return _rows("clapnq/{split}", [o.__dict__ for o in outs])
    if job == "blind":
        path = DATA / "blind" / "questions.jsonl"
        qs = [orjson.loads(line) for line in path.read_text().splitlines() if line.strip()]
        args = answers.parse_args(["--sets", "questions", "--splits", "dev"])
        outs, _ = asyncio.run(answers.run_pass(args, [(q, "blind", "heldout") for q in qs], False))
        return _rows("blind/heldout", [o.__dict__ for o in outs])
    args = answers.parse_args([] if job == "example" else ["--app", str(DATA / job)])
    return _rows(job + ":{set}/{split}", asyncio.run(answers.run_sets(args))["results"])


def jobs() -> list[str]:
    apps = sorted(p.name for p in DATA.iterdir() if p.name.startswith("app") and p.is_dir())
    return ["clapnq", "example", *apps, "blind"]  # the longest first


# apps whose failures were read in both splits: DEV whole, their held-out split included
READ_WHOLE = ("appd", "appe")


def unseen(key: str) -> bool:
    app = key.split(":")[0].split("/")[0]
    return app in UNSEEN or (key.endswith("/heldout") and app not in READ_WHOLE)


def table(rows: list[dict[str, Any]]) -> None:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by[r["key"]].append(r)
    print(f"{'set/split':<30} {'n':>4}  answerable correct  unanswerable declined")
    for key in sorted(by):
        a = [r["passed"] for r in by[key] if r["answerable"]]
        u = [r["passed"] for r in by[key] if not r["answerable"]]
        share = [f"{sum(x) / len(x):.3f} of {len(x):<3}" if x else "-" for x in (a, u)]
        print(f"{key:<30} {len(by[key]):>4}  {share[0]:<18}  {share[1]}")
    for side in ("DEV", "unseen"):
        causes = Counter(
            r["cause"].split(" (")[0]
            for r in rows
            if not r["passed"] and unseen(r["key"]) == (side == "unseen")
        )
        print(f"{side} failures: " + "; ".join(f"{c} {n}" for c, n in causes.most_common()))


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]], listing: bool) -> None:
    old = {(r["key"], r["id"]): r for r in before}
    moved: dict[str, Counter[str]] = {"DEV": Counter(), "unseen": Counter()}
    lines = []
    for r in after:
        was = old.get((r["key"], r["id"]))
        if was is None or was["passed"] == r["passed"]:
            continue
        side = "unseen" if unseen(r["key"]) else "DEV"
        sign = "+" if r["passed"] else "-"
        moved[side][sign] += 1
        shown = "" if r["key"].split(":")[0].split("/")[0] in UNSEEN else repr(r["answer"][:90])
        lines.append(
            (
                side != "DEV",
                f"{sign} {side:<6} {r['key']:<28} {r['id']:<9} {r['cause'][:48]} {shown}",
            )
        )
    for _, line in sorted(lines) if listing else []:
        print(line)
    for side, c in moved.items():
        print(f"{side}: +{c['+']}/-{c['-']} (net {c['+'] - c['-']:+d})")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--json", type=Path, help="write every question's result here")
    ap.add_argument("--compare", type=Path, help="a run to compare with (its --json)")
    ap.add_argument("--to", type=Path, help="compare two saved runs, nothing asked")
    ap.add_argument("--list", action="store_true", help="every question that changed")
    args = ap.parse_args(argv)
    if args.to:
        if not args.compare:
            ap.error("--to needs --compare")
        after = orjson.loads(args.to.read_bytes())
    else:
        todo = jobs()
        with ProcessPoolExecutor(2) as pool:
            after = []
            for job, rows in zip(todo, pool.map(run_one, todo), strict=True):
                say(f"{job}: {len(rows)} questions")
                after += rows
        table(after)
        if args.json:
            args.json.write_bytes(orjson.dumps(after))
    if args.compare:
        compare(orjson.loads(args.compare.read_bytes()), after, args.list)


if __name__ == "__main__":
    main()
