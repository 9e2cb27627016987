"""CPU time of the offline grounding check per answer, on the public grounding sets' answers.

    python bench/grounding_speed.py [--rounds 3] [--limit 600]

Each answer is validated against its own sources, as the guard-output stage does: ``cold``
with a fresh ``Validator`` (its sources analysed for the first time), ``warm`` with the
sources already prepared (a popular passage set coming back). CPU time (``process_time``),
not wall time: the machine is shared, so compare two trees run side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from knowledge import DATA, SETS
from stanchion.knowledge.grounding import Validator
from stanchion.knowledge.spec import Grounding


def rows(limit: int) -> list[dict]:
    out = []
    for name in SETS:
        with (DATA / "grounding" / f"{name}.jsonl").open(encoding="utf-8") as fh:
            lines = zip(range(limit // len(SETS)), fh, strict=False)
            out += [json.loads(line) for _, line in lines]
    return out


def per_answer(data: list[dict], warm: bool) -> list[float]:
    """Microseconds of CPU per answer."""
    shared = Validator(Grounding())
    times = []
    for row in data:
        validator = shared if warm else Validator(Grounding())
        if warm:
            validator.source(list(row["sources"]))
        started = time.process_time()
        validator.validate(row["response"], list(row["sources"]))
        times.append((time.process_time() - started) * 1e6)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=600)
    a = ap.parse_args()
    data = rows(a.limit)
    Validator(Grounding()).validate("Warm up the tables.", ["Warm up the tables."])
    for mode in ("cold", "warm"):
        times = [t for _ in range(a.rounds) for t in per_answer(data, mode == "warm")]
        times.sort()
        print(
            f"{mode}: {len(data)} answers x {a.rounds}: mean {statistics.mean(times):.0f} us"
            f"  p50 {times[len(times) // 2]:.0f} us  p95 {times[int(len(times) * 0.95)]:.0f} us"
        )


if __name__ == "__main__":
    main()
