"""The canary's sequential test: a mixture sequential probability ratio test (mSPRT,
Robbins 1970; Johari et al., "Always valid inference", 2017) per metric, checked after
every batch of traffic, so the canary can stop the moment the evidence is there. A
rollback needs one metric judged worse; a promotion needs one judged better, none worse,
and every metric that has data judged (a cheaper canary waits for its ratings).

For one metric, production's observations x and the canary's y, after n_x and n_y of them:
the difference of means d = mean(y) - mean(x), its variance V = s_x^2/n_x + s_y^2/n_y,
and with a normal mixture N(0, tau^2) over the true difference,

    Lambda = sqrt(V / (V + tau^2)) * exp(d^2 tau^2 / (2 V (V + tau^2)))

Under "no difference" Lambda is a (near) martingale with mean 1, so by Ville's inequality
the chance it EVER reaches 1/alpha, however often it is looked at, is at most alpha. With
m metrics each is tested at alpha/m (Bonferroni), so the chance of any false alarm, a
promotion or a rollback of a canary no different from production, is at most ``alpha``
(5% by default). The variances are estimated (plug-in), which makes this approximate for
small samples: no decision is taken before ``min_n`` observations per arm and metric.
``bench/canary.py`` measures the false-alarm rate and the power by simulation.

    test = CanaryTest()
    prod, canary = Arms(), Arms()
    prod.add({"rating": 4, "latency": 812.0, "blocked": 0.0})
    decision = test.decide(prod, canary)   # continue | promote | rollback | inconclusive
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# metric -> True when higher is better
METRICS: dict[str, bool] = {
    "rating": True,
    "grounded": True,
    "blocked": False,
    "latency": False,
    "cost": False,
}


@dataclass(slots=True)
class Running:
    """Count, mean and sum of squared deviations (Welford), one metric of one arm."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    @property
    def var(self) -> float:
        return self.m2 / (self.n - 1) if self.n > 1 else 0.0


@dataclass(slots=True)
class Arms:
    """The running figures of one version (production or canary), per metric. Latency is
    taken on a log scale (its spread is multiplicative)."""

    metrics: dict[str, Running] = field(default_factory=lambda: {m: Running() for m in METRICS})
    requests: int = 0

    def add(self, obs: dict[str, float | None]) -> None:
        self.requests += 1
        for name, value in obs.items():
            if value is None or name not in self.metrics:
                continue
            x = math.log(max(value, 1e-3)) if name == "latency" else float(value)
            self.metrics[name].add(x)


def log_lambda(a: Running, b: Running, tau_sd: float) -> tuple[float, float]:
    """(log Lambda, difference of means b - a). With no spread in either arm, a difference
    is certain (infinite evidence) and equal means are none."""
    v = a.var / a.n + b.var / b.n
    if v <= 0:
        return (math.inf if b.mean != a.mean else 0.0), b.mean - a.mean
    pooled = math.sqrt((a.var + b.var) / 2)
    tau2 = (tau_sd * pooled) ** 2
    d = b.mean - a.mean
    return 0.5 * math.log(v / (v + tau2)) + d * d * tau2 / (2 * v * (v + tau2)), d


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # continue | promote | rollback | inconclusive
    better: list[str]
    worse: list[str]
    stats: dict[str, dict[str, float]]

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


@dataclass(frozen=True, slots=True)
class CanaryTest:
    alpha: float = 0.05  # the false-alarm rate, shared by the metrics
    tau_sd: float = 0.3  # the mixture's spread, in standard deviations of the metric
    min_n: int = 30  # observations per arm and metric before a metric is judged
    max_requests: int = 2000  # canary requests after which, undecided, it is inconclusive
    metrics: tuple[str, ...] = tuple(METRICS)

    def decide(self, prod: Arms, canary: Arms) -> Decision:
        threshold = math.log(len(self.metrics) / self.alpha)
        better: list[str] = []
        worse: list[str] = []
        stats: dict[str, dict[str, float]] = {}
        waiting = False  # a metric with data but too little to judge yet
        for name in self.metrics:
            a, b = prod.metrics[name], canary.metrics[name]
            if min(a.n, b.n) < self.min_n:
                waiting = waiting or max(a.n, b.n) > 0
                continue
            llr, d = log_lambda(a, b, self.tau_sd)
            stats[name] = {"n_prod": a.n, "n_canary": b.n, "diff": d, "log_lambda": llr}
            if llr >= threshold:
                (better if (d > 0) == METRICS[name] else worse).append(name)
        if worse:
            action = "rollback"
        elif better and not waiting:
            action = "promote"
        elif canary.requests >= self.max_requests:
            action = "inconclusive"
        else:
            action = "continue"
        return Decision(action, better, worse, stats)
