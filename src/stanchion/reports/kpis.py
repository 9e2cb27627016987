"""The business KPIs of the spec against their targets, for one period, with a trend.

    report = kpi_report(conn, spec, since=now - 7 * 86400, until=now)
    for k in report.kpis:
        print(k.label, k.display, k.status)   # green | amber | red | none

One function for the console's overview and the CLI. It reads the traces, the feedback
and the last eval experiment through SQLAlchemy queries that use the (app, created_at)
and (app, updated_at) indexes; the cost figures come from ``reports.cost``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Integer, case, cast, func, select

from stanchion.evals.experiments import list_experiments
from stanchion.registry.schema import feedback
from stanchion.reports.cost import CostReport, cost_report
from stanchion.spec.model import AppSpec
from stanchion.store.schema import traces

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


def _trace_buckets(
    conn: Connection, app: str, since: float, until: float, n: int
) -> dict[int, dict[str, float]]:
    c = traces.c
    b = _bucket(conn, c.created_at, since, (until - since) / n).label("b")
    q = (
        select(
            b,
            func.count().label("requests"),
            _count_if(c.status == 200).label("answered"),
            _count_if(c.decision == "block").label("block"),
            _count_if(c.decision == "hold").label("hold"),
            _count_if(c.decision == "refuse").label("refuse"),
            _count_if(c.annotations.like('%"grounded":true%')).label("grounded"),
            _count_if(c.annotations.like('%"grounded":false%')).label("ungrounded"),
            func.coalesce(func.sum(c.cost), 0.0).label("cost"),
            func.count(func.distinct(c.user)).label("users"),
        )
        .where(c.app == app, c.created_at >= since, c.created_at < until)
        .group_by(b)
    )
    return {
        int(r.b): {k: float(v) for k, v in r._mapping.items() if k != "b"} for r in conn.execute(q)
    }


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _latency_p95(
    conn: Connection, app: str, since: float, until: float, n: int
) -> tuple[float | None, dict[int, float]]:
    c = traces.c
    where = (c.app == app, c.created_at >= since, c.created_at < until, c.status == 200)
    b = _bucket(conn, c.created_at, since, (until - since) / n).label("b")
    if conn.dialect.name == "postgresql":
        pct = func.percentile_cont(0.95).within_group(c.latency_ms)
        total = conn.execute(select(pct).where(*where)).scalar()
        per = {
            int(r[0]): float(r[1]) for r in conn.execute(select(b, pct).where(*where).group_by(b))
        }
        return (float(total) if total is not None else None), per
    rows = conn.execute(select(b, c.latency_ms).where(*where)).all()
    groups: dict[int, list[float]] = {}
    for bucket, ms in rows:
        groups.setdefault(int(bucket), []).append(float(ms))
    per = {k: v for k, v in ((k, _p95(vs)) for k, vs in groups.items()) if v is not None}
    return _p95([float(r[1]) for r in rows]), per


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

    def __init__(self, conn: Connection, spec: AppSpec, since: float, until: float, n: int):
        self.spec, self.n = spec, n
        self.buckets = _trace_buckets(conn, spec.app, since, until, n)
        self.totals = {
            k: sum(b[k] for b in self.buckets.values())
            for k in ("requests", "answered", "block", "hold", "refuse", "grounded", "ungrounded")
        }
        self.p95, self.p95_per = _latency_p95(conn, spec.app, since, until, n)
        self.ratings, self.ratings_per = _ratings(conn, spec.app, since, until, n)
        self.users = conn.execute(
            select(func.count(func.distinct(traces.c.user))).where(
                traces.c.app == spec.app,
                traces.c.created_at >= since,
                traces.c.created_at < until,
            )
        ).scalar_one()
        last = list_experiments(conn, spec.app, limit=1)
        self.last_eval: dict[str, Any] | None = last[0] if last else None
        self.cost = cost_report(conn, spec, since, until)

    def per_bucket(self, fn: Any) -> list[float | None]:
        return [fn(self.buckets[i]) if i in self.buckets else None for i in range(self.n)]


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
        x.per_bucket(lambda b: b["users"]),
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
    conn: Connection, spec: AppSpec, since: float, until: float, buckets: int = 14
) -> KpiReport:
    """Every KPI of the spec for [since, until), each with ``buckets`` trend points."""
    if until <= since:
        raise ValueError("the period must end after it starts")
    ctx = _Ctx(conn, spec, since, until, buckets)
    return KpiReport(
        since, until, int(ctx.totals["requests"]), [b(ctx) for b in BUILDERS], ctx.cost
    )
