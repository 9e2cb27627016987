"""Console sessions: an API key exchanged for a server-side session.

The cookie carries a random token; the table stores only its SHA-256 hash, the key it was
made from, a CSRF token and three times. A session is live while it is not ended, not idle
too long, not too old, and its key is neither revoked nor expired: revoking a key ends its
sessions at their next request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Double, Index, String, Table, select, update

from stanchion.store.schema import api_keys, metadata

ui_sessions = Table(
    "ui_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key_id", String(32), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("seen_at", Double, nullable=False),
    Column("ended_at", Double, nullable=True),
)
Index("ix_ui_sessions_key", ui_sessions.c.key_id)
TOUCH_EVERY = 30.0  # seconds: how stale seen_at may get before a request rewrites it


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    key_id: str
    user: str
    role: str
    app: str | None
    csrf: str
    created_at: float
    seen_at: float


@dataclass(frozen=True, slots=True)
class Timeouts:
    idle: float
    absolute: float


def start_session(conn: Connection, key_id: str, now: float) -> tuple[str, str]:
    """A new session for a key already checked; returns (cookie token, csrf token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(
        ui_sessions.insert().values(
            id=token_hash(token), key_id=key_id, csrf=csrf, created_at=now, seen_at=now
        )
    )
    return token, csrf


def _why_dead(row: Any, now: float, limits: Timeouts) -> str | None:
    if row.ended_at is not None:
        return "signed out"
    if row.revoked_at is not None:
        return "key revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "key expired"
    if now - row.seen_at > limits.idle:
        return "idle timeout"
    if now - row.created_at > limits.absolute:
        return "session too old"
    return None


def live_session(conn: Connection, token: str, now: float, limits: Timeouts) -> Session | None:
    """The live session behind a cookie token (touching it), or None; a dead one is ended."""
    q = (
        select(
            ui_sessions,
            api_keys.c.user,
            api_keys.c.role,
            api_keys.c.app,
            api_keys.c.revoked_at,
            api_keys.c.expires_at,
        )
        .join(api_keys, api_keys.c.id == ui_sessions.c.key_id)
        .where(ui_sessions.c.id == token_hash(token))
    )
    row = conn.execute(q).first()
    if row is None:
        return None
    if _why_dead(row, now, limits):
        if row.ended_at is None:
            end_session(conn, row.id, now)
        return None
    if now - row.seen_at > min(TOUCH_EVERY, limits.idle / 4):
        conn.execute(update(ui_sessions).where(ui_sessions.c.id == row.id).values(seen_at=now))
    return Session(
        row.id, row.key_id, row.user, row.role, row.app, row.csrf, row.created_at, row.seen_at
    )


def end_session(conn: Connection, session_id: str, now: float) -> bool:
    done = conn.execute(
        update(ui_sessions)
        .where(ui_sessions.c.id == session_id, ui_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )
    return bool(done.rowcount)
