"""What building the injection prefilter's database costs, and how much of it holds the GIL.

    python bench/prefilter_build.py [--cpu 0]

The default signal table is built in a thread of its own, three ways: without a cache, with
an empty cache folder (built, then stored) and with a stored database (read). For each: the
builder thread's CPU (``time.thread_time``), the part spent in hyperscan's compile (which lets
go of the GIL), the rest (held: the loosening, storing or reading), and how fast a
main-thread loop ran meanwhile, against the same loop alone. ``--cpu`` pins the process to
one core, as the gateway bench pins the server. CPU times are only indicative on a loaded
machine; the loosening's instructions are what ``callgrind`` counts of ``loosen``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from stanchion.guards import prefilter
from stanchion.guards.injection_signals import SIGNALS


def measure(patterns: dict[int, str], cache: Path | None) -> dict[str, float]:
    spent: dict[str, float] = {"compile": 0.0}
    compiled = prefilter._compiled

    def timed(loose: list[tuple[int, bytes]]) -> Any:
        start = time.thread_time()
        try:
            return compiled(loose)
        finally:
            spent["compile"] += time.thread_time() - start

    def build() -> None:
        start = time.thread_time()
        prefilter.Possible(patterns, cache=cache)
        spent["total"] = time.thread_time() - start

    prefilter._compiled = timed
    try:
        deadline = time.perf_counter() + 1.0
        alone = _spin(lambda: time.perf_counter() > deadline)
        builder = threading.Thread(target=build)
        builder.start()
        during = _spin(lambda: not builder.is_alive())
        builder.join()
    finally:
        prefilter._compiled = compiled
    spent["held"] = spent["total"] - spent["compile"]
    spent["loop"] = during / alone
    return spent


def _spin(done: Any) -> float:
    """Iterations a second of a loop of Python work until ``done()``."""
    count, started = 0, time.perf_counter()
    while not done():
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpu", type=int, help="pin the process to this core")
    args = ap.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    patterns = {i: s.pattern for i, s in enumerate(SIGNALS.values()) if not s.cased}
    state = Path(tempfile.mkdtemp(prefix="stanchion-prefilter-"))
    try:
        folder = state / "prefilter"
        for name, cache in (("no cache", None), ("empty cache", folder), ("stored", folder)):
            got = measure(patterns, cache)
            print(
                f"{name:<12} build CPU {got['total'] * 1e3:6.0f} ms, compile (GIL free)"
                f" {got['compile'] * 1e3:6.0f} ms, GIL held {got['held'] * 1e3:5.0f} ms,"
                f" main loop {got['loop']:.0%} of its pace alone"
            )
    finally:
        shutil.rmtree(state)


if __name__ == "__main__":
    main()
