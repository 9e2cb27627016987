"""Generation counters: one integer per app that replicas poll to learn that something they
cache (approved documents, labels) changed. A table holds ``app``, ``generation`` and
``changed_at``."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Table, select, update


def bump(conn: Connection, table: Table, app: str, now: Callable[[], float] = time.time) -> None:
    """Move the app's generation on by one (creating it at 1)."""
    done = conn.execute(
        update(table)
        .where(table.c.app == app)
        .values(generation=table.c.generation + 1, changed_at=now())
    )
    if done.rowcount == 0:
        conn.execute(table.insert().values(app=app, generation=1, changed_at=now()))


def read(conn: Connection, table: Table, app: str) -> int:
    """The app's generation; 0 before the first change."""
    value = conn.execute(select(table.c.generation).where(table.c.app == app)).scalar()
    return int(value or 0)
