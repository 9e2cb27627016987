"""Hourly KPI rollups, materialized on read: an hour is summed from the traces once, after
it has closed (plus a grace period for traces drained late from a replica's spool), and read
back from ``kpi_hours`` ever after. The hours not yet closed are summed live.

    hours = hourly(conn, "demo", since, until, now)   # {epoch hour: Hour}

Every figure is additive (counts, sums, a latency histogram on a log scale with 2.5% wide
bins), so any period is a sum of hours and its p95 comes from the merged histogram.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Double,
    Integer,
    String,
    Table,
    Text,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from stanchion.store.schema import metadata, traces

HOUR = 3600
GRACE = 600  # seconds after an hour ends before it is frozen into a rollup row
BINS_PER_E = 40  # histogram resolution: bin width is e**(1/40), about 2.5%
SUMS = ("requests", "answered", "block", "hold", "refuse", "grounded", "ungrounded")

kpi_hours = Table(
    "kpi_hours",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("hour", Integer, primary_key=True),
    *(Column(name, Integer, nullable=False) for name in SUMS),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("cost", Double, nullable=False),
    Column("latency_sum", Double, nullable=False),
    Column("latency_hist", Text, nullable=False),
)


@dataclass
class Hour:
    counts: Counter[str] = field(default_factory=Counter)
    cost: float = 0.0
    latency_sum: float = 0.0
    hist: Counter[int] = field(default_factory=Counter)

    def add(self, other: Hour) -> None:
        self.counts.update(other.counts)
        self.cost += other.cost
        self.latency_sum += other.latency_sum
        self.hist.update(other.hist)


def latency_bin(ms: float) -> int:
    return math.floor(math.log(max(ms, 0.01)) * BINS_PER_E)


def p95(hist: Counter[int]) -> float | None:
    """The 95th percentile from a histogram: the upper edge of the bin that holds it."""
    total = sum(hist.values())
    if not total:
        return None
    rank, seen = math.ceil(0.95 * total), 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= rank:
            return math.exp((b + 1) / BINS_PER_E)
    return None


def _count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _figures() -> list[Any]:
    c = traces.c
    return [
        func.count().label("requests"),
        _count_if(c.status == 200).label("answered"),
        _count_if(c.decision == "block").label("block"),
        _count_if(c.decision == "hold").label("hold"),
        _count_if(c.decision == "refuse").label("refuse"),
        _count_if(c.annotations.like('%"grounded":true%')).label("grounded"),
        _count_if(c.annotations.like('%"grounded":false%')).label("ungrounded"),
        func.coalesce(func.sum(c.prompt_tokens), 0).label("prompt_tokens"),
        func.coalesce(func.sum(c.completion_tokens), 0).label("completion_tokens"),
        func.coalesce(func.sum(c.cost), 0.0).label("cost"),
    ]


def _sum_hours(conn: Connection, app: str, first: int, end: int) -> dict[int, Hour]:
    """Hours [first, end) summed from the traces: figures grouped by hour, then the
    answered latencies binned (in SQL on PostgreSQL, in Python elsewhere)."""
    c = traces.c
    where = (c.app == app, c.created_at >= first * HOUR, c.created_at < end * HOUR)
    pg = conn.dialect.name == "postgresql"
    hour = (
        cast(func.floor(c.created_at / HOUR), Integer) if pg else cast(c.created_at / HOUR, Integer)
    ).label("h")
    out: dict[int, Hour] = {}
    for r in conn.execute(select(hour, *_figures()).where(*where).group_by(hour)):
        h = out.setdefault(int(r.h), Hour())
        h.counts.update(
            {k: int(getattr(r, k)) for k in (*SUMS, "prompt_tokens", "completion_tokens")}
        )
        h.cost = float(r.cost)
    answered = (*where, c.status == 200)
    if pg:
        b = cast(func.floor(func.ln(func.greatest(c.latency_ms, 0.01)) * BINS_PER_E), Integer)
        q = select(hour, b.label("b"), func.count(), func.sum(c.latency_ms)).where(*answered)
        for h_, b_, n, total in conn.execute(q.group_by(hour, b)):
            h = out.setdefault(int(h_), Hour())
            h.hist[int(b_)] += int(n)
            h.latency_sum += float(total)
    else:
        for h_, ms in conn.execute(select(hour, c.latency_ms).where(*answered)):
            h = out.setdefault(int(h_), Hour())
            h.hist[latency_bin(float(ms))] += 1
            h.latency_sum += float(ms)
    return out


def _row(app: str, hour: int, h: Hour) -> dict[str, Any]:
    return {
        "app": app,
        "hour": hour,
        **{k: h.counts.get(k, 0) for k in (*SUMS, "prompt_tokens", "completion_tokens")},
        "cost": h.cost,
        "latency_sum": h.latency_sum,
        "latency_hist": orjson.dumps({str(k): v for k, v in h.hist.items()}).decode(),
    }


def _from_row(r: Any) -> Hour:
    counts = Counter({k: int(getattr(r, k)) for k in (*SUMS, "prompt_tokens", "completion_tokens")})
    hist = Counter({int(k): int(v) for k, v in orjson.loads(r.latency_hist).items()})
    return Hour(counts, float(r.cost), float(r.latency_sum), hist)


def _freeze(conn: Connection, app: str, hours: list[int]) -> dict[int, Hour]:
    """Sum closed hours [first, end) and store them (an empty hour is stored too, so it
    is never summed again). A replica racing us to the same hours is harmless."""
    first, end = hours[0], hours[-1] + 1
    summed = _sum_hours(conn, app, first, end)
    rows = [_row(app, h, summed.get(h, Hour())) for h in hours]
    if rows:
        try:
            with conn.begin_nested():
                conn.execute(kpi_hours.insert(), rows)
        except IntegrityError:
            pass
    return summed


def hourly(conn: Connection, app: str, since: float, until: float, now: float) -> dict[int, Hour]:
    """Every hour of [since, until) that has traces: stored, frozen now, or summed live."""
    first, end = math.floor(since / HOUR), math.ceil(until / HOUR)
    closed = min(end, math.floor((now - GRACE) / HOUR))
    stored = {
        int(r.hour): _from_row(r)
        for r in conn.execute(
            select(kpi_hours).where(
                kpi_hours.c.app == app, kpi_hours.c.hour >= first, kpi_hours.c.hour < closed
            )
        )
    }
    missing = sorted(set(range(first, closed)) - set(stored))
    if missing:
        fresh = _freeze(conn, app, missing)
        stored.update({h: fresh[h] for h in missing if h in fresh})
    if closed < end:
        stored.update(_sum_hours(conn, app, max(closed, first), end))
    return {h: v for h, v in stored.items() if v.counts.get("requests")}
