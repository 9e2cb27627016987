"""Canary traffic with known effects, for measuring the sequential test (``bench/canary.py``
and the tests): how often it raises a false alarm when the canary is no different, and how
often it catches a better or a worse one.

    result = simulate(Scenario("better", rating=+0.3), runs=200, seed=1)
    result.rates()   # {"promote": 0.97, "rollback": 0.0, ...}
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from stanchion.rollout.sequential import Arms, CanaryTest

BASE = {"rating": 4.0, "grounded": 0.90, "blocked": 0.03, "latency": 900.0, "cost": 0.004}
RATED_SHARE = 0.3  # the share of answers a user rates


@dataclass(frozen=True, slots=True)
class Scenario:
    """The canary's true difference from production, per metric (latency as a factor)."""

    name: str
    rating: float = 0.0
    grounded: float = 0.0
    blocked: float = 0.0
    latency: float = 1.0
    cost: float = 0.0


def observe(rng: random.Random, s: Scenario | None) -> dict[str, float | None]:
    """One request's figures; ``s`` None is production."""
    d = s or Scenario("production")
    blocked = rng.random() < BASE["blocked"] + d.blocked
    rating = None
    if not blocked and rng.random() < RATED_SHARE:
        rating = float(min(5, max(1, round(rng.gauss(BASE["rating"] + d.rating, 1.0)))))
    return {
        "rating": rating,
        "grounded": None if blocked else float(rng.random() < BASE["grounded"] + d.grounded),
        "blocked": float(blocked),
        "latency": rng.lognormvariate(0, 0.5) * BASE["latency"] * d.latency,
        "cost": None if blocked else max(rng.gauss(BASE["cost"] + d.cost, 0.001), 0.0),
    }


@dataclass
class Result:
    scenario: Scenario
    runs: int
    actions: Counter[str] = field(default_factory=Counter)
    requests: list[int] = field(default_factory=list)  # canary requests at the decision

    def rates(self) -> dict[str, float]:
        return {a: self.actions[a] / self.runs for a in ("promote", "rollback", "inconclusive")}

    def median_requests(self) -> int:
        ordered = sorted(self.requests)
        return ordered[len(ordered) // 2] if ordered else 0


def one_run(rng: random.Random, s: Scenario, test: CanaryTest, batch: int) -> tuple[str, int]:
    prod, canary = Arms(), Arms()
    while True:
        for _ in range(batch):
            prod.add(observe(rng, None))
            canary.add(observe(rng, s))
        decision = test.decide(prod, canary)
        if decision.action != "continue":
            return decision.action, canary.requests


def simulate(
    s: Scenario, runs: int, seed: int, test: CanaryTest | None = None, batch: int = 50
) -> Result:
    """``runs`` canaries of scenario ``s``, each looked at after every ``batch`` requests per
    arm (an even split) until the test decides."""
    test = test or CanaryTest()
    rng = random.Random(seed)
    result = Result(s, runs)
    for _ in range(runs):
        action, n = one_run(rng, s, test, batch)
        result.actions[action] += 1
        result.requests.append(n)
    return result
