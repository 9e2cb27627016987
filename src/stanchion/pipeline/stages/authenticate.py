from __future__ import annotations

from stanchion.access import KeyCache
from stanchion.pipeline.exchange import Exchange
from stanchion.store.subjects import SubjectKeys


class Authenticate:
    """Resolve the bearer key to a principal (401 when missing, unknown, expired or revoked);
    with subject keys, also hold the user's own data key for sealing what the request leaves
    behind (fetched off the event loop, from memory after the first request)."""

    name = "authenticate"

    def __init__(self, keys: KeyCache, subjects: SubjectKeys | None = None) -> None:
        self.keys, self.subjects = keys, subjects

    async def __call__(self, ex: Exchange) -> None:
        if ex.principal is None:  # the chat route authenticates before it reads the body
            ex.principal = await self.keys.principal(ex.authorization)
        if self.subjects is not None and ex.principal.user:
            await self.subjects.warm(ex.principal.user)
