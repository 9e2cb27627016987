"""Issue 14's figure in one command: p50 and p99 of the default input scan of each kind of
2 KB message, for a baseline revision and this working tree, measured alternately.

    python bench/guards_latency.py [--baseline main] [--kinds all] [--rounds 6] [--fresh]

Two worker processes, one per tree (``--baseline``'s ``src`` from ``git archive``, and this
tree's), each build the default engine once. The parent then asks them in turn, kind by kind
and round by round (A, B, B, A, ...), to scan every text of a kind once, as ``latency()`` in
``bench/guards.py`` does with ``freeze=True`` (``gc.freeze()`` after the first scan, the
per-text cache of ``normalize`` emptied before each scan), and pools the scan times of all
rounds: load on the machine falls on both trees alike. Both workers are pinned to the same
core when the platform allows it. Wall time and CPU time (``time.process_time``) are given.

Scanning the same texts round after round lets anything remembered per text (or per window
of text) answer from the second round on. ``--fresh`` measures what a new message costs
instead: each worker first scans the even-numbered texts of every kind twice (the word
caches a running server has), then each odd-numbered text is scanned exactly once, a
``1/rounds`` share of them per round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from trees import export_src

from stanchion.guards.evaluation import percentile

REPO = Path(__file__).resolve().parents[1]
KINDS = ("prose", "email", "code", "table", "non_latin", "injection")
WORKER = """
import gc, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from guards import kind_texts, steady_engine, two_kb_texts
from stanchion.guards.normalize import normalize
root = Path(sys.argv[2])
engine = steady_engine()
texts = kind_texts(root)
texts["prose"] = two_kb_texts(root)
texts = {kind: list(dict.fromkeys(found)) for kind, found in texts.items()}
fresh = sys.argv[3] == "fresh"
for found in texts.values():
    for text in (found[0::2] * 2) if fresh else found[:1]:
        engine.scan(text, "input", None)
gc.collect()
gc.freeze()
print("ready", flush=True)
for line in sys.stdin:
    kind, r, rounds = line.split()
    lat, cpu = [], []
    for text in texts[kind][1::2][int(r)::int(rounds)] if fresh else texts[kind]:
        normalize.cache_clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        engine.scan(text, "input", None)
        lat.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    print(json.dumps([lat, cpu]), flush=True)
"""


class Worker:
    """One tree's engine in a subprocess, scanning a kind's texts on request."""

    def __init__(self, src: Path, datasets: Path, core: int | None, fresh: bool = False) -> None:
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
        mode = "fresh" if fresh else "same"
        cmd = [sys.executable, "-c", WORKER, str(REPO / "bench"), str(datasets), mode]
        self.proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO
        )
        if core is not None:
            os.sched_setaffinity(self.proc.pid, {core})
        if self._read() != "ready":
            raise RuntimeError(f"worker for {src} did not start")

    def _read(self) -> str:
        out: IO[str] | None = self.proc.stdout
        assert out is not None
        return out.readline().strip()

    def scan(self, kind: str, r: int = 0, rounds: int = 1) -> tuple[list[float], list[float]]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{kind} {r} {rounds}\n")
        self.proc.stdin.flush()
        lat, cpu = json.loads(self._read())
        return lat, cpu

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def figures(samples: tuple[list[float], list[float]]) -> dict[str, Any]:
    lat, cpu = samples
    return {
        "p50": percentile(lat, 0.5),
        "p99": percentile(lat, 0.99),
        "cpu_p50": percentile(cpu, 0.5),
        "cpu_p99": percentile(cpu, 0.99),
        "n": len(lat),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--baseline", default="main", help="git revision to compare against")
    ap.add_argument("--kinds", default="all")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--core", type=int, default=None, help="pin both workers to this core")
    ap.add_argument("--fresh", action="store_true", help="every text scanned once, warm caches")
    a = ap.parse_args()
    kinds = list(KINDS) if a.kinds == "all" else a.kinds.split(",")
    core = a.core
    if core is None and hasattr(os, "sched_getaffinity"):
        core = max(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as name:
        base = export_src(a.baseline, Path(name)).parent
        datasets = a.datasets.resolve()
        trees = {a.baseline: base / "src", "working": REPO / "src"}
        workers = {label: Worker(src, datasets, core, a.fresh) for label, src in trees.items()}
        pooled = {(label, k): ([], []) for label in trees for k in kinds}
        try:
            for r in range(a.rounds):
                order = list(workers) if r % 2 == 0 else list(reversed(workers))
                for kind in kinds:
                    for label in order:
                        lat, cpu = workers[label].scan(kind, r, a.rounds)
                        pooled[label, kind][0].extend(lat)
                        pooled[label, kind][1].extend(cpu)
        finally:
            for worker in workers.values():
                worker.close()
    print(f"{'kind':>9} {'tree':>8} {'p50 ms':>7} {'p99 ms':>7}", end=" ")
    print(f"{'cpu p50':>8} {'cpu p99':>8} {'n':>6}")
    for kind in kinds:
        for label in trees:
            f = figures(pooled[label, kind])
            print(
                f"{kind:>9} {label[:8]:>8} {f['p50']:7.2f} {f['p99']:7.2f}"
                f" {f['cpu_p50']:8.2f} {f['cpu_p99']:8.2f} {f['n']:6d}"
            )


if __name__ == "__main__":
    main()
