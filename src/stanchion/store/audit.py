"""The audit log: an append-only, hash-chained table.

Each event's hash covers its own fields and the previous event's hash, so editing,
inserting or deleting a row breaks the chain at that row; ``verify`` names the first one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, text

from stanchion.store.schema import audit_events

GENESIS = "0" * 64


def _digest(
    prev: str, seq: int, at: float, actor: str, action: str, target: str, detail: str
) -> str:
    payload = orjson.dumps([prev, seq, repr(at), actor, action, target, detail])
    return hashlib.sha256(payload).hexdigest()


def append_audit(
    conn: Connection,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one event inside the caller's transaction; returns its sequence number."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE"))
    last = conn.execute(
        select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = time.time()
    body = orjson.dumps(detail or {}, option=orjson.OPT_SORT_KEYS).decode()
    conn.execute(
        audit_events.insert().values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            target=target,
            detail=body,
            prev_hash=prev,
            hash=_digest(prev, seq, at, actor, action, target, body),
        )
    )
    return seq


@dataclass(frozen=True, slots=True)
class AuditReport:
    events: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""


def verify(conn: Connection) -> AuditReport:
    """Walk the chain in order and report the first row that does not fit."""
    prev, expected, count = GENESIS, 1, 0
    rows = conn.execute(select(audit_events).order_by(audit_events.c.seq))
    for row in rows:
        count += 1
        if row.seq != expected:
            kind = "deleted" if row.seq > expected else "inserted"
            return AuditReport(count, False, row.seq, f"event {expected} is missing or {kind}")
        if row.prev_hash != prev:
            return AuditReport(
                count,
                False,
                row.seq,
                "previous-hash link broken (row inserted or deleted before it)",
            )
        digest = _digest(prev, row.seq, row.at, row.actor, row.action, row.target, row.detail)
        if digest != row.hash:
            return AuditReport(count, False, row.seq, "contents do not match their hash (edited)")
        prev, expected = row.hash, expected + 1
    return AuditReport(count, True)
