"""API keys: printed once, stored as a SHA-256 hash, looked up by hash.

Keys are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from stanchion.errors import BadRequest
from stanchion.store.audit import append_audit
from stanchion.store.schema import api_keys
from stanchion.store.sso import PREFIX, why_gone

KEY_PREFIX = "sk-stn-"
MAX_LIFETIME = 10 * 365 * 86400
MAX_USER = 200


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
    bound_to: str | None = None
    owner_gone: str | None = None

    def usable(self, now: float) -> str | None:
        """Why the key may not be used now, or None when it may."""
        if self.owner_gone is not None:
            return f"this API key's SSO user is gone: {self.owner_gone}"
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
        bound_to=row.bound_to,
    )


def check_expiry(expires_at: object, now: float) -> float | None:
    """A key's expiry as epoch seconds: a real number in the future, at most ten years
    ahead, or None (never). Anything else is refused before it can reach the table."""
    if expires_at is None:
        return None
    if isinstance(expires_at, bool) or not isinstance(expires_at, (int, float)):
        raise BadRequest("expires_at must be epoch seconds (a number)", param="expires_at")
    if not math.isfinite(expires_at) or expires_at <= now:
        raise BadRequest("expires_at must be a time in the future", param="expires_at")
    if expires_at > now + MAX_LIFETIME:
        raise BadRequest("expires_at may be at most ten years ahead", param="expires_at")
    return float(expires_at)


def check_user(user: object) -> str:
    if not isinstance(user, str) or not user.strip():
        raise BadRequest("user is required", param="user")
    if len(user) > MAX_USER or "\x00" in user:
        raise BadRequest(f"user must be at most {MAX_USER} characters, without NUL", param="user")
    return user


def create_key(
    conn: Connection,
    *,
    user: str,
    role: str,
    actor: str,
    app: str | None = None,
    expires_at: float | None = None,
    bound_to: str | None = None,
) -> tuple[str, KeyRecord]:
    """Make a key; the secret is returned here and never again.

    A bad ``expires_at`` or ``user`` is refused here (``BadRequest``), whichever door the
    request came in by: the API, the CLI or code.
    """
    now = time.time()
    user, expires_at = check_user(user), check_expiry(expires_at, now)
    if bound_to is not None:
        check_bound(conn, bound_to, app)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    rec = KeyRecord(
        id=secrets.token_hex(8),
        prefix=secret[:12],
        user=user,
        role=role,
        app=app,
        created_at=now,
        expires_at=expires_at,
        revoked_at=None,
        bound_to=bound_to,
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
            bound_to=bound_to,
        )
    )
    append_audit(
        conn,
        actor,
        "key.create",
        rec.id,
        {"user": user, "role": role, "app": app, "expires_at": expires_at, "bound_to": bound_to},
    )
    return secret, rec


def check_bound(conn: Connection, bound_to: str, app: str | None = None) -> None:
    """A key may be bound only to an SSO user this store knows and who may still act; with
    ``app``, one of that app (another app's user in a shared database is not there)."""
    query = select(api_keys.c.id).where(api_keys.c.id == bound_to)
    if app is not None:
        query = query.where(api_keys.c.app == app)
    known = conn.execute(query).first()
    if not bound_to.startswith(PREFIX) or known is None:
        raise BadRequest(f"no SSO user {bound_to!r} (see `keys list`)", param="bound_to")
    gone = why_gone(conn, bound_to)
    if gone:
        raise BadRequest(gone, param="bound_to")


def find_key(conn: Connection, secret: str) -> KeyRecord | None:
    """The key of ``secret``; a key bound to an SSO user carries why that user is gone."""
    row = conn.execute(select(api_keys).where(api_keys.c.hash == hash_key(secret))).first()
    if row is None:
        return None
    rec = _record(row)
    if rec.bound_to is not None:
        gone = why_gone(conn, rec.bound_to)
        if gone:
            rec = dataclasses.replace(rec, owner_gone=gone)
    return rec


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
