"""Seats: a stage's ``size``, the users beyond its named ones it admits, first come.

A user who takes a seat keeps it (one row per app and user); the cohort cache holds the
seats, so only a user's first request in a sized stage reaches the database. Two replicas
seating users at the same instant may each take the last seat (at most one extra seat per
replica); every seat is an audit event.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, func, select

from stanchion.rollout.schema import rollout_seats
from stanchion.store.audit import append_audit


def load(conn: Connection, app: str) -> dict[str, str]:
    """user -> the stage whose seat they hold."""
    c = rollout_seats.c
    return {r.user: r.stage for r in conn.execute(select(c.user, c.stage).where(c.app == app))}


def counts(seats: dict[str, str]) -> Counter[str]:
    return Counter(seats.values())


def take(conn: Connection, app: str, user: str, stage: str, size: int, now: float) -> bool:
    """Seat ``user`` in ``stage`` if it has room; False when it is full."""
    c = rollout_seats.c
    held = conn.execute(select(c.stage).where(c.app == app, c.user == user)).scalar_one_or_none()
    if held is not None:
        return bool(held == stage)
    taken = conn.execute(select(func.count()).where(c.app == app, c.stage == stage)).scalar_one()
    if taken >= size:
        return False
    conn.execute(rollout_seats.insert().values(app=app, user=user, stage=stage, at=now))
    append_audit(conn, "rollout", "rollout.seat", f"{app}:{stage}", {"user": user})
    return True
