"""JWT bearer tokens from the identity provider, checked for the API: signature against the
provider's JWKS, issuer, audience, expiry, issue time, then groups mapped to a role.

A verified token is remembered (by its SHA-256) until it expires, so a client sending the
same token again costs a dict lookup; whether its SSO user was revoked or removed here is
re-read at most every ``recheck`` seconds (the auth cache setting).

A user removed at the provider gets no new tokens; one already issued is refused once it
expires, and at the latest ``max_token_age_seconds`` after it was issued, whatever its
``exp`` says. That bound is the stated time for the API.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from stanchion.errors import Forbidden, Unauthorized
from stanchion.identity.spec import SsoSpec
from stanchion.pipeline.exchange import Principal
from stanchion.store.sso import sso_key_id

KeySource = Callable[[str | None], Awaitable[KeySet]]
GoneCheck = Callable[[str], Awaitable[str | None]]


def header_kid(token: str) -> str | None:
    """The ``kid`` of an (unverified) JWT header, only to pick the key to verify it with."""
    head = token.split(".", 1)[0]
    try:
        data = orjson.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise Unauthorized("invalid bearer token: unreadable header") from None
    kid = data.get("kid") if isinstance(data, dict) else None
    return kid if isinstance(kid, str) and len(kid) <= 200 else None


def groups_of(claims: dict[str, Any], claim: str) -> list[str]:
    value = claims.get(claim, [])
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [g for g in value if isinstance(g, str)][:1000]
    return []


def user_of(claims: dict[str, Any], claim: str) -> str:
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        value = claims["sub"]
    return str(value)[:200]


def check_claims(spec: SsoSpec, claims: dict[str, Any], audience: str, now: float) -> None:
    """iss, aud, exp, nbf and iat (present, in the past, not older than the age limit)."""
    registry = jwt.JWTClaimsRegistry(
        now=lambda: int(now),
        leeway=spec.leeway_seconds,
        iss={"essential": True, "value": spec.issuer},
        aud={"essential": True, "value": audience},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise Unauthorized("the bearer token has expired", code="token_expired") from None
    except JoseError as exc:
        raise Unauthorized(f"invalid bearer token: {exc.description or exc.error}") from None
    sub, iat = claims["sub"], claims["iat"]
    if not isinstance(sub, str) or not 0 < len(sub) <= 255:
        raise Unauthorized("invalid bearer token: sub")
    if not isinstance(iat, (int, float)) or iat > now + spec.leeway_seconds:
        raise Unauthorized("invalid bearer token: issued in the future")
    if now - iat > spec.max_token_age_seconds + spec.leeway_seconds:
        raise Unauthorized("the bearer token is older than this app accepts", code="token_expired")


async def verify_jwt(
    spec: SsoSpec, keys: KeySource, token: str, audience: str, now: float
) -> dict[str, Any]:
    """The claims of a token the provider signed for ``audience``; 401 otherwise."""
    key_set = await keys(header_kid(token))
    try:
        claims = jwt.decode(token, key_set, algorithms=spec.algorithms).claims
    except JoseError as exc:
        raise Unauthorized(f"invalid bearer token: {exc.description or exc.error}") from None
    except (ValueError, TypeError):
        raise Unauthorized("invalid bearer token") from None
    check_claims(spec, claims, audience, now)
    return dict(claims)


@dataclass(slots=True)
class _Seen:
    principal: Principal
    expires: float
    checked: float


class TokenVerifier:
    """Bearer JWTs to principals for one app, with a bounded cache of verified tokens."""

    def __init__(
        self,
        spec: SsoSpec,
        app: str,
        keys: KeySource,
        gone: GoneCheck,
        recheck: float,
        clock: Callable[[], float] = time.time,
        max_entries: int = 10_000,
    ) -> None:
        self.spec, self.app, self.keys, self.gone = spec, app, keys, gone
        self.recheck, self.clock, self.max_entries = recheck, clock, max_entries
        self.audience = spec.audience or spec.client_id
        self._seen: OrderedDict[bytes, _Seen] = OrderedDict()

    def principal_from(self, claims: dict[str, Any]) -> Principal:
        role = self.spec.role_for(groups_of(claims, self.spec.groups_claim))
        if role is None:
            raise Forbidden("no role of this app is mapped to your groups")
        key_id = sso_key_id(self.spec.issuer, claims["sub"])
        return Principal(key_id, user_of(claims, self.spec.user_claim), role, self.app)

    async def principal(self, token: str) -> Principal:
        now = self.clock()
        digest = hashlib.sha256(token.encode()).digest()
        seen = self._seen.get(digest)
        if seen is None or seen.expires <= now:
            claims = await verify_jwt(self.spec, self.keys, token, self.audience, now)
            seen = _Seen(self.principal_from(claims), _end(self.spec, claims), -1e18)
            self._seen[digest] = seen
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
        if now - seen.checked > self.recheck:
            reason = await self.gone(seen.principal.key_id)
            if reason:
                self._seen.pop(digest, None)
                raise Unauthorized(reason)
            seen.checked = now
        return seen.principal


def _end(spec: SsoSpec, claims: dict[str, Any]) -> float:
    """When a verified token stops being good: its exp, or the age limit, whichever is first."""
    return min(float(claims["exp"]), float(claims["iat"]) + spec.max_token_age_seconds)
