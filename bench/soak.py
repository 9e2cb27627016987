"""A soak: the full pipeline (bench/gateway.py's app: retrieval, guards, grounding,
encrypted traces) held at a steady open-loop rate for a long time, in one-minute windows on
the same server process, to see memory growth, p99 drift and errors.

    python bench/soak.py [--rate 500] [--minutes 30] [--window 60] [--json FILE]
    python bench/soak.py --summarise FILE [--loadavg FILE]   # a run's JSON, again

Each window is one ``R/s`` case of bench/harness (latency from each request's due time, so
queueing is not hidden; a request unanswered after 10 s counts as a timeout). The machine's
load average is sampled every window: on a shared machine, read the figures beside it.
Prints a table per window and the drift: RSS of the first window vs the last (and the
slope over the second half), p99 of the first five windows vs the last five, errors.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def sample_load(stop: threading.Event, out: list[tuple[float, float]], every: float) -> None:
    while not stop.wait(every):
        out.append((time.time(), os.getloadavg()[0]))


def soak(args: argparse.Namespace, out: Path) -> list[tuple[float, float]]:
    cases = ",".join([f"{args.rate:g}/s"] * int(args.minutes * 60 / args.window))
    cmd = [sys.executable, str(ROOT / "bench" / "gateway.py"), "--cases", cases]
    cmd += ["--dur", str(args.window), "--json", str(out), *args.rest]
    loads: list[tuple[float, float]] = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample_load, args=(stop, loads, args.window), daemon=True)
    sampler.start()
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    finally:
        stop.set()
    return loads


def drift(rows: list[dict[str, Any]], loads: list[float]) -> str:
    lines = [
        "| window | ok/s | ok share | p50 ms | p99 ms | errors | CPU ms/req | RSS MB | load avg |",
        "|" + "---|" * 9,
    ]
    for i, r in enumerate(rows):
        ok = r["ok_ms"]
        load = f"{loads[i]:.1f}" if i < len(loads) else "-"
        lines.append(
            f"| {i + 1} | {r['ok_rps']:.0f} | {r['ok_share']:.1%} | {ok.get('p50', '-')} | "
            f"{ok.get('p99', '-')} | {r['errors']} | {r.get('cpu_ms_per_req', '-')} | "
            f"{r.get('rss_mb', '-')} | {load} |"
        )
    rss = [r["rss_mb"] for r in rows if "rss_mb" in r]
    p99 = [r["ok_ms"].get("p99", float("nan")) for r in rows]
    half = rss[len(rss) // 2 :]
    slope = (half[-1] - half[0]) / max(len(half) - 1, 1) if half else 0.0
    sent = sum(r["sent"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    lines += [
        "",
        f"RSS: {rss[0]:.1f} MB in window 1, {rss[-1]:.1f} MB in window {len(rss)} "
        f"({rss[-1] - rss[0]:+.1f} MB; second half {slope:+.2f} MB/window)",
        f"p99: median of the first 5 windows {median(p99[:5]):.1f} ms, "
        f"of the last 5 {median(p99[-5:]):.1f} ms",
        f"errors: {errors} of {sent} sent ({errors / max(sent, 1):.2%}); "
        f"load average {min(loads, default=0):.1f}-{max(loads, default=0):.1f} "
        f"on {os.cpu_count()} CPUs",
    ]
    return "\n".join(lines)


def read_loads(path: Path | None) -> list[float]:
    """A file of `epoch load1 ...` lines, one per window (as this script samples them)."""
    if path is None:
        return []
    return [float(line.split()[1]) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--window", type=float, default=60)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--summarise", type=Path, help="a soak's JSON (bench/gateway.py --json)")
    ap.add_argument("--loadavg", type=Path, help="with --summarise: `epoch load1` per window")
    args, args.rest = ap.parse_known_args()
    if args.summarise:
        rows, loads = json.loads(args.summarise.read_text()), read_loads(args.loadavg)
    else:
        out = args.json or Path(tempfile.mkdtemp(prefix="stanchion-soak-")) / "soak.json"
        loads = [load for _, load in soak(args, out)]
        rows = json.loads(out.read_text())
        if args.json:
            args.json.write_text(json.dumps({"windows": rows, "loadavg": loads}, indent=1))
    if isinstance(rows, dict):
        rows, loads = rows["windows"], rows["loadavg"]
    print(drift(rows, loads))


if __name__ == "__main__":
    main()
