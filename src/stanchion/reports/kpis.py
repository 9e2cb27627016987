"""The business KPIs of the spec against their targets, for one period, with a trend and
the previous period beside each figure, for the whole app or per version, route or cohort.

    report = kpi_report(conn, spec, since=now - 7 * 86400, until=now, by="route")
    for k in report.kpis:
        print(k.label, k.display, k.status, k.previous)   # status: green | amber | red | none
    for key, kpis in report.groups.items(): ...

One function for the console's overview, the CLI and ``GET /admin/reports/kpis``. It reads
the rollups kept as traces are written (``reports/figures.py``), the feedback and the last
eval experiment; never the raw traces.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection

from stanchion.evals.experiments import list_experiments
from stanchion.reports.cost import CostReport, RouteCost
from stanchion.reports.figures import Figures, period_figures
from stanchion.reports.rollup import HOUR, Hour, p95
from stanchion.spec.model import AppSpec

AMBER_SLACK = 0.10  # within 10% of its target a KPI is amber, beyond it red
RATE_LIMITS = (0.05, 0.10)  # block / hold / refusal share: green below 5%, red from 10%
BY = ("version", "route", "cohort")
RATES = ("block", "hold", "refuse", "error", "grounded", "ungrounded", "answered", "requests")


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    label: str
    value: float | None
    display: str
    target: str
    status: str  # green | amber | red | none
    trend: list[float | None]
    details: list[tuple[str, str]] = field(default_factory=list)
    link: dict[str, str] = field(default_factory=dict)  # trace-list filters behind the figure
    previous: float | None = None  # the same figure over the period before
    previous_display: str = "—"

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def to_record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "display": self.display,
            "target": self.target,
            "status": self.status,
            "previous": self.previous,
            "previous_display": self.previous_display,
            "change": self.change,
            "trend": self.trend,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class KpiReport:
    since: float
    until: float
    requests: int
    kpis: list[Kpi]
    cost: CostReport
    by: str | None = None
    groups: dict[str, list[Kpi]] = field(default_factory=dict)
    group_requests: dict[str, int] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "previous": {"since": 2 * self.since - self.until, "until": self.since},
            "requests": self.requests,
            "kpis": [k.to_record() for k in self.kpis],
            "by": self.by,
            "groups": [
                {
                    "key": key,
                    "requests": self.group_requests.get(key, 0),
                    "kpis": [k.to_record() for k in kpis],
                }
                for key, kpis in self.groups.items()
            ],
        }


def grade(value: float | None, target: float | None, higher_is_better: bool) -> str:
    if value is None or target is None:
        return "none"
    if higher_is_better:
        ok, near = value >= target, value >= target * (1 - AMBER_SLACK)
    else:
        ok, near = value <= target, value <= target * (1 + AMBER_SLACK)
    return "green" if ok else "amber" if near else "red"


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _money(v: float | None, currency: str) -> str:
    return "—" if v is None else f"{v:.4f} {currency}" if abs(v) < 1 else f"{v:,.2f} {currency}"


class _Ctx:
    """The figures one report (or one group of it) is made of, read once."""

    def __init__(
        self,
        spec: AppSpec,
        fig: Figures,
        span: tuple[float, float, int],
        last_eval: dict[str, Any] | None,
    ):
        self.spec, (self.since, until, self.n) = spec, span
        self.fig, self.total = fig, fig.total
        self.buckets: dict[int, Hour] = fig.buckets
        self.totals = {k: float(self.total.counts.get(k, 0)) for k in RATES}
        self.p95 = p95(self.total.hist)
        self.p95_per = {i: v for i, b in self.buckets.items() if (v := p95(b.hist)) is not None}
        r = fig.ratings
        self.ratings = {"count": float(r.count), "mean": r.mean or 0.0, "high": float(r.high)}
        self.ratings_per = {i: s / c for i, (s, c) in r.per.items() if c}
        self.users = fig.users
        self.last_eval = last_eval
        self.cost = self._cost_report(until)

    def _cost_report(self, until: float) -> CostReport:
        t, answered = self.total, int(self.totals["answered"])
        mean = t.latency_sum / answered if answered else 0.0
        route = RouteCost(
            "all",
            int(self.totals["requests"]),
            answered,
            t.cost,
            t.counts.get("prompt_tokens", 0),
            t.counts.get("completion_tokens", 0),
            mean,
        )
        human = self.spec.human_cost
        return CostReport(
            self.since,
            until,
            [route] if route.requests else [],
            human.per_task if human else None,
            human.minutes if human else None,
            human.currency if human else "USD",
        )

    def per_bucket(self, fn: Any) -> list[float | None]:
        return [fn(self._figures(i)) if i in self.buckets else None for i in range(self.n)]

    def _figures(self, i: int) -> dict[str, float]:
        b = self.buckets[i]
        return {**{k: float(b.counts.get(k, 0)) for k in RATES}, "cost": b.cost}


def _series(per: dict[int, float], n: int) -> list[float | None]:
    return [per.get(i) for i in range(n)]


def _satisfaction(x: _Ctx) -> Kpi:
    r, target = x.ratings, x.spec.goal.kpis.satisfaction
    mean = r["mean"] if r["count"] else None
    return Kpi(
        "satisfaction",
        "Satisfaction",
        mean,
        "—" if mean is None else f"{mean:.2f} / 5",
        "no target" if target is None else f"target ≥ {target:g}",
        grade(mean, target, True),
        _series(x.ratings_per, x.n),
        [("rated 4-5", _pct(_ratio(r["high"], r["count"]))), ("ratings", f"{int(r['count'])}")],
        {"rating": "low"},
    )


def _accuracy(x: _Ctx) -> Kpi:
    target = x.spec.goal.kpis.factual_accuracy
    acc = x.last_eval["summary"].get("accuracy") if x.last_eval else None
    value = float(acc) if isinstance(acc, (int, float)) else None
    checked = x.totals["grounded"] + x.totals["ungrounded"]
    live = _ratio(x.totals["grounded"], checked)
    run = x.last_eval["id"] if x.last_eval else "none yet"
    return Kpi(
        "factual_accuracy",
        "Factual accuracy",
        value,
        _pct(value),
        "no target" if target is None else f"target ≥ {target * 100:g}%",
        grade(value, target, True),
        x.per_bucket(lambda b: _ratio(b["grounded"], b["grounded"] + b["ungrounded"])),
        [("last eval run", str(run)), ("live groundedness", _pct(live))],
        {"grounded": "no"},
    )


def _latency(x: _Ctx) -> Kpi:
    target = x.spec.goal.kpis.p95_latency_ms
    return Kpi(
        "p95_latency",
        "p95 latency",
        x.p95,
        "—" if x.p95 is None else f"{x.p95:,.0f} ms",
        "no target" if target is None else f"target ≤ {target:,.0f} ms",
        grade(x.p95, target, False),
        _series(x.p95_per, x.n),
        [("answered", f"{int(x.totals['answered'])}")],
        {"min_latency": f"{x.p95:.0f}"} if x.p95 is not None else {},
    )


def _cost(x: _Ctx) -> Kpi:
    c, target = x.cost, x.spec.goal.kpis.cost_per_output_max
    cpo, cur = c.cost_per_output, c.currency
    saved = None if cpo is None or c.human_per_task is None else (c.human_per_task - cpo) * 1000
    minutes = c.minutes_saved_per_task
    ratio = c.human_ratio
    return Kpi(
        "cost_per_output",
        "Cost per answer",
        cpo,
        _money(cpo, cur),
        "no ceiling" if target is None else f"ceiling {_money(target, cur)}",
        grade(cpo, target, False),
        x.per_bucket(lambda b: _ratio(b["cost"], b["answered"])),
        [
            ("human cost", _money(c.human_per_task, cur)),
            ("cheaper than a person", "—" if ratio is None else f"{ratio:,.0f}x"),
            ("minutes saved per task", "—" if minutes is None else f"{minutes:.1f}"),
            ("saved per 1,000 tasks", _money(saved, cur)),
        ],
    )


def _adoption(x: _Ctx) -> Kpi:
    users, requests = int(x.users), x.totals["requests"]
    per_user = _ratio(requests, users)
    return Kpi(
        "adoption",
        "Adoption",
        float(users),
        f"{users} active user{'' if users == 1 else 's'}",
        "no target",
        "none",
        x.per_bucket(lambda b: b["requests"]),
        [
            ("requests", f"{int(requests)}"),
            ("per user", "—" if per_user is None else f"{per_user:.1f}"),
            ("returning users", f"{x.fig.returning}"),
        ],
    )


def _rate(key: str, decision: str, label: str) -> Any:
    def build(x: _Ctx) -> Kpi:
        rate = _ratio(x.totals[decision], x.totals["requests"])
        status = "none" if rate is None else grade(rate, RATE_LIMITS[0], False)
        if rate is not None and rate >= RATE_LIMITS[1]:
            status = "red"
        elif status == "red":
            status = "amber"
        return Kpi(
            key,
            label,
            rate,
            _pct(rate),
            f"watch above {RATE_LIMITS[0] * 100:g}%",
            status,
            x.per_bucket(lambda b: _ratio(b[decision], b["requests"])),
            [(decision, f"{int(x.totals[decision])} of {int(x.totals['requests'])}")],
            {"decision": decision},
        )

    return build


BUILDERS = (
    _satisfaction,
    _accuracy,
    _latency,
    _cost,
    _adoption,
    _rate("block_rate", "block", "Blocked"),
    _rate("hold_rate", "hold", "Held for review"),
    _rate("refusal_rate", "refuse", "Refused"),
    _rate("error_rate", "error", "Errors"),
)


def _kpis(
    spec: AppSpec, cur: Figures, prev: Figures, span: tuple[float, float, int], last: Any
) -> list[Kpi]:
    now = _Ctx(spec, cur, span, last)
    before = _Ctx(spec, prev, (2 * span[0] - span[1], span[0], 1), last)
    out = []
    for build in BUILDERS:
        old = build(before)
        out.append(replace(build(now), previous=old.value, previous_display=old.display))
    return out


def _previous(figs: dict[str, Figures], cur: Figures, key: str) -> Figures:
    """The period before, with its active users as the current period's read counted them."""
    prev = figs.get(key, Figures())
    prev.users = cur.users_before
    return prev


def kpi_report(
    conn: Connection,
    spec: AppSpec,
    since: float,
    until: float,
    buckets: int = 14,
    by: str | None = None,
) -> KpiReport:
    """Every KPI of the spec for [since, until), each with ``buckets`` trend points and its
    value over the period of the same length just before; with ``by`` (version, route or
    cohort) the same KPIs for each key of that dimension too.

    The period starts at the top of the hour that holds ``since`` (the rollups are hourly).
    """
    if until <= since:
        raise ValueError("the period must end after it starts")
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    since = since // HOUR * HOUR
    before = 2 * since - until
    last = list_experiments(conn, spec.app, limit=1)
    last_eval = last[0] if last else None
    span = (since, until, buckets)
    cur = period_figures(conn, spec.app, "all", since, until, buckets).get("all", Figures())
    prev = _previous(period_figures(conn, spec.app, "all", before, since, users=False), cur, "all")
    ctx = _Ctx(spec, cur, span, last_eval)
    report = KpiReport(
        since, until, int(ctx.totals["requests"]), _kpis(spec, cur, prev, span, last_eval), ctx.cost
    )
    if by is None:
        return report
    cur_by = period_figures(conn, spec.app, by, since, until, buckets)
    prev_by = period_figures(conn, spec.app, by, before, since, users=False)
    prev_by = {k: _previous(prev_by, f, k) for k, f in cur_by.items()}
    groups = {
        k: _kpis(spec, f, prev_by.get(k, Figures()), span, last_eval)
        for k, f in sorted(cur_by.items())
    }
    counts = {k: int(f.total.counts.get("requests", 0)) for k, f in cur_by.items()}
    return replace(report, by=by, groups=groups, group_requests=counts)
