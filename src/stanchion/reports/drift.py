"""Drift: a recent window against the baseline window before it, from the rollups.

Each signal has one stated statistic:

| signal | value | test | statistic |
|---|---|---|---|
| refusal, block, hold, error, unanswerable rates | share of requests | ``z`` | two-proportion z |
| groundedness | grounded share of checked answers | ``z`` | two-proportion z |
| low_rating_rate | share of ratings of 1-2 | ``z`` | two-proportion z |
| satisfaction | mean rating | ``z`` | Welch z on the means |
| cost_per_output | mean cost per request | ``z`` | Welch z on the means |
| latency | answered latency distribution | ``psi`` | population stability index, bins of e^(1/4) |
| query_terms | share of questions per query term hash | ``js`` | Jensen-Shannon (bits) |

Every signal also takes ``threshold`` (the window's value against a fixed bound). A rule
breaches when its statistic passes the threshold in the signal's bad direction (for ``psi``
and ``js``, any change) with at least ``min_sample`` observations in each window.

    m = measure(conn, "demo", rule, now)
    m.breached, m.statistic, m.value, m.baseline
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection

from stanchion.alerts.spec import AlertRule, hours_of
from stanchion.reports.figures import Figures, period_figures, term_counts
from stanchion.reports.rollup import HOUR, p95

CAP = 99.0  # a statistic with no variance on either side is reported as this
PSI_BINS = 10  # latency bins merged by 10: each about 28% wide
EPS = 1e-4


@dataclass(frozen=True, slots=True)
class Measure:
    rule: str
    signal: str
    test: str
    value: float | None
    baseline: float | None
    statistic: float | None
    threshold: float
    n: int
    n_baseline: int
    breached: bool
    enough: bool

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def two_proportion_z(x1: float, n1: float, x0: float, n0: float) -> float:
    p1, p0, p = x1 / n1, x0 / n0, (x1 + x0) / (n1 + n0)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    if se == 0:
        return 0.0 if p1 == p0 else math.copysign(CAP, p1 - p0)
    return max(-CAP, min(CAP, (p1 - p0) / se))


def welch_z(s1: float, q1: float, n1: float, s0: float, q0: float, n0: float) -> float:
    """z of the difference of two means from their sums and sums of squares."""
    m1, m0 = s1 / n1, s0 / n0
    v1 = max(q1 - n1 * m1 * m1, 0.0) / max(n1 - 1, 1)
    v0 = max(q0 - n0 * m0 * m0, 0.0) / max(n0 - 1, 1)
    se = math.sqrt(v1 / n1 + v0 / n0)
    if se == 0:
        return 0.0 if m1 == m0 else math.copysign(CAP, m1 - m0)
    return max(-CAP, min(CAP, (m1 - m0) / se))


def psi(cur: Counter[int], base: Counter[int]) -> float:
    a, b = sum(cur.values()), sum(base.values())
    total = 0.0
    for k in set(cur) | set(base):
        pa, pb = max(cur[k] / a, EPS), max(base[k] / b, EPS)
        total += (pa - pb) * math.log(pa / pb)
    return total


def js_divergence(cur: Counter[str], base: Counter[str]) -> float:
    a, b = sum(cur.values()), sum(base.values())
    total = 0.0
    for k in set(cur) | set(base):
        pa, pb = cur[k] / a, base[k] / b
        m = (pa + pb) / 2
        if pa:
            total += 0.5 * pa * math.log2(pa / m)
        if pb:
            total += 0.5 * pb * math.log2(pb / m)
    return total


RATES = {  # signal -> (numerator, denominator) counts
    "refusal_rate": ("refuse", "requests"),
    "block_rate": ("block", "requests"),
    "hold_rate": ("hold", "requests"),
    "error_rate": ("error", "requests"),
    "unanswerable_rate": ("unanswerable", "requests"),
    "groundedness": ("grounded", "checked"),
}


def _counts(f: Figures) -> dict[str, float]:
    c = f.total.counts
    out = {k: float(v) for k, v in c.items()}
    out["checked"] = float(c.get("grounded", 0) + c.get("ungrounded", 0))
    out["ratings"], out["low"] = float(f.ratings.count), float(f.ratings.low)
    return out


def _moments(signal: str, f: Figures) -> tuple[float, float, float]:
    """(sum, sum of squares, n) of the per-observation values of a mean signal."""
    if signal == "satisfaction":
        return f.ratings.total, f.ratings.total_sq, float(f.ratings.count)
    t = f.total
    return t.sums["cost"], t.sums["cost_sq"], float(t.counts.get("requests", 0))


def _parts(signal: str, cur: Figures, base: Figures) -> tuple[Any, Any, int, int]:
    """The window's and the baseline's (numerator, n) or moments, and their sizes."""
    if signal in RATES or signal == "low_rating_rate":
        num, den = RATES.get(signal, ("low", "ratings"))
        c, b = _counts(cur), _counts(base)
        return (
            (c.get(num, 0), c.get(den, 0)),
            (b.get(num, 0), b.get(den, 0)),
            int(c.get(den, 0)),
            int(b.get(den, 0)),
        )
    mc, mb = _moments(signal, cur), _moments(signal, base)
    return mc, mb, int(mc[2]), int(mb[2])


def _value(signal: str, part: Any) -> float | None:
    if signal in ("satisfaction", "cost_per_output"):
        return part[0] / part[2] if part[2] else None
    return part[0] / part[1] if part[1] else None


def _coarse(hist: Counter[int]) -> Counter[int]:
    out: Counter[int] = Counter()
    for k, v in hist.items():
        out[k // PSI_BINS] += v
    return out


def _score(rule: AlertRule, cur: Figures, base: Figures) -> tuple[Any, ...]:
    """(value, baseline value, statistic, n, n baseline) for the simple signals."""
    s = rule.signal
    if s == "p95_latency_ms":
        n = sum(cur.total.hist.values())
        v = p95(cur.total.hist)
        return v, p95(base.total.hist), v, n, n
    if s == "requests":
        n = int(cur.total.counts.get("requests", 0))
        return float(n), None, float(n), max(n, rule.min_sample), rule.min_sample
    if s == "latency":
        hc, hb = cur.total.hist, base.total.hist
        nc, nb = sum(hc.values()), sum(hb.values())
        stat = psi(_coarse(hc), _coarse(hb)) if nc and nb else None
        return p95(hc), p95(hb), stat, nc, nb
    pc, pb, nc, nb = _parts(s, cur, base)
    v, vb = _value(s, pc), _value(s, pb)
    if rule.test == "threshold":
        return v, vb, v, nc, nb
    if not nc or not nb:
        return v, vb, None, nc, nb
    stat = welch_z(*pc, *pb) if len(pc) == 3 else two_proportion_z(pc[0], pc[1], pb[0], pb[1])
    return v, vb, stat, nc, nb


def _breached(rule: AlertRule, stat: float | None) -> bool:
    if stat is None:
        return False
    if rule.test in ("psi", "js"):
        return stat >= rule.threshold
    if rule.bad_direction == "above":
        return stat >= rule.threshold
    if rule.test == "z":
        return stat <= -rule.threshold
    return stat <= rule.threshold


def windows(rule: AlertRule, now: float) -> tuple[float, float, float]:
    """(baseline start, window start, window end) on whole hours; the window holds the
    hour now is in."""
    end = math.ceil(now / HOUR) * HOUR
    start = end - hours_of(rule.window) * HOUR
    return start - hours_of(rule.baseline) * HOUR, start, end


class Reader:
    """The figures of one evaluation round, each window read once for all the rules."""

    def __init__(self, conn: Connection, app: str) -> None:
        self.conn, self.app = conn, app
        self._figs: dict[tuple[float, float], Figures] = {}
        self._terms: dict[tuple[float, float], Counter[str]] = {}

    def figures(self, since: float, until: float) -> Figures:
        key = (since, until)
        if key not in self._figs:
            figs = period_figures(self.conn, self.app, "all", since, until, users=False)
            self._figs[key] = figs.get("all", Figures())
        return self._figs[key]

    def terms(self, since: float, until: float) -> Counter[str]:
        key = (since, until)
        if key not in self._terms:
            self._terms[key] = term_counts(self.conn, self.app, since, until)
        return self._terms[key]


def _terms_score(r: Reader, b0: float, w0: float, w1: float) -> tuple[Any, ...]:
    cur_t, base_t = r.terms(w0, w1), r.terms(b0, w0)
    nc, nb = (int(r.figures(a, b).total.counts.get("requests", 0)) for a, b in ((w0, w1), (b0, w0)))
    stat = js_divergence(cur_t, base_t) if cur_t and base_t else None
    return stat, None, stat, nc, nb


def measure(conn: Connection | Reader, app: str, rule: AlertRule, now: float) -> Measure:
    r = conn if isinstance(conn, Reader) else Reader(conn, app)
    b0, w0, w1 = windows(rule, now)
    if rule.signal == "query_terms":
        v, vb, stat, nc, nb = _terms_score(r, b0, w0, w1)
    else:
        v, vb, stat, nc, nb = _score(rule, r.figures(w0, w1), r.figures(b0, w0))
    enough = nc >= rule.min_sample and (rule.test == "threshold" or nb >= rule.min_sample)
    return Measure(
        rule.name,
        rule.signal,
        rule.test,
        v,
        vb,
        stat,
        rule.threshold,
        int(nc),
        int(nb),
        enough and _breached(rule, stat),
        enough,
    )
