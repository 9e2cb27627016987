"""API keys: printed once, stored as a SHA-256 hash, looked up by hash.

Keys are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from stanchion.store.audit import append_audit
from stanchion.store.schema import api_keys

KEY_PREFIX = "sk-stn-"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    prefix: str
    user: str
    role: str
    app: str | None
    created_at: float
    expires_at: float | None
    revoked_at: float | None

    def usable(self, now: float) -> str | None:
        """Why the key may not be used now, or None when it may."""
        if self.revoked_at is not None:
            return "this API key was revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "this API key has expired"
        return None


def _record(row: Any) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        prefix=row.prefix,
        user=row.user,
        role=row.role,
        app=row.app,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def create_key(
    conn: Connection,
    *,
    user: str,
    role: str,
    actor: str,
    app: str | None = None,
    expires_at: float | None = None,
) -> tuple[str, KeyRecord]:
    """Make a key; the secret is returned here and never again."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    rec = KeyRecord(
        id=secrets.token_hex(8),
        prefix=secret[:12],
        user=user,
        role=role,
        app=app,
        created_at=time.time(),
        expires_at=expires_at,
        revoked_at=None,
    )
    conn.execute(
        api_keys.insert().values(
            id=rec.id,
            prefix=rec.prefix,
            hash=hash_key(secret),
            user=user,
            role=role,
            app=app,
            created_at=rec.created_at,
            expires_at=expires_at,
            revoked_at=None,
        )
    )
    append_audit(
        conn,
        actor,
        "key.create",
        rec.id,
        {"user": user, "role": role, "app": app, "expires_at": expires_at},
    )
    return secret, rec


def find_key(conn: Connection, secret: str) -> KeyRecord | None:
    row = conn.execute(select(api_keys).where(api_keys.c.hash == hash_key(secret))).first()
    return _record(row) if row else None


def list_keys(conn: Connection) -> list[KeyRecord]:
    rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at))
    return [_record(r) for r in rows]


def revoke_key(conn: Connection, key_id: str, *, actor: str) -> bool:
    """Revoke by id (or by the printed prefix); False when no live key matched."""
    cond = (api_keys.c.id == key_id) | (api_keys.c.prefix == key_id)
    result = conn.execute(
        update(api_keys)
        .where(cond & api_keys.c.revoked_at.is_(None))
        .values(revoked_at=time.time())
    )
    if result.rowcount == 0:
        return False
    append_audit(conn, actor, "key.revoke", key_id, {})
    return True
