"""The console's sign-in: OpenID Connect authorization code flow with PKCE (RFC 7636), the
request built with Authlib, the ID token checked with the provider's keys.

    pending = begin(spec, authorization_endpoint, redirect_uri)   # -> redirect to pending.url
    signed = await finish(idp, pending, code, redirect_uri)       # after the provider's redirect
    assert signed.claims["nonce"] == pending.nonce

The pending state (state, nonce, PKCE verifier, where to go next) travels in a cookie sealed
with the app's key (AES-GCM), so any replica can finish a sign-in another one began.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import orjson
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from stanchion.errors import CryptoError, Unauthorized
from stanchion.identity.provider import IdentityProvider
from stanchion.identity.tokens import verify_jwt
from stanchion.store.crypto import Cipher

PENDING_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Pending:
    state: str
    nonce: str
    verifier: str
    next: str
    at: float

    def seal(self, cipher: Cipher) -> str:
        data = orjson.dumps([self.state, self.nonce, self.verifier, self.next, self.at])
        return cipher.seal_text(data.decode())[3:]  # a cookie value: base64 only

    @classmethod
    def open(cls, cipher: Cipher, sealed: str | None, now: float) -> Pending:
        if not sealed or len(sealed) > 2000:
            raise Unauthorized("the sign-in was not started here, or its cookie is gone")
        try:
            state, nonce, verifier, nxt, at = orjson.loads(cipher.open_text("s1:" + sealed))
        except (CryptoError, orjson.JSONDecodeError, ValueError, TypeError):
            raise Unauthorized("the sign-in cookie is not one this app made") from None
        if not isinstance(at, (int, float)) or not 0 <= now - at <= PENDING_SECONDS:
            raise Unauthorized("the sign-in took too long: start again")
        return cls(str(state), str(nonce), str(verifier), str(nxt), float(at))


def begin(
    idp: IdentityProvider, authorize: str, redirect_uri: str, next_path: str, now: float
) -> tuple[str, Pending]:
    """The provider's authorization URL for a new sign-in, and what must come back with it."""
    pending = Pending(generate_token(32), generate_token(32), generate_token(64), next_path, now)
    url = prepare_grant_uri(
        authorize,
        idp.spec.client_id,
        "code",
        redirect_uri,
        " ".join(idp.spec.scopes),
        pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.verifier),
        code_challenge_method="S256",
    )
    return url, pending


@dataclass(frozen=True, slots=True)
class SignedIn:
    claims: dict[str, Any]
    refresh_token: str | None


async def finish(
    idp: IdentityProvider, pending: Pending, state: str, code: str, redirect_uri: str, now: float
) -> SignedIn:
    """Exchange the code (with the PKCE verifier) and check the ID token it brings."""
    if not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise Unauthorized("the sign-in answer does not match the sign-in we started")
    answer = await idp.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pending.verifier,
        }
    )
    claims = await id_claims(idp, answer, now)
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), pending.nonce.encode()):
        raise Unauthorized("the ID token was not issued for this sign-in (nonce)")
    return SignedIn(claims, _refresh_of(answer))


async def id_claims(idp: IdentityProvider, answer: dict[str, Any], now: float) -> dict[str, Any]:
    token = answer.get("id_token")
    if not isinstance(token, str):
        raise Unauthorized("the identity provider sent no ID token")
    claims = await verify_jwt(idp.spec, idp.key_set, token, idp.spec.client_id, now)
    azp = claims.get("azp")
    if azp is not None and azp != idp.spec.client_id:
        raise Unauthorized("the ID token was issued to another client (azp)")
    return claims


async def refresh(idp: IdentityProvider, token: str, now: float) -> SignedIn:
    """Ask the provider to vouch for the user again; ``ProviderRefused`` when it will not."""
    answer = await idp.token({"grant_type": "refresh_token", "refresh_token": token})
    claims = await id_claims(idp, answer, now) if "id_token" in answer else {}
    return SignedIn(claims, _refresh_of(answer) or token)


def _refresh_of(answer: dict[str, Any]) -> str | None:
    value = answer.get("refresh_token")
    return value if isinstance(value, str) and 0 < len(value) <= 4096 else None
