"""What the KPI rollups keep about people, and how it goes: ``kpi_users`` holds a keyed hash
of each user (never the name), an erasure cuts a subject's hash from their rows, and the
rollups have a retention period like the traces they count.

    user_key = UserKey(cipher)                 # rollup.py hashes every user with it
    erase_rollup_user(conn, "shop", "ana", user_key)
    prune_rollups(conn, "shop", cutoff)        # hours before cutoff deleted

An erased subject's rows stay (so the distinct-user counts of past periods do not change)
but carry a random tombstone instead of the hash: nothing links them to the person, nor to
each other across apps. Rows written before the names were hashed (migration 0009) are
erased by name too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import Connection, Table, delete, func, select, update

from stanchion.reports.activity import DAYS_PER_BLOCK, HOURS_PER_BLOCK, kpi_ratings, kpi_user_bits
from stanchion.reports.rollup import (
    HOUR,
    Batch,
    kpi_latency,
    kpi_latency_days,
    kpi_rollup,
    kpi_terms,
    kpi_users,
)
from stanchion.store.crypto import Cipher, KeyedHash
from stanchion.store.schema import audit_events

PURPOSE = b"stanchion/kpi-user/v1"
MEMO = 50_000


class UserKey(KeyedHash):
    """A user's pseudonym in the rollups: ``u`` + 30 hex digits of an HMAC under a subkey of
    the app's content key (the same user, the same pseudonym, on every replica)."""

    def __init__(self, cipher: Cipher) -> None:
        super().__init__(cipher, PURPOSE, "u", 15, MEMO)


def erase_rollup_user(
    conn: Connection, app: str, subject: str, user_key: Callable[[str], str]
) -> int:
    """Replace a subject's pseudonym (and, in rows from before hashing, their name) in
    ``kpi_users`` and the activity bitmaps with a tombstone drawn for this erasure; the
    counts stay. Returns the ``kpi_users`` rows changed."""
    n = 0
    for name in dict.fromkeys((user_key(subject[:200]), subject[:200])):
        # one tombstone per form: a pseudonym row and a name row of the same hour (written
        # either side of the upgrade) stay two rows, as they were two users in the counts;
        # the activity bitmaps take the same tombstone, so their counts stay too
        tombstone = "x" + secrets.token_hex(15)
        for table in (kpi_users, kpi_user_bits):
            done = conn.execute(
                update(table).where(table.c.app == app, table.c.user == name).values(user=tombstone)
            )
            n += int(done.rowcount or 0) if table is kpi_users else 0
    return n


ERASED_MARGIN = 60.0  # clock skew between replicas, on the side of forgetting


def forget_erased(
    conn: Connection,
    per_app: dict[str, Batch],
    user_key: Callable[[str], str] | None,
    since: float,
) -> int:
    """Subjects erased since ``since`` (a buffer's oldest trace) lose their pseudonym in
    increments held in memory as ``erase_rollup_user`` cut it in the stored rows: a
    buffered trace, or one of a stopped writer counted from the store, must not bring an
    erased user's pseudonym back. One look at ``subject_erasures`` unless one happened;
    returns the subjects forgotten."""
    from stanchion.store.subjects import subject_erasures  # store.subjects imports us

    last = conn.execute(select(func.max(subject_erasures.c.changed_at))).scalar()
    if last is None or float(last) < since - ERASED_MARGIN:
        return 0
    found = conn.execute(
        select(audit_events.c.target).where(
            audit_events.c.action == "subject.erase", audit_events.c.at >= since - ERASED_MARGIN
        )
    )
    names = {str(name) for (name,) in found}
    forms = {form: "x" + secrets.token_hex(15) for name in names for form in _forms(name, user_key)}
    for batch in per_app.values():
        users = batch.group_users
        for key in [k for k in users if k[-1] in forms]:
            users[(*key[:-1], forms[key[-1]])] += users.pop(key)
    return len(names)


def _forms(name: str, user_key: Callable[[str], str] | None) -> set[str]:
    return {name, user_key(name)} if user_key is not None else {name}


def _before(conn: Connection, table: Table, column: str, app: str, limit: int) -> int:
    done = conn.execute(delete(table).where(table.c.app == app, table.c[column] < limit))
    return int(done.rowcount or 0)


def prune_rollups(conn: Connection, app: str, cutoff: float) -> int:
    """Delete an app's rollup hours (and whole days) that began before ``cutoff``."""
    hour = int(cutoff // HOUR)
    tables = (kpi_rollup, kpi_latency, kpi_users, kpi_terms, kpi_ratings)
    n = sum(_before(conn, t, "hour", app, hour) for t in tables)
    return (
        n + _before(conn, kpi_latency_days, "day", app, hour // 24) + _bits_before(conn, app, hour)
    )


def prune_rollup_users(conn: Connection, app: str, cutoff: float) -> int:
    """Delete an app's per-user rollup rows of the hours before ``cutoff`` (they follow the
    traces they came from; the aggregate hours may be kept longer)."""
    hour = int(cutoff // HOUR)
    return _before(conn, kpi_users, "hour", app, hour) + _bits_before(conn, app, hour)


def _bits_before(conn: Connection, app: str, hour: int) -> int:
    """Delete the activity bitmaps whose whole block lies before ``hour``."""
    n = 0
    for unit, width in ((1, HOURS_PER_BLOCK), (24, DAYS_PER_BLOCK)):
        done = conn.execute(
            delete(kpi_user_bits).where(
                kpi_user_bits.c.app == app,
                kpi_user_bits.c.unit == unit,
                (kpi_user_bits.c.block + 1) * width * unit <= hour,
            )
        )
        n += int(done.rowcount or 0)
    return n
