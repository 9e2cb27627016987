"""The canary's sequential test (mSPRT, ``src/stanchion/rollout/sequential.py``) in a
simulation with known effects: its false-alarm rate when the canary is no different from
production, and its power (the share of canaries rightly promoted or rolled back) when it
is better or worse, with the median number of canary requests it needed to decide.

Traffic: an even split, looked at after every 50 requests per arm, up to 2,000 canary
requests; 30% of answers rated (1-5, sd 1), 90% grounded, 3% blocked, latency lognormal
around 900 ms (sigma 0.5), cost 0.004 (sd 0.001). The stated bound is alpha = 5% shared by
the five metrics (1% each, Bonferroni).

    python bench/canary.py [--runs 1000] [--alpha 0.05] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stanchion.rollout.sequential import CanaryTest
from stanchion.rollout.simulate import Scenario, simulate

SCENARIOS = [
    (Scenario("no difference"), None),
    (Scenario("ratings +0.3", rating=0.3), "promote"),
    (Scenario("grounded +5 pts", grounded=0.05), "promote"),
    (Scenario("ratings +0.3, grounded +4 pts", rating=0.3, grounded=0.04), "promote"),
    (Scenario("ratings -0.3", rating=-0.3), "rollback"),
    (Scenario("blocked +3 pts", blocked=0.03), "rollback"),
    (Scenario("latency +15%", latency=1.15), "rollback"),
    (Scenario("cost +10%", cost=0.0004), "rollback"),
    (Scenario("ratings -0.15 (small)", rating=-0.15), "rollback"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000, help="runs of the no-difference case")
    ap.add_argument("--effect-runs", type=int, default=300, help="runs of each other case")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    test = CanaryTest(alpha=args.alpha)
    rows = []
    print(f"alpha {args.alpha} (stated false-alarm bound), looks every 50 requests per arm\n")
    print(f"{'scenario':32} {'runs':>5} {'promote':>8} {'rollback':>9} {'undecided':>9}"
          f" {'right':>6} {'median n':>9}")  # fmt: skip
    for i, (s, want) in enumerate(SCENARIOS):
        runs = args.runs if want is None else args.effect_runs
        r = simulate(s, runs, args.seed + i, test)
        rates = r.rates()
        right = rates["inconclusive"] if want is None else rates[want]
        rows.append({"scenario": s.name, "runs": runs, **rates, "right": right,
                     "median_requests": r.median_requests()})  # fmt: skip
        print(f"{s.name:32} {runs:>5} {rates['promote']:>8.3f} {rates['rollback']:>9.3f}"
              f" {rates['inconclusive']:>9.3f} {right:>6.3f} {r.median_requests():>9}")  # fmt: skip
    same = rows[0]
    print(f"\nfalse-alarm rate (no difference): {same['promote'] + same['rollback']:.3f}"
          f" of {same['runs']} runs; bound {args.alpha}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"alpha": args.alpha, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
