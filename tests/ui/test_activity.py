"""The activity rollups on real SQLite and PostgreSQL: distinct active users over any period
(whole days and partial days at its edges) equal a count over the traces themselves, and a
changed rating moves from its old hour to its new one."""

from __future__ import annotations

import random
from typing import Any

from stanchion.evals.feedback import Rating, record
from stanchion.reports.activity import active_users, rating_hours
from stanchion.reports.rollup import HOUR, rebuild, store_traces
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from tests.ui.test_kpis import _trace

START = 20_000 * 24 + 5  # an hour: periods cross day and block edges


def _users(rows: list[dict[str, Any]], a: int, z: int) -> set[str]:
    return {r["user"] for r in rows if a <= r["created_at"] // HOUR < z}


def test_active_users_over_any_period_equal_a_count_of_the_traces(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    rng = random.Random(3)
    rows = [
        _trace(i, (START + rng.randrange(24 * 70)) * HOUR + 60, user=f"u{rng.randrange(40)}")
        for i in range(600)
    ]
    with store.engine.begin() as conn:
        store_traces(conn, rows[:300])
        store_traces(conn, rows[300:])  # a second batch ORs into the same rows
    periods = [(START + 30, START + 31), (START + 5, START + 29), (START, START + 24 * 35)]
    periods += [(START + 24 * 30 + 7, START + 24 * 61 + 13), (START + 200, START + 24 * 70)]
    for _ in range(20):
        a = START + rng.randrange(24 * 60)
        periods.append((a, a + 1 + rng.randrange(24 * 40)))
    for rebuilt in (False, True):
        if rebuilt:
            with store.engine.begin() as conn:
                rebuild(conn, "demo")
        with store.engine.connect() as conn:
            for a, z in periods:
                before = 2 * a - z
                now_, prev = _users(rows, a, z), _users(rows, before, a)
                want = (len(now_), len(now_ & prev), len(prev))
                got = active_users(conn, "demo", "all", ["all"], a, z, before).get("all", (0, 0, 0))
                assert got == want, (a - START, z - START, rebuilt)
    store.dispose()


def test_a_changed_rating_moves_to_its_new_hour(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    cipher = Cipher(bytes(32))
    h = START + 100

    def rate(score: int, hour: int, user: str = "ann") -> None:
        with store.engine.begin() as conn:
            rating = Rating("t1", "demo", user, None, score, None, None)
            record(conn, cipher, rating, now=lambda: hour * HOUR + 5.0)

    rate(2, h)
    rate(5, h, user="bob")
    rate(4, h + 3)  # ann changes her mind three hours later
    with store.engine.connect() as conn:
        first = rating_hours(conn, "demo", h, h + 1, lambda col: col - h)
        later = rating_hours(conn, "demo", h + 3, h + 4, lambda col: col - h)
    assert first == [(0, 1, 5.0, 25.0, 1, 0)]
    assert later == [(3, 1, 4.0, 16.0, 1, 0)]
    with store.engine.begin() as conn:
        rebuild(conn, "demo")  # the rollup as recounted from the feedback rows: the same
    with store.engine.connect() as conn:
        assert rating_hours(conn, "demo", h, h + 1, lambda col: col - h) == first
    store.dispose()
