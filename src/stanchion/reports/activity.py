"""Rollups for the two figures that do not add up hour by hour: distinct active users and
ratings (a rating can be changed later). Both are kept at write time, so the overview reads a
few thousand index entries however many traces the period holds.

    active = active_users(conn, "demo", "all", first_hour, end_hour, before_hour)
    active["all"]          # (active, returning, active in the period before)

Users: one row per user, dimension key and block of hours (or of days) whose ``bits`` say in
which hours (days) the user was active; a period is whole days from the day rows and the
partial days at its edges from the hour rows, so a 30-day period and the 30 days before it
read at most about ten rows per user. The rows are derived from ``kpi_users`` increments
(``reports/rollup.py: apply``), so whatever names that table keeps, these keep too.

Ratings: per hour of the rating's last change, count, sum, sum of squares, high (4-5) and
low (1-2); a changed rating moves out of its old hour and into its new one.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Double,
    Integer,
    String,
    Table,
    and_,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stanchion.store.bulk import bulk_execute
from stanchion.store.schema import metadata

HOURS_PER_BLOCK = 48  # bits per row: below 63, so no row's bits ever need a sign
DAYS_PER_BLOCK = 32
UNITS = {1: HOURS_PER_BLOCK, 24: DAYS_PER_BLOCK}  # hours per bit -> bits per row
RATING_SUMS = ("n", "total", "total_sq", "high", "low")

kpi_user_bits = Table(
    "kpi_user_bits",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("dim", String(16), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("unit", Integer, primary_key=True),  # hours per bit: 1 or 24
    Column("block", Integer, primary_key=True),
    Column("user", String(200), primary_key=True),
    Column("bits", BigInteger, nullable=False),
)
kpi_ratings = Table(
    "kpi_ratings",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("n", BigInteger, nullable=False),
    Column("total", Double, nullable=False),
    Column("total_sq", Double, nullable=False),
    Column("high", BigInteger, nullable=False),
    Column("low", BigInteger, nullable=False),
)
_INSERTS: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": pg_insert}
Masks = dict[tuple[int, int], int]


def _set_bits(out: Masks, unit: int, lo: int, hi: int) -> None:
    per = UNITS[unit]
    for i in range(lo, hi):
        out[(unit, i // per)] = out.get((unit, i // per), 0) | 1 << (i % per)


def masks(first: int, end: int) -> Masks:
    """The (unit, block) -> bits that cover the hours [first, end)."""
    out: Masks = {}
    d0, d1 = -(-first // 24), end // 24
    if d0 >= d1:
        _set_bits(out, 1, first, end)
        return out
    _set_bits(out, 24, d0, d1)
    _set_bits(out, 1, first, d0 * 24)
    _set_bits(out, 1, d1 * 24, end)
    return out


# How an upsert merges a row into the one already stored, per non-key column: counts and
# sums add up, activity bitmaps are ORed together.
_MERGES: dict[str, Any] = {"+": lambda cur, new: cur + new, "|": lambda cur, new: cur.op("|")(new)}


@functools.cache
def _upsert_stmt(dialect: str, table: Table, merge: str) -> tuple[Any, itemgetter[Any]]:
    """A table's merging upsert and its rows' primary-key getter, built once: building it
    (the ``excluded`` alias, one expression per column) cost more than the upsert itself, on
    every writer batch."""
    keys = [c.name for c in table.primary_key.columns]
    stmt = _INSERTS[dialect](table)
    how = _MERGES[merge]
    new = {c.name: how(c, stmt.excluded[c.name]) for c in table.c if not c.primary_key}
    return stmt.on_conflict_do_update(index_elements=keys, set_=new), itemgetter(*keys)


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], merge: str = "+") -> None:
    """Upsert ``rows`` in primary-key order (one lock order: no deadlocks on PostgreSQL), each
    non-key column merged into the stored one by ``merge`` (``+`` or ``|``).

        upsert(conn, kpi_ratings, [{"app": "demo", "hour": 1, "n": 1, ...}])
    """
    if not rows:
        return
    stmt, key = _upsert_stmt(conn.dialect.name, table, merge)
    rows.sort(key=key)  # a few hundred rows a writer batch: the key is read in C
    bulk_execute(conn, stmt, rows)


def add_users(conn: Connection, app: str, hours: Iterable[tuple[int, str, str, str]]) -> None:
    """Mark users active: ``hours`` are (hour, dim, key, user), as ``kpi_users`` counts them."""
    acc: dict[tuple[str, str, int, int, str], int] = defaultdict(int)
    for hour, dim, key, user in hours:
        for unit, i in ((1, hour), (24, hour // 24)):
            per = UNITS[unit]
            acc[(dim, key, unit, i // per, user)] |= 1 << (i % per)
    rows = [
        {"app": app, "dim": d, "key": k, "unit": u, "block": b, "user": user, "bits": bits}
        for (d, k, u, b, user), bits in acc.items()
    ]
    upsert(conn, kpi_user_bits, rows, "|")


def _hit(masks: Masks) -> Any:
    t = kpi_user_bits.c
    bits = case(
        *[
            (and_(t.unit == u, t.block == b), t.bits.op("&")(literal(m, BigInteger)))
            for (u, b), m in masks.items()
        ],
        else_=0,
    )
    return case((bits != 0, 1), else_=0)


def active_users(
    conn: Connection, app: str, dim: str, keys: list[str], first: int, end: int, before: int
) -> dict[str, tuple[int, int, int]]:
    """Per key of ``dim``: users active in the hours [first, end), those of them also active
    in [before, first) (returning), and the users active in [before, first)."""
    now, prev = masks(first, end), masks(before, first)
    t = kpi_user_bits.c
    blocks = sorted({b for _, b in (*now, *prev)})  # hour and day block numbers never meet,
    per_user = (  # and a row of neither mask counts for nothing: one index range per key
        select(t.key, func.max(_hit(now)).label("now"), func.max(_hit(prev)).label("prev"))
        .where(
            t.app == app,
            t.dim == dim,
            t.key.in_(keys),
            t.unit.in_(sorted(UNITS)),
            t.block.in_(blocks),
        )
        .group_by(t.key, t.user)
        .subquery()
    )
    c = per_user.c
    q = select(c.key, func.sum(c.now), func.sum(c.now * c.prev), func.sum(c.prev)).group_by(c.key)
    return {key: (int(a or 0), int(r or 0), int(p or 0)) for key, a, r, p in conn.execute(q)}


def _rating_row(app: str, score: int, at: float, sign: int) -> dict[str, Any]:
    return {
        "app": app,
        "hour": math.floor(at / 3600),
        "n": sign,
        "total": float(sign * score),
        "total_sq": float(sign * score * score),
        "high": sign * (score >= 4),
        "low": sign * (score <= 2),
    }


def _by_hour(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per hour (an upsert may not touch the same row twice)."""
    merged: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r["hour"] in merged:
            for c in RATING_SUMS:
                merged[r["hour"]][c] += r[c]
        else:
            merged[r["hour"]] = r
    return list(merged.values())


def rate(
    conn: Connection, app: str, score: int, at: float, old: tuple[int, float] | None = None
) -> None:
    """Count a rating given at ``at``; ``old``: the (score, time) it replaces."""
    rows = [_rating_row(app, score, at, 1)]
    if old is not None:
        rows.append(_rating_row(app, old[0], old[1], -1))
    upsert(conn, kpi_ratings, _by_hour(rows))


def rating_hours(
    conn: Connection, app: str, first: int, end: int, bucket_of_hour: Any
) -> list[tuple[int, int, float, float, int, int]]:
    """(bucket, count, sum, sum of squares, high, low) of the ratings in [first, end)."""
    t = kpi_ratings.c
    b = bucket_of_hour(t.hour).label("b")
    q = (
        select(b, *(func.sum(t[c]) for c in RATING_SUMS))
        .where(t.app == app, t.hour >= first, t.hour < end)
        .group_by(b)
    )
    return [
        (int(i), int(n or 0), float(s or 0), float(sq or 0), int(hi or 0), int(lo or 0))
        for i, n, s, sq, hi, lo in conn.execute(q)
    ]


def rebuild_ratings(conn: Connection, app: str, rows: Iterable[Any]) -> None:
    """Recount an app's ratings from its feedback rows (``score``, ``updated_at``)."""
    conn.execute(kpi_ratings.delete().where(kpi_ratings.c.app == app))
    fresh = (_rating_row(app, int(r["score"]), float(r["updated_at"]), 1) for r in rows)
    upsert(conn, kpi_ratings, _by_hour(fresh))
