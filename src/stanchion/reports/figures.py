"""Reading the rollups: a period's figures per key of one dimension, split into trend
buckets, with users and ratings. Everything here is a grouped query over the rollup tables
(``reports/rollup.py``) or the feedback table, never over the traces, except ratings per
version, route or cohort, which look their rated traces up by primary key.

    figs = period_figures(conn, "demo", "all", since, until, buckets=14)
    figs["all"].total.counts["requests"], figs["all"].buckets[13].hist
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from stanchion.registry.schema import feedback
from stanchion.reports.activity import active_users, rating_hours
from stanchion.reports.rollup import (
    COUNTS,
    HOUR,
    SUMS,
    Hour,
    dim_keys,
    kpi_latency,
    kpi_latency_days,
    kpi_rollup,
    kpi_terms,
)
from stanchion.store.schema import traces


@dataclass
class Ratings:
    count: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    high: int = 0  # rated 4 or 5
    low: int = 0  # rated 1 or 2
    per: dict[int, list[float]] = field(default_factory=dict)  # bucket -> [sum, count]

    def add(self, score: float, bucket: int) -> None:
        self.count += 1
        self.total += score
        self.total_sq += score * score
        self.high += score >= 4
        self.low += score <= 2
        acc = self.per.setdefault(bucket, [0.0, 0.0])
        acc[0] += score
        acc[1] += 1

    def merge(self, bucket: int, n: int, total: float, sq: float, high: int, low: int) -> None:
        self.count, self.total, self.total_sq = (
            self.count + n,
            self.total + total,
            self.total_sq + sq,
        )
        self.high, self.low = self.high + high, self.low + low
        acc = self.per.setdefault(bucket, [0.0, 0.0])
        acc[0] += total
        acc[1] += n

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass
class Figures:
    """One key's figures over a period: the total and each trend bucket."""

    total: Hour = field(default_factory=Hour)
    buckets: dict[int, Hour] = field(default_factory=dict)
    users: int = 0
    returning: int = 0
    users_before: int = 0  # active in the period of the same length just before
    ratings: Ratings = field(default_factory=Ratings)


@dataclass(frozen=True, slots=True)
class Span:
    """A period cut into ``n`` trend buckets along whole hours."""

    since: float
    until: float
    n: int

    @property
    def first(self) -> int:
        return math.floor(self.since / HOUR)

    @property
    def end(self) -> int:
        return max(math.ceil(self.until / HOUR), self.first + 1)

    def bucket_of_hour(self, col: Any) -> Any:
        return (col - self.first) * self.n // (self.end - self.first)

    def bucket_of_time(self, at: float) -> int:
        i = int((at - self.first * HOUR) * self.n // ((self.end - self.first) * HOUR))
        return min(max(i, 0), self.n - 1)


def _where(t: Any, app: str, dim: str, span: Span) -> tuple[Any, ...]:
    return (t.c.app == app, t.c.dim == dim, t.c.hour >= span.first, t.c.hour < span.end)


def _hours(conn: Connection, app: str, dim: str, span: Span) -> dict[str, Figures]:
    r = kpi_rollup
    out: dict[str, Figures] = defaultdict(Figures)
    b = span.bucket_of_hour(r.c.hour).label("b")
    sums = [func.sum(r.c[c]).label(c) for c in (*COUNTS, *SUMS)]
    q = select(r.c.key, b, *sums).where(*_where(r, app, dim, span)).group_by(r.c.key, b)
    for row in conn.execute(q):
        h = Hour(
            Counter({c: int(getattr(row, c) or 0) for c in COUNTS}),
            {c: float(getattr(row, c) or 0.0) for c in SUMS},
        )
        fig = out[row.key]
        fig.buckets[int(row.b)] = h
        fig.total.add(h)
    for key, bucket, bin_, n in _latency(conn, app, dim, span):
        fig = out[key]
        fig.buckets.setdefault(int(bucket), Hour()).hist[int(bin_)] += int(n)
        fig.total.hist[int(bin_)] += int(n)
    return out


def _latency(conn: Connection, app: str, dim: str, span: Span) -> list[Any]:
    """(key, bucket, bin, n): whole days from ``kpi_latency_days`` (each in the bucket of
    its first hour), the partial days at either edge from ``kpi_latency``."""
    d0, d1 = -(-span.first // 24), span.end // 24
    rows: list[Any] = []
    edges = [(span.first, span.end)]
    if d0 < d1:
        t = kpi_latency_days
        b = span.bucket_of_hour(t.c.day * 24).label("b")
        q = select(t.c.key, b, t.c.bin, func.sum(t.c.n)).where(
            t.c.app == app, t.c.dim == dim, t.c.day >= d0, t.c.day < d1
        )
        rows += conn.execute(q.group_by(t.c.key, b, t.c.bin)).all()
        edges = [(span.first, d0 * 24), (d1 * 24, span.end)]
    lat = kpi_latency
    lb = span.bucket_of_hour(lat.c.hour).label("b")
    for a, z in edges:
        if a < z:
            q2 = select(lat.c.key, lb, lat.c.bin, func.sum(lat.c.n)).where(
                lat.c.app == app, lat.c.dim == dim, lat.c.hour >= a, lat.c.hour < z
            )
            rows += conn.execute(q2.group_by(lat.c.key, lb, lat.c.bin)).all()
    return rows


def _users(conn: Connection, app: str, dim: str, span: Span, figs: dict[str, Figures]) -> None:
    """Active users per key in the period's hours, returning users (active in the period
    and in the one before it) and the users of the period before, from the activity bits
    (``reports/activity.py``): about ten index entries per user, whatever the period."""
    p0 = 2 * span.first - span.end
    found = active_users(conn, app, dim, sorted(figs), span.first, span.end, p0)
    for key, fig in figs.items():
        fig.users, fig.returning, fig.users_before = found.get(key, (0, 0, 0))


def _ratings(conn: Connection, app: str, dim: str, span: Span, figs: dict[str, Figures]) -> None:
    f = feedback.c
    where = (f.app == app, f.updated_at >= span.since, f.updated_at < span.until)
    if dim == "all":
        _rating_sums(conn, app, span, figs.setdefault("all", Figures()).ratings)
        return
    t = traces.c
    q2 = select(f.score, f.updated_at, t.prompt_id, t.route, t.model, t.annotations).join(
        traces, t.id == f.trace_id
    )
    rows = ((float(r.score), r.updated_at, _key_of(dim, r)) for r in conn.execute(q2.where(*where)))
    for score, at, key in rows:
        figs.setdefault(key, Figures()).ratings.add(score, span.bucket_of_time(float(at)))


def _rating_sums(conn: Connection, app: str, span: Span, into: Ratings) -> None:
    """Ratings per trend bucket from the hourly ratings rollup: one row per bucket."""
    for i, n, total, sq, high, low in rating_hours(
        conn, app, span.first, span.end, span.bucket_of_hour
    ):
        into.merge(min(max(i, 0), span.n - 1), n, total, sq, high, low)


def _key_of(dim: str, r: Any) -> str:
    import orjson

    try:
        ann = orjson.loads(r.annotations or "{}")
    except orjson.JSONDecodeError:
        ann = {}
    row = {"prompt_id": r.prompt_id, "route": r.route, "model": r.model}
    return dict(dim_keys(row, ann if isinstance(ann, dict) else {}))[dim]


def period_figures(
    conn: Connection,
    app: str,
    dim: str,
    since: float,
    until: float,
    buckets: int = 1,
    *,
    users: bool = True,
    ratings: bool = True,
) -> dict[str, Figures]:
    """Figures for [since, until) per key of ``dim`` ("all" has the one key "all");
    ``users`` and ``ratings`` may be left out when not needed."""
    span = Span(since, until, buckets)
    figs = _hours(conn, app, dim, span)
    if users:
        _users(conn, app, dim, span, figs)
    if ratings:
        _ratings(conn, app, dim, span, figs)
    return dict(figs)


def term_counts(conn: Connection, app: str, since: float, until: float) -> Counter[str]:
    """Questions per query term hash in [since, until) (whole hours)."""
    span = Span(since, until, 1)
    t = kpi_terms.c
    q = (
        select(t.term, func.sum(t.n))
        .where(t.app == app, t.hour >= span.first, t.hour < span.end)
        .group_by(t.term)
    )
    return Counter({term: int(n) for term, n in conn.execute(q)})
