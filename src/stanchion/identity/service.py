"""One app's SSO, built once per process: the provider, the API's token verifier, and the
console's sign-in and re-check.

The stated times a removed user keeps access:
- API (JWT bearer): until the token's ``exp``, and never longer than ``max_token_age_seconds``
  after it was issued; a user revoked here (``keys revoke sso-...``) within the auth cache
  setting (``STANCHION_AUTH_CACHE_SECONDS``).
- Console: the session is re-checked with the provider (a refresh grant) once less than half
  of ``session_recheck_seconds`` is left; a refused refresh ends it and every key bound to
  the user at that request; a provider that cannot be reached lets it lapse at the full
  ``session_recheck_seconds`` (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from stanchion.errors import ServiceUnavailable, SpecError
from stanchion.identity.oidc import refresh
from stanchion.identity.provider import IdentityProvider, ProviderRefused, tls_context
from stanchion.identity.spec import SsoSpec
from stanchion.identity.tokens import TokenVerifier, groups_of, user_of
from stanchion.pipeline.exchange import Principal
from stanchion.retention.purge import take_lease
from stanchion.settings import Settings
from stanchion.store import sso as users
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

log = logging.getLogger("stanchion.sso")


class Sso:
    def __init__(
        self,
        spec: SsoSpec,
        app: str,
        idp: IdentityProvider,
        store: Store,
        cipher: Cipher,
        recheck: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spec, self.app, self.idp, self.store, self.cipher = spec, app, idp, store, cipher
        self.clock = clock
        self.tokens = TokenVerifier(spec, app, idp.key_set, self.gone, recheck, clock)
        self._locks: dict[str, asyncio.Lock] = {}

    async def start(self) -> None:
        try:
            await self.idp.key_set()
        except ServiceUnavailable as exc:  # tokens are refused (503) until it answers
            log.warning("SSO provider not ready at start: %s", exc.message)

    async def aclose(self) -> None:
        await self.idp.aclose()

    async def gone(self, key_id: str) -> str | None:
        def read() -> str | None:
            with self.store.engine.connect() as conn:
                return users.why_gone(conn, key_id)

        return await self.store.run(read)

    def principal_of(self, claims: dict[str, Any]) -> Principal:
        return self.tokens.principal_from(claims)

    async def signed_in(self, claims: dict[str, Any], refresh_token: str | None) -> str | None:
        """Record a console sign-in; a reason when this app refuses the user."""
        p = self.principal_of(claims)
        who = users.SsoUser(p.key_id, str(claims["sub"]), p.user, p.role, self.app)
        now = self.clock()

        def write() -> str | None:
            with self.store.engine.begin() as conn:
                return users.sign_in(
                    conn,
                    self.cipher,
                    who,
                    refresh=refresh_token,
                    until=now + self.spec.session_recheck_seconds,
                    now=now,
                )

        return await self.store.run(write)

    async def keep_alive(self, key_id: str) -> bool:
        """Re-check a console session's user with the provider when due; False ends it."""
        if not key_id.startswith(users.PREFIX):
            return True
        # One refresh at a time per user in this process: a rotated refresh token used twice
        # is refused by strict providers, which would read as the user's removal.
        async with self._locks.setdefault(key_id, asyncio.Lock()):
            return await self._keep_alive(key_id)

    async def _keep_alive(self, key_id: str) -> bool:
        now = self.clock()

        def read() -> users.Grant | None:
            with self.store.engine.connect() as conn:
                return users.grant_of(conn, key_id)

        grant = await self.store.run(read)
        half = self.spec.session_recheck_seconds / 2
        if grant is None or grant.expires_at is None or grant.expires_at - now > half:
            return True
        if grant.refresh_enc is None:
            return True  # nothing to refresh with: the session lapses at its expiry
        try:
            signed = await refresh(self.idp, self.cipher.open_text(grant.refresh_enc), now)
        except ProviderRefused as exc:
            await self._removed(key_id, f"the provider refused a refresh ({exc.error})")
            return False
        except ServiceUnavailable:
            return True
        role = grant.role
        if signed.claims:
            mapped = self.spec.role_for(groups_of(signed.claims, self.spec.groups_claim))
            if mapped is None:
                await self._removed(key_id, "no longer in a group mapped to a role")
                return False
            role = mapped

        def write() -> None:
            with self.store.engine.begin() as conn:
                users.vouched(
                    conn,
                    self.cipher,
                    key_id,
                    role=role,
                    refresh=signed.refresh_token,
                    until=now + self.spec.session_recheck_seconds,
                    now=now,
                )

        await self.store.run(write)
        return True

    async def sweep_forever(self) -> None:
        """Re-check with the provider, in the background, the users that keys are bound to
        (their console sessions are re-checked on use; a bound key may be used with no
        session at all). One replica at a time, through a lease."""
        holder, every = secrets.token_hex(8), self.spec.session_recheck_seconds / 2
        while True:
            try:
                for key_id in await self.store.run(self._due, holder, every):
                    await self.keep_alive(key_id)
            except Exception:  # the next pass tries again
                log.exception("SSO re-check of bound users failed")
            await asyncio.sleep(every)

    def _due(self, holder: str, every: float) -> list[str]:
        now = self.clock()
        with self.store.engine.begin() as conn:
            if not take_lease(conn, f"sso-recheck:{self.app}", holder, now, every * 2):
                return []
            return users.due_bound_users(conn, now + every)

    async def _removed(self, key_id: str, why: str) -> None:
        def write() -> None:
            with self.store.engine.begin() as conn:
                users.removed(conn, key_id, self.clock(), why)

        await self.store.run(write)


def build_sso(
    spec: SsoSpec | None,
    app: str,
    settings: Settings,
    store: Store,
    cipher: Cipher,
    roles: set[str],
) -> Sso | None:
    """The app's SSO, or None when its spec has no ``sso`` section."""
    if spec is None:
        return None
    unknown = spec.unknown_roles(roles)
    if unknown:
        raise SpecError([f"sso.roles: unknown roles {unknown}; known: {sorted(roles)}"])
    secret = settings.env_value(spec.client_secret_env) if spec.client_secret_env else None
    tls = tls_context(spec.ca_bundle or settings.ca_bundle)
    idp = IdentityProvider(spec, secret, tls)
    return Sso(spec, app, idp, store, cipher, settings.auth_cache_seconds)


__all__ = ["Sso", "build_sso", "user_of"]
