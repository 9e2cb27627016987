"""Detection delay and false alarms per drift rule, on replayed traffic.

    python bench/drift.py [--seeds 3] [--steady-hours 168] [--per-hour 120]

Traffic (``tests/telemetry/traffic.py``): a support assistant's questions, ``--per-hour``
an hour, six known topics from templates, 3% refused, 1% blocked, 94% of the checked
answers grounded, ratings on 15% of the answers (3-5), cost about 0.0004 an answer
(lognormal, sigma 0.25), latency lognormal around 600 ms (sigma 0.35). Each hour is
written through ``store_traces`` (the writer's path) into SQLite, then the evaluator runs
one round at the end of the hour, with the rules below (3 h windows against the 24 h
before them).

- False alarms: a steady replay of ``--steady-hours`` hours per seed; every alert raised
  is false. Shown per rule as alerts and as alerts per 1,000 rounds.
- Detection delay: the shift starts at hour 48 and lasts 12 hours; the delay is from the
  shift's start to the end of the hour whose round first raised the rule (so 1 h is the
  fastest an hourly evaluator can be). "missed" when it did not fire within 12 hours.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.telemetry.traffic import replay_hour

from stanchion.alerts.deliver import AlertEvent
from stanchion.alerts.engine import Monitor
from stanchion.alerts.lease import StoreLease
from stanchion.knowledge.sealed_terms import TermKey
from stanchion.reports.rollup import HOUR
from stanchion.spec.model import AppSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

RULES = """
- {name: new-topic (js >= 0.05), signal: query_terms, test: js, threshold: 0.05, window: 3h,
   baseline: 24h, min_sample: 100}
- {name: unanswerable (z >= 4), signal: unanswerable_rate, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 100}
- {name: refusals (z >= 4), signal: refusal_rate, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 100}
- {name: blocks (z >= 4), signal: block_rate, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 100}
- {name: groundedness (z <= -4), signal: groundedness, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 100}
- {name: satisfaction (z <= -4), signal: satisfaction, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 30}
- {name: cost per output (z >= 4), signal: cost_per_output, test: z, threshold: 4,
   window: 3h, baseline: 24h, min_sample: 100}
- {name: latency (psi >= 0.25), signal: latency, test: psi, threshold: 0.25, window: 3h,
   baseline: 24h, min_sample: 300}
"""
TARGETS = {
    "topic": ("new-topic (js >= 0.05)", "unanswerable (z >= 4)", "refusals (z >= 4)"),
    "ratings": ("satisfaction (z <= -4)",),
    "cost": ("cost per output (z >= 4)",),
}
SHIFT_AT, SHIFT_HOURS = 48, 12


class Sink:
    def __init__(self) -> None:
        self.events: list[AlertEvent] = []

    async def emit(self, event: AlertEvent) -> dict[str, Any]:
        self.events.append(event)
        return {}


def spec() -> AppSpec:
    rules = yaml.safe_load(RULES)
    for r in rules:
        r["name"] = r["name"].replace(" ", "_").replace("(", "").replace(")", "")
        r["name"] = r["name"].replace(">=", "ge").replace("<=", "le").replace(",", "")
    doc = {
        "app": "demo",
        "goal": {"statement": "bench"},
        "owners": {"business": "b@example.com"},
        "models": {"default": "m", "routes": [{"name": "m", "provider": "local"}]},
        "alerts": {"rules": rules},
    }
    return AppSpec.model_validate(doc)


NAMES = {r["name"]: r["name"] for r in yaml.safe_load(RULES)}
LABEL = {
    spec_name: label
    for spec_name, label in zip([r.name for r in spec().alerts.rules], NAMES, strict=True)
}


def replay(seed: int, hours: int, per_hour: int, kind: str | None) -> list[tuple[int, str]]:
    """(hour index, rule label) of every alert raised while replaying."""
    folder = Path(tempfile.mkdtemp(prefix="stn-drift-"))
    store = Store(f"sqlite:///{folder}/drift.db")
    store.upgrade()
    cipher, rng, sink = Cipher(bytes(32)), random.Random(seed), Sink()
    term_hash = TermKey(cipher)
    monitor = Monitor(store, spec(), StoreLease(store), sink, holder="bench")
    start = (time.time() // HOUR - hours - 2) * HOUR
    fired, index = [], 0
    for h in range(hours):
        shifted = {kind} if kind and SHIFT_AT <= h < SHIFT_AT + SHIFT_HOURS else set()
        with store.engine.begin() as conn:
            index = replay_hour(
                conn, cipher, term_hash, rng, start + h * HOUR, index, per_hour, shifted
            )
        before = len(sink.events)
        asyncio.run(monitor.evaluate(now=start + (h + 1) * HOUR))
        fired += [(h, LABEL[e.rule]) for e in sink.events[before:] if e.status == "firing"]
    store.dispose()
    return fired


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steady-hours", type=int, default=168)
    ap.add_argument("--per-hour", type=int, default=120)
    args = ap.parse_args()
    labels = list(NAMES)
    false: dict[str, int] = dict.fromkeys(labels, 0)
    rounds = 0
    for seed in range(args.seeds if args.steady_hours else 0):
        for _, label in replay(100 + seed, args.steady_hours, args.per_hour, None):
            false[label] += 1
        rounds += args.steady_hours
    delays: dict[tuple[str, str], list[float | None]] = {}
    off_target: dict[str, Counter[str]] = {k: Counter() for k in TARGETS}
    for kind, targets in TARGETS.items():
        for seed in range(args.seeds):
            fired = replay(200 + seed, SHIFT_AT + SHIFT_HOURS, args.per_hour, kind)
            after = [(h, rule) for h, rule in fired if h >= SHIFT_AT]
            for t in targets:
                first = min((h for h, rule in after if rule == t), default=None)
                delays.setdefault((kind, t), []).append(
                    None if first is None else first - SHIFT_AT + 1
                )
            off_target[kind].update(rule for _, rule in fired if rule not in targets)
    print(
        f"steady replay: {args.seeds} seeds x {args.steady_hours} h x {args.per_hour}"
        f" questions/h = {rounds} evaluation rounds\n"
    )
    print(f"{'rule':28} {'false alarms':>12} {'per 1,000 rounds':>17}")
    for label in labels:
        print(f"{label:28} {false[label]:12d} {1000 * false[label] / max(rounds, 1):17.2f}")
    print(f"\nshifts from hour {SHIFT_AT} for {SHIFT_HOURS} h, {args.seeds} seeds each\n")
    print(f"{'shift':8} {'rule':28} {'delay h (median)':>17} {'each seed':>16}")
    for (kind, rule), ds in delays.items():
        got = [d for d in ds if d is not None]
        med = f"{statistics.median(got):.0f}" if got else "missed"
        each = ",".join("-" if d is None else str(d) for d in ds)
        print(f"{kind:8} {rule:28} {med:>17} {each:>16}")
    for kind, other in off_target.items():
        said = ", ".join(f"{r} x{n}" for r, n in other.items()) or "none"
        print(f"other alerts during the {kind} runs (any hour): {said}")


if __name__ == "__main__":
    main()
