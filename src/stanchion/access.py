"""Who may do what: roles, permissions, and the cached API-key lookup.

Every route names one permission; a role is a set of permissions. The spec can add roles
or grant built-in roles more (``roles.extra``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stanchion.errors import Forbidden, Unauthorized
from stanchion.pipeline.exchange import Principal
from stanchion.store.db import Store
from stanchion.store.keys import KeyRecord, find_key, hash_key

PERMISSIONS = (
    "chat",  # POST /v1/chat/completions
    "models.read",  # GET /v1/models
    "feedback",  # rate answers
    "traces.read",  # read any trace
    "review",  # the human review queue
    "knowledge.approve",
    "prompts.read",  # list, show and diff versions and labels
    "prompts.manage",  # push versions, move labels, roll back
    "prompts.approve",
    "reports.read",
    "keys.manage",
    "audit.read",
)
BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "owner": frozenset(
        {
            "chat",
            "models.read",
            "feedback",
            "traces.read",
            "knowledge.approve",
            "prompts.read",
            "prompts.manage",
            "prompts.approve",
            "reports.read",
            "audit.read",
        }
    ),
    "reviewer": frozenset(
        {"chat", "models.read", "feedback", "traces.read", "review", "prompts.read"}
    ),
    "user": frozenset({"chat", "models.read", "feedback"}),
}


def role_table(extra: Mapping[str, list[str]]) -> dict[str, frozenset[str]]:
    roles = dict(BUILTIN_ROLES)
    for role, perms in extra.items():
        roles[role] = roles.get(role, frozenset()) | frozenset(perms)
    return roles


class Access:
    """Checks permissions for principals; raises 403 in OpenAI's error shape."""

    def __init__(self, roles: dict[str, frozenset[str]], app: str) -> None:
        self.roles, self.app = roles, app

    def allowed(self, principal: Principal, permission: str) -> bool:
        return permission in self.roles.get(principal.role, frozenset())

    def require(self, principal: Principal, permission: str) -> None:
        if principal.app is not None and principal.app != self.app:
            raise Forbidden(f"this key is for app {principal.app!r}, not {self.app!r}")
        if not self.allowed(principal, permission):
            raise Forbidden(f"role {principal.role!r} lacks permission {permission!r}")


@dataclass(slots=True)
class _Entry:
    record: KeyRecord | None
    checked: float


class KeyCache:
    """Resolves bearer tokens to principals, trusting a lookup for ``ttl`` seconds.

    A revocation made through this process takes effect at once (``forget``); one made on
    another replica takes effect within ``ttl``.
    """

    def __init__(self, store: Store, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.store, self.ttl, self.clock = store, ttl, clock
        self._entries: dict[str, _Entry] = {}

    def _lookup(self, secret: str) -> KeyRecord | None:
        with self.store.engine.connect() as conn:
            return find_key(conn, secret)

    async def principal(self, authorization: str | None) -> Principal:
        if not authorization or not authorization.startswith(("Bearer ", "bearer ")):
            raise Unauthorized(
                "missing API key: send Authorization: Bearer sk-...", code="missing_api_key"
            )
        secret = authorization[7:].strip()
        now = self.clock()
        entry = self._entries.get(secret)
        if entry is None or now - entry.checked > self.ttl:
            entry = _Entry(await self.store.run(self._lookup, secret), now)
            if len(self._entries) > 100_000:
                self._entries.clear()
            self._entries[secret] = entry
        rec = entry.record
        if rec is None:
            raise Unauthorized("invalid API key")
        reason = rec.usable(now)
        if reason:
            raise Unauthorized(reason)
        return Principal(key_id=rec.id, user=rec.user, role=rec.role, app=rec.app)

    def forget(self, key_id: str) -> None:
        for secret, entry in list(self._entries.items()):
            if entry.record is not None and key_id in (entry.record.id, entry.record.prefix):
                del self._entries[secret]

    @staticmethod
    def fingerprint(secret: str) -> str:
        return hash_key(secret)[:12]
