"""SSO users in the store: each one a row of ``api_keys`` that no secret opens (its hash is
of random bytes nobody keeps) plus a grant row with the provider's refresh token, sealed.

Being a key row, an SSO user gets everything keys have: console sessions join it, ``keys
revoke`` cuts it off (console, API tokens and bound keys), ``keys list`` shows it. Its
``expires_at`` is the next time the provider must vouch for the user again; a provider that
no longer knows the user (a refused refresh) sets ``removed_at`` and ends it at once.

    with store.engine.begin() as conn:
        refused = sign_in(conn, cipher, SsoUser("sso-ab12", "sub-1", "ana@x", "admin", "shop"),
                          refresh="rt", until=now + 300, now=now)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Double, String, Table, Text, select, update

from stanchion.store.audit import append_audit
from stanchion.store.crypto import Cipher
from stanchion.store.schema import api_keys, metadata

sso_grants = Table(
    "sso_grants",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("subject", String(255), nullable=False),
    Column("refresh_enc", Text, nullable=True),
    Column("verified_at", Double, nullable=False),
    Column("removed_at", Double, nullable=True),
)
PREFIX = "sso-"


def sso_key_id(issuer: str, subject: str) -> str:
    """A stable id for (issuer, subject): the same user is the same row on every replica."""
    return PREFIX + hashlib.sha256(f"{issuer}\x00{subject}".encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class SsoUser:
    key_id: str
    subject: str
    user: str
    role: str
    app: str


@dataclass(frozen=True, slots=True)
class Grant:
    key_id: str
    refresh_enc: str | None
    expires_at: float | None
    role: str


def why_gone(conn: Connection, key_id: str) -> str | None:
    """Why this SSO user may not act (revoked, removed by the provider), or None."""
    row = conn.execute(
        select(api_keys.c.revoked_at, sso_grants.c.removed_at)
        .select_from(api_keys.outerjoin(sso_grants, sso_grants.c.key_id == api_keys.c.id))
        .where(api_keys.c.id == key_id)
    ).first()
    if row is None:
        return None
    if row.revoked_at is not None:
        return "this SSO user was revoked"
    if row.removed_at is not None:
        return "this SSO user was removed by the identity provider"
    return None


def sign_in(
    conn: Connection, cipher: Cipher, who: SsoUser, *, refresh: str | None, until: float, now: float
) -> str | None:
    """Record a sign-in the provider vouched for; a reason when the user is revoked here."""
    row = conn.execute(select(api_keys).where(api_keys.c.id == who.key_id)).first()
    if row is not None and row.revoked_at is not None:
        return "this SSO user was revoked in stanchion; an administrator must issue access"
    values = {"user": who.user, "role": who.role, "app": who.app, "expires_at": until}
    if row is None:
        conn.execute(
            api_keys.insert().values(
                id=who.key_id,
                prefix=who.key_id[:16],
                hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                created_at=now,
                revoked_at=None,
                **values,
            )
        )
    else:
        conn.execute(update(api_keys).where(api_keys.c.id == who.key_id).values(**values))
    sealed = cipher.seal_text(refresh) if refresh else None
    grant = {"refresh_enc": sealed, "verified_at": now, "removed_at": None}
    if (
        conn.execute(
            update(sso_grants).where(sso_grants.c.key_id == who.key_id).values(**grant)
        ).rowcount
        == 0
    ):
        conn.execute(sso_grants.insert().values(key_id=who.key_id, subject=who.subject, **grant))
    if row is None or row.role != who.role:
        detail = {"subject": who.subject, "role": who.role, "was": row.role if row else None}
        append_audit(conn, f"sso:{who.user}", "sso.user", who.key_id, detail)
    return None


def grant_of(conn: Connection, key_id: str) -> Grant | None:
    row = conn.execute(
        select(sso_grants.c.refresh_enc, api_keys.c.expires_at, api_keys.c.role)
        .select_from(sso_grants.join(api_keys, api_keys.c.id == sso_grants.c.key_id))
        .where(sso_grants.c.key_id == key_id, sso_grants.c.removed_at.is_(None))
    ).first()
    return Grant(key_id, row.refresh_enc, row.expires_at, row.role) if row else None


def vouched(
    conn: Connection,
    cipher: Cipher,
    key_id: str,
    *,
    role: str,
    refresh: str | None,
    until: float,
    now: float,
) -> None:
    """The provider vouched again (a refresh): push the expiry on, take a changed role."""
    old = conn.execute(
        select(api_keys.c.role, api_keys.c.user).where(api_keys.c.id == key_id)
    ).first()
    conn.execute(
        update(api_keys).where(api_keys.c.id == key_id).values(role=role, expires_at=until)
    )
    values: dict[str, object] = {"verified_at": now}
    if refresh:
        values["refresh_enc"] = cipher.seal_text(refresh)
    conn.execute(update(sso_grants).where(sso_grants.c.key_id == key_id).values(**values))
    if old is not None and old.role != role:
        append_audit(conn, f"sso:{old.user}", "sso.role", key_id, {"role": role, "was": old.role})


def removed(conn: Connection, key_id: str, now: float, why: str) -> None:
    """The provider no longer vouches for the user: end them now (sessions, bound keys)."""
    conn.execute(
        update(sso_grants)
        .where(sso_grants.c.key_id == key_id)
        .values(removed_at=now, refresh_enc=None)
    )
    conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(expires_at=now))
    append_audit(conn, "sso", "sso.removed", key_id, {"why": why[:200]})


def due_bound_users(conn: Connection, before: float, limit: int = 200) -> list[str]:
    """SSO users with live keys bound to them whose provider check is due (``expires_at``
    before ``before``): the background re-check's work list."""
    bound = select(api_keys.c.bound_to).where(
        api_keys.c.bound_to.is_not(None), api_keys.c.revoked_at.is_(None)
    )
    rows = conn.execute(
        select(sso_grants.c.key_id)
        .join(api_keys, api_keys.c.id == sso_grants.c.key_id)
        .where(
            sso_grants.c.key_id.in_(bound),
            sso_grants.c.removed_at.is_(None),
            sso_grants.c.refresh_enc.is_not(None),
            api_keys.c.expires_at < before,
        )
        .limit(limit)
    )
    return [r.key_id for r in rows]
