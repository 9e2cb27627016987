"""Reading the audit log page by page (newest first), filtered by actor and action."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from stanchion.store.audit import open_detail
from stanchion.store.schema import audit_events


def list_events(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of events and the cursor (a sequence number) of the next page."""
    c = audit_events.c
    q = select(c.seq, c.at, c.actor, c.action, c.target, c.detail)
    if actor:
        q = q.where(c.actor == actor)
    if action:
        q = q.where(c.action == action)
    if before is not None:
        q = q.where(c.seq < before)
    rows = [dict(r._mapping) for r in conn.execute(q.order_by(c.seq.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["seq"] if more and rows else None)


def latest_event(conn: Connection, action: str, target: str) -> dict[str, Any] | None:
    """The newest event of ``action`` on ``target``, its detail opened (sealed details with
    the bound key), or None."""
    c = audit_events.c
    row = conn.execute(
        select(c.seq, c.at, c.actor, c.action, c.target, c.detail)
        .where(c.action == action, c.target == target)
        .order_by(c.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    event = dict(row._mapping)
    event["detail"] = open_detail(conn, event["detail"])
    return event
