"""CPU of the output check (grounding + catalog) per answer, on the example app's answers.

    python bench/output_check.py [--rounds 5] [--digest]
    PYTHONPATH=/tmp/base/src python bench/output_check.py   # another tree's src, side by side

The example app is set up as ``gateway_ab.py`` does (documents ingested and approved, the
catalog seeded) and opened in process. Each DEV question of its eval sets (``messy*-dev``)
is planned (``knowledge.plan``: the passages the retrieve stage would hand over) and answered
by the ``local`` extractive responder from them; the gateway bench's fixed mock answer to its
fixed question is added. Then ``knowledge.acheck`` (what the guard-output stage calls) is
timed per answer:

- ``new``: a fresh validator and catalog each round (every answer and passage set met for
  the first time; the process-wide word caches warm, as in a running server);
- ``seen``: the same answers again on the same objects (a popular question coming back);
- ``mock``: the gateway bench's answer, over and over (what ``gateway_icount.py`` measures).

CPU time (``process_time``), not wall time: the machine is shared, so compare two trees run
side by side. ``--digest`` prints a hash of every validation record (scores, claims,
findings, caveat): two trees that decide alike print the same digest.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from callgrind_client import helper_library, labelled_totals  # noqa: E402
from gateway_ab import QUESTION, export_src, make_app  # noqa: E402
from harness.upstream import ANSWER  # noqa: E402

from stanchion.knowledge.base import Passage  # noqa: E402
from stanchion.knowledge.build import Knowledge  # noqa: E402
from stanchion.knowledge.catalog import Catalog  # noqa: E402
from stanchion.knowledge.grounding import Validator  # noqa: E402
from stanchion.pipeline.stages.guard_output import mask_citations  # noqa: E402
from stanchion.providers.local import answer_from_passages  # noqa: E402
from stanchion.server.app import create_app  # noqa: E402
from stanchion.settings import Settings  # noqa: E402

EVALS = ROOT / "examples" / "support-assistant" / "evals"
Case = tuple[str, str, list[Passage]]  # question, answer, passages
MOCKS = 200


def questions() -> list[str]:
    out = []
    for path in sorted(EVALS.glob("messy*-dev.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            turns = [m["content"] for m in row.get("messages", []) if m["role"] == "user"]
            out.append(row.get("question") or turns[-1])
    return out


async def cases(knowledge: Knowledge, k: int) -> list[Case]:
    out: list[Case] = []
    for q in questions():
        plan = await knowledge.plan([q], k)
        if not plan.passages:
            continue
        answer = answer_from_passages(q, [p.text for p in plan.passages])
        out.append((q, mask_citations(answer), plan.passages))
    return out


def fresh(knowledge: Knowledge) -> Validator:
    """A validator with nothing prepared: new source caches, a new catalog index."""
    old = knowledge.validator
    catalog = old.catalog
    if catalog is not None:
        catalog = Catalog(catalog.spec, list(catalog.products))
    return Validator(old.policy, catalog)


class Meter:
    """CPU microseconds per answer, or (``--icount``, under callgrind) instructions."""

    def __init__(self, helper: str | None) -> None:
        self.cg = ctypes.CDLL(helper) if helper else None
        self.started = 0.0

    def start(self) -> None:
        if self.cg is not None:
            self.cg.cg_on()
        self.started = time.process_time()

    def stop(self, label: str, n: int) -> float:
        if self.cg is not None:
            self.cg.cg_off(f"{label} {n}".encode())
        return (time.process_time() - self.started) / n * 1e6


async def per_answer(
    knowledge: Knowledge, data: list[Case], rounds: int, meter: Meter
) -> dict[str, list[float]]:
    mock_q, mock_a = QUESTION, mask_citations(ANSWER)
    mock_p = (await knowledge.plan([mock_q], knowledge.spec.retrieval.k)).passages
    out: dict[str, list[float]] = {"new": [], "seen": [], "mock": []}
    for _ in range(rounds):
        knowledge.validator = fresh(knowledge)
        gc.collect()
        for mode in ("new", "seen"):
            meter.start()
            for q, answer, passages in data:
                await knowledge.acheck(answer, passages, q)
            out[mode].append(meter.stop(mode, len(data)))
        meter.start()
        for _ in range(MOCKS):
            await knowledge.acheck(mock_a, mock_p, mock_q)
        out["mock"].append(meter.stop("mock", MOCKS))
    return out


async def digest(knowledge: Knowledge, data: list[Case]) -> str:
    h = hashlib.sha256()
    knowledge.validator = fresh(knowledge)
    for _ in range(2):  # first met, then seen: both must decide alike
        for q, answer, passages in data:
            v = await knowledge.acheck(answer, passages, q)
            rec = v.to_record()
            rec["exact"] = [repr(v.score), *(repr(c.score) for c in v.claims)]
            h.update(json.dumps(rec, sort_keys=True).encode())
    return h.hexdigest()


async def run(folder: Path, args: argparse.Namespace) -> None:
    app = create_app(folder, Settings.from_env())
    async with app.router.lifespan_context(app):
        knowledge = app.state.runtime.knowledge
        data = await cases(knowledge, knowledge.spec.retrieval.k)
        print(f"{len(data)} answers ({sum(len(a) for _, a, _ in data) / len(data):.0f} chars mean)")
        if args.digest:
            print(f"digest {await digest(knowledge, data)}")
        await per_answer(knowledge, data, 1, Meter(None))  # the word caches warmed
        gc.collect()
        gc.freeze()  # as the server does after start-up
        figures = await per_answer(knowledge, data, args.rounds, Meter(args.helper))
    print("| answers | median us | min us |")
    print("|---|---|---|")
    for name, times in figures.items():
        print(f"| {name} | {statistics.median(times):.1f} | {min(times):.1f} |")


def in_app(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="stanchion-output-"))
    try:
        folder = tmp / "app"
        folder.mkdir()
        make_app(folder, dict(os.environ), 9)  # the model route is never called
        os.chdir(folder)
        asyncio.run(run(folder, args))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


INNER = """
import sys
sys.path.insert(0, sys.argv[1])
sys.argv = ["output_check.py", *sys.argv[2:]]
import output_check
output_check.main()
"""


def icount(args: argparse.Namespace) -> None:
    """Instructions per answer, ``--base``'s src against this checkout's, under callgrind."""
    tmp = Path(tempfile.mkdtemp(prefix="stanchion-output-ic-"))
    try:
        helper = helper_library(tmp)
        (tmp / "base").mkdir()
        trees = {f"base ({args.base})": export_src(args.base, tmp / "base"), "this": ROOT / "src"}
        per: dict[str, dict[str, float]] = {}
        for name, src in trees.items():
            inner = [str(ROOT / "bench"), "--helper", str(helper), "--rounds", str(args.rounds)]
            got: dict[str, list[float]] = {}
            for label, total in labelled_totals(INNER, inner, src, tmp / "cg.out"):
                mode, n = label.split()
                got.setdefault(mode, []).append(total / int(n))
            per[name] = {mode: min(v) for mode, v in got.items()}
        base, new = per.values()
        print("| answers | " + " | ".join(per) + " | ratio |")
        print("|---|---|---|---|")
        for mode in base:
            print(
                f"| {mode} | {base[mode] / 1e3:.1f} k | {new[mode] / 1e3:.1f} k | "
                f"{new[mode] / base[mode]:.3f} |"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--digest", action="store_true", help="hash of every validation record")
    ap.add_argument("--icount", action="store_true", help="instructions, base vs this checkout")
    ap.add_argument("--base", default="main", help="with --icount: the git ref compared")
    ap.add_argument("--helper", help=argparse.SUPPRESS)  # callgrind's switch, inside --icount
    args = ap.parse_args()
    if args.icount:
        icount(args)
    else:
        in_app(args)


if __name__ == "__main__":
    main()
