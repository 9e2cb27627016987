"""Scrape time with many series: one process, and N workers' files added up.

    python bench/scrape.py [--series 10000] [--workers 2] [--reps 20]

Fills ``stanchion_findings_total``-shaped counters (5 metrics x 2,000 label sets = 10,000
series by default) in this process and times ``Metrics.render()``; then has ``--workers``
child processes write the same series into a multiprocess directory (as ``stanchion serve
--workers N`` does) and times the scrape that adds them up. Prints the median and the
largest time of ``--reps`` scrapes, and the size of the exposition.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PER_METRIC = 2000
CHILD = """
import sys
from pathlib import Path
from stanchion.telemetry.metrics import Metrics
m = Metrics(Path(sys.argv[1]))
series, per = int(sys.argv[2]), int(sys.argv[3])
for i in range(series):
    m.inc(f"bench_m{i // per}_total", (("type", f"t{i % per}"), ("action", "flag")))
"""


def fill(m: object, series: int) -> None:
    for i in range(series):
        m.inc(  # type: ignore[attr-defined]
            f"bench_m{i // PER_METRIC}_total", (("type", f"t{i % PER_METRIC}"), ("action", "flag"))
        )


def timed(render: object, reps: int) -> tuple[float, float, int]:
    times, size = [], 0
    for _ in range(reps):
        t0 = time.perf_counter()
        size = len(render())  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times), size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    from stanchion.telemetry.metrics import Metrics

    m = Metrics()
    fill(m, args.series)
    med, worst, size = timed(m.render, args.reps)
    print(
        f"one process, {args.series:,} series: median {med:.1f} ms, max {worst:.1f} ms, {size:,} B"
    )
    folder = tempfile.mkdtemp(prefix="stanchion-scrape-bench-")
    try:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder}
        for _ in range(args.workers):
            cmd = [sys.executable, "-c", CHILD, folder, str(args.series), str(PER_METRIC)]
            subprocess.run(cmd, env=env, check=True)
        scraper = Metrics(Path(folder))
        med, worst, size = timed(scraper.render, max(args.reps // 4, 3))
        print(
            f"{args.workers} workers' files, {args.series:,} series each (summed): "
            f"median {med:.1f} ms, max {worst:.1f} ms, {size:,} B"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
