"""Who may do what: roles, permissions, and the cached API-key lookup.

Every route names one permission; a role is a set of permissions. The spec can add roles
or grant built-in roles more (``roles.extra``).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from stanchion.errors import Forbidden, Unauthorized
from stanchion.identity.shape import could_be_jwt
from stanchion.pipeline.exchange import Principal
from stanchion.store.db import Store
from stanchion.store.keys import KEY_PREFIX, KeyRecord, find_key, hash_key

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

    def may_read(self, principal: Principal, owner_key: str | None, owner_user: str | None) -> bool:
        """Whether ``principal`` may read a record of this app (a trace, its answer) owned by
        that key or user: its owner (the same key, or the same user within this app) or a
        role with ``traces.read``. The record must already be known to belong to this app."""
        if principal.app is not None and principal.app != self.app:
            return False
        return (
            principal.key_id == owner_key
            or principal.user == owner_user
            or self.allowed(principal, "traces.read")
        )

    def require(self, principal: Principal, permission: str) -> None:
        if principal.app is not None and principal.app != self.app:
            raise Forbidden(f"this key is for app {principal.app!r}, not {self.app!r}")
        if not self.allowed(principal, permission):
            raise Forbidden(f"role {principal.role!r} lacks permission {permission!r}")


@dataclass(slots=True)
class _Entry:
    record: KeyRecord
    checked: float


MAX_TOKEN = 256
_TOKEN = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_-]+")
_MISSING = "missing API key: send Authorization: Bearer sk-..."


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header (the scheme in any case); 401 when
    there is none, or when it is too long to be one of our keys."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(_MISSING, code="missing_api_key")
    if len(token) > MAX_TOKEN:
        raise Unauthorized("invalid API key")
    return token


def could_be_key(token: str) -> bool:
    """Whether ``token`` has the shape of the keys we issue (prefix, alphabet), so that no
    lookup is spent on one that does not."""
    return _TOKEN.fullmatch(token) is not None


class BearerTokens(Protocol):
    """Bearer tokens other than our keys: an identity provider's JWTs (``identity/tokens.py``)."""

    async def principal(self, token: str) -> Principal: ...


class KeyCache:
    """Resolves bearer tokens to principals, trusting a lookup for ``ttl`` seconds.

    Memory is bounded whatever callers send: tokens that cannot be keys are refused before
    any lookup, known keys sit in an LRU of ``max_keys`` entries, and unknown tokens in a
    small LRU of ``max_unknown`` hashes (so a flood of one wrong key costs one lookup per
    ``ttl``, and a flood of distinct ones costs a lookup each but no memory).

    A revocation made through this process takes effect at once (``forget``); one made on
    another replica takes effect within ``ttl``. Given ``tokens`` (the app has SSO), a bearer
    token shaped like a JWT is checked there instead: our keys never have that shape.
    """

    def __init__(
        self,
        store: Store,
        ttl: float,
        clock: Callable[[], float] = time.time,
        *,
        max_keys: int = 10_000,
        max_unknown: int = 1_024,
        tokens: BearerTokens | None = None,
    ) -> None:
        self.store, self.ttl, self.clock, self.tokens = store, ttl, clock, tokens
        self.max_keys, self.max_unknown = max_keys, max_unknown
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._unknown: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries) + len(self._unknown)

    def _lookup(self, secret: str) -> KeyRecord | None:
        with self.store.engine.connect() as conn:
            return find_key(conn, secret)

    async def _resolve(self, secret: str, now: float) -> KeyRecord | None:
        if not could_be_key(secret):
            return None
        digest = hash_key(secret)
        seen = self._unknown.get(digest)
        if seen is not None and now - seen <= self.ttl:
            return None
        record = await self.store.run(self._lookup, secret)
        if record is None:
            self._entries.pop(secret, None)
            _remember(self._unknown, digest, now, self.max_unknown)
        else:
            self._unknown.pop(digest, None)
            _remember(self._entries, secret, _Entry(record, now), self.max_keys)
        return record

    async def principal(self, authorization: str | None) -> Principal:
        if self.tokens is not None:
            scheme, _, token = (authorization or "").partition(" ")
            if scheme.lower() == "bearer" and could_be_jwt(token.strip()):
                return await self.tokens.principal(token.strip())
        secret = bearer_token(authorization)
        now = self.clock()
        entry = self._entries.get(secret)
        if entry is not None and now - entry.checked <= self.ttl:
            self._entries.move_to_end(secret)
            rec: KeyRecord | None = entry.record
        else:
            rec = await self._resolve(secret, now)
        if rec is None:
            raise Unauthorized("invalid API key")
        reason = rec.usable(now)
        if reason:
            raise Unauthorized(reason)
        return Principal(key_id=rec.id, user=rec.user, role=rec.role, app=rec.app)

    def forget(self, key_id: str) -> None:
        for secret, entry in list(self._entries.items()):
            if key_id in (entry.record.id, entry.record.prefix):
                del self._entries[secret]

    @staticmethod
    def fingerprint(secret: str) -> str:
        return hash_key(secret)[:12]


def _remember(lru: OrderedDict[str, Any], key: str, value: Any, limit: int) -> None:
    lru[key] = value
    lru.move_to_end(key)
    while len(lru) > limit:
        lru.popitem(last=False)
