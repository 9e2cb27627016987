"""The business KPIs of the spec against their targets, for one period, with a trend.

    report = kpi_report(conn, spec, since=now - 7 * 86400, until=now)
    for k in report.kpis:
        print(k.label, k.display, k.status)   # green | amber | red | none

One function for the console's overview and the CLI. It reads the traces, the feedback
and the last eval experiment through SQLAlchemy queries that use the (app, created_at)
and (app, updated_at) indexes; the cost figures come from ``reports.cost``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Integer, case, cast, func, select, text

from stanchion.evals.experiments import list_experiments
from stanchion.registry.schema import feedback
from stanchion.reports.cost import CostReport, RouteCost
from stanchion.reports.rollup import HOUR, SUMS, Hour, hourly, p95
from stanchion.spec.model import AppSpec

AMBER_SLACK = 0.10  # within 10% of its target a KPI is amber, beyond it red
RATE_LIMITS = (0.05, 0.10)  # block / hold / refusal share: green below 5%, red from 10%


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


@dataclass(frozen=True, slots=True)
class KpiReport:
    since: float
    until: float
    requests: int
    kpis: list[Kpi]
    cost: CostReport


def grade(value: float | None, target: float | None, higher_is_better: bool) -> str:
    if value is None or target is None:
        return "none"
    if higher_is_better:
        ok, near = value >= target, value >= target * (1 - AMBER_SLACK)
    else:
        ok, near = value <= target, value <= target * (1 + AMBER_SLACK)
    return "green" if ok else "amber" if near else "red"


def _bucket(conn: Connection, col: Any, since: float, width: float) -> Any:
    raw = (col - since) / width
    if conn.dialect.name == "postgresql":
        return cast(func.floor(raw), Integer)
    return cast(raw, Integer)  # SQLite's CAST truncates, and raw is never negative here


def _count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


ACTIVE_USERS = text(
    """
    WITH RECURSIVE u(name) AS (
        SELECT min("user") FROM traces WHERE app = :app
        UNION ALL
        SELECT (SELECT min("user") FROM traces WHERE app = :app AND "user" > u.name)
        FROM u WHERE u.name IS NOT NULL
    )
    SELECT count(*) FROM u WHERE u.name IS NOT NULL AND EXISTS (
        SELECT 1 FROM traces t WHERE t.app = :app AND t."user" = u.name
        AND t.created_at >= :since AND t.created_at < :until
    )
    """
)


def active_users(conn: Connection, app: str, since: float, until: float) -> int:
    """Distinct users in the period: one index probe per known user (a skip scan over
    (app, user, created_at)) instead of a pass over every trace of the period."""
    n = conn.execute(ACTIVE_USERS, {"app": app, "since": since, "until": until}).scalar()
    return int(n or 0)


def _ratings(
    conn: Connection, app: str, since: float, until: float, n: int
) -> tuple[dict[str, float], dict[int, float]]:
    f = feedback.c
    where = (f.app == app, f.updated_at >= since, f.updated_at < until)
    b = _bucket(conn, f.updated_at, since, (until - since) / n).label("b")
    total = conn.execute(
        select(func.count(), func.avg(f.score), _count_if(f.score >= 4)).where(*where)
    ).one()
    per = {
        int(r[0]): float(r[1])
        for r in conn.execute(select(b, func.avg(f.score)).where(*where).group_by(b))
    }
    return {"count": float(total[0]), "mean": float(total[1] or 0), "high": float(total[2])}, per


def _series(per: dict[int, float], n: int) -> list[float | None]:
    return [per.get(i) for i in range(n)]


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _money(v: float | None, currency: str) -> str:
    return "—" if v is None else f"{v:.4f} {currency}" if abs(v) < 1 else f"{v:,.2f} {currency}"


class _Ctx:
    """The figures one report is made of, read once."""

    def __init__(
        self, conn: Connection, spec: AppSpec, since: float, until: float, n: int, now: float
    ):
        self.spec, self.n, self.since = spec, n, since
        hours = hourly(conn, spec.app, since, until, now)
        width = (until - since) / n
        self.buckets: dict[int, Hour] = {}
        self.total = Hour()
        for h, agg in hours.items():
            i = min(max(int((h * HOUR - since) // width), 0), n - 1)
            self.buckets.setdefault(i, Hour()).add(agg)
            self.total.add(agg)
        self.totals = {k: float(self.total.counts.get(k, 0)) for k in SUMS}
        self.p95 = p95(self.total.hist)
        self.p95_per = {i: v for i, b in self.buckets.items() if (v := p95(b.hist)) is not None}
        self.ratings, self.ratings_per = _ratings(conn, spec.app, since, until, n)
        self.users = active_users(conn, spec.app, since, until)
        last = list_experiments(conn, spec.app, limit=1)
        self.last_eval: dict[str, Any] | None = last[0] if last else None
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
        return {**{k: float(b.counts.get(k, 0)) for k in SUMS}, "cost": b.cost}


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
)


def kpi_report(
    conn: Connection,
    spec: AppSpec,
    since: float,
    until: float,
    buckets: int = 14,
    now: float | None = None,
) -> KpiReport:
    """Every KPI of the spec for [since, until), each with ``buckets`` trend points.

    The period starts at the top of the hour that holds ``since`` (the rollups are
    hourly). Hours closed by ``now`` are frozen into ``kpi_hours`` on the way: call it in
    a transaction that commits (``engine.begin()``).
    """
    if until <= since:
        raise ValueError("the period must end after it starts")
    since = since // HOUR * HOUR
    ctx = _Ctx(conn, spec, since, until, buckets, until if now is None else now)
    return KpiReport(
        since, until, int(ctx.totals["requests"]), [b(ctx) for b in BUILDERS], ctx.cost
    )
