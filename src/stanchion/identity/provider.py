"""The identity provider as stanchion sees it: its discovery document, its signing keys
(cached, refreshed on a schedule and when a token names a key not seen yet), and its token
endpoint. All calls are async (aiohttp), bounded in time and size, and verify TLS.

    idp = IdentityProvider(spec.sso, client_secret, tls)
    keys = await idp.key_set()            # JWKS, fetched at most every jwks_refresh_seconds
    tokens = await idp.token({"grant_type": "refresh_token", "refresh_token": rt})
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from stanchion.errors import ServiceUnavailable, StanchionError
from stanchion.identity.spec import SsoSpec, https_or_loopback

log = logging.getLogger("stanchion.sso")
MAX_DOCUMENT = 256 * 1024
UNKNOWN_KID_PAUSE = 10.0  # a token naming an unknown key refetches the JWKS at most this often


class ProviderRefused(StanchionError):
    """The provider answered with an OAuth error (``invalid_grant``: the user is gone)."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """Verifying TLS for outbound calls; ``ca_bundle`` adds a private CA (PEM file)."""
    ctx = ssl.create_default_context()
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class IdentityProvider:
    def __init__(
        self,
        spec: SsoSpec,
        client_secret: str | None,
        tls: ssl.SSLContext,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spec, self.client_secret, self.tls, self.clock = spec, client_secret, tls, clock
        self._session: aiohttp.ClientSession | None = None
        self._meta: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._keys_at = 0.0
        self._lock = asyncio.Lock()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=5.0, connect=3.0),
                connector=aiohttp.TCPConnector(ssl=self.tls, limit=16),
                trust_env=False,
            )
        return self._session

    async def _read(self, resp: aiohttp.ClientResponse) -> Any:
        body = await resp.content.read(MAX_DOCUMENT + 1)
        if len(body) > MAX_DOCUMENT:
            raise ServiceUnavailable("the identity provider sent an oversized document")
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ServiceUnavailable("the identity provider sent something not JSON") from None

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            async with self._http().get(url, allow_redirects=False) as resp:
                data = await self._read(resp)
                if resp.status != 200 or not isinstance(data, dict):
                    raise ServiceUnavailable(f"the identity provider answered {resp.status}")
                return data
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("identity provider unreachable: %s", type(exc).__name__)
            raise ServiceUnavailable(
                "the identity provider is unreachable; retry later", retry_after=5
            ) from None

    async def metadata(self) -> dict[str, Any]:
        """The discovery document; its issuer must be the configured one (OIDC Discovery 4.3)."""
        if self._meta is None:
            meta = await self._get(self.spec.issuer + "/.well-known/openid-configuration")
            if str(meta.get("issuer", "")).rstrip("/") != self.spec.issuer:
                raise ServiceUnavailable("the provider's discovery names another issuer")
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                try:
                    https_or_loopback(str(meta.get(name, "")))
                except ValueError:
                    raise ServiceUnavailable(
                        f"the provider's {name} is missing or not https"
                    ) from None
            self._meta = meta
        return self._meta

    async def key_set(self, kid: str | None = None) -> KeySet:
        """The provider's signing keys; refetched when stale, or (rate-limited) when ``kid``
        is not among them (the provider rotated its keys)."""
        now = self.clock()
        stale = now - self._keys_at > self.spec.jwks_refresh_seconds
        unknown = kid is not None and self._keys is not None and not _has(self._keys, kid)
        if self._keys is None or stale or (unknown and now - self._keys_at > UNKNOWN_KID_PAUSE):
            seen = self._keys_at
            async with self._lock:  # one fetch for all the requests that found the keys stale
                if self._keys_at == seen:
                    await self._fetch_keys()
        assert self._keys is not None
        return self._keys

    async def _fetch_keys(self) -> None:
        meta = await self.metadata()
        data = await self._get(str(meta["jwks_uri"]))
        try:
            keys = KeySet.import_key_set(
                {"keys": [k for k in data.get("keys", []) if _public_signing(k)]}
            )
        except (JoseError, ValueError, TypeError) as exc:
            raise ServiceUnavailable(f"the provider's JWKS is unusable: {exc}") from None
        self._keys, self._keys_at = keys, self.clock()

    async def token(self, form: dict[str, str]) -> dict[str, Any]:
        """POST to the token endpoint with this client's credentials (client_secret_post, or
        none for a public client: PKCE protects the code either way)."""
        meta = await self.metadata()
        body = {**form, "client_id": self.spec.client_id}
        if self.client_secret:
            body["client_secret"] = self.client_secret
        try:
            async with self._http().post(
                str(meta["token_endpoint"]), data=body, allow_redirects=False
            ) as resp:
                data = await self._read(resp)
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("identity provider unreachable: %s", type(exc).__name__)
            raise ServiceUnavailable(
                "the identity provider is unreachable", retry_after=5
            ) from None
        if not isinstance(data, dict):
            raise ServiceUnavailable("the provider's token answer is not an object")
        if resp.status != 200 or "error" in data:
            raise ProviderRefused(
                str(data.get("error", resp.status))[:100],
                str(data.get("error_description", ""))[:200],
            )
        return data

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _has(keys: KeySet, kid: str) -> bool:
    return any(k.kid == kid for k in keys.keys)


def _public_signing(jwk: Any) -> bool:
    """Only public signature keys: a JWKS carrying a private or symmetric key is skipped."""
    return (
        isinstance(jwk, dict)
        and jwk.get("kty") in ("RSA", "EC", "OKP")
        and jwk.get("use", "sig") == "sig"
        and "d" not in jwk
    )
