from __future__ import annotations

from stanchion.access import KeyCache
from stanchion.pipeline.exchange import Exchange


class Authenticate:
    """Resolve the bearer key to a principal (401 when missing, unknown, expired or revoked)."""

    name = "authenticate"

    def __init__(self, keys: KeyCache) -> None:
        self.keys = keys

    async def __call__(self, ex: Exchange) -> None:
        if ex.principal is None:  # the chat route authenticates before it reads the body
            ex.principal = await self.keys.principal(ex.authorization)
