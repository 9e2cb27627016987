from __future__ import annotations

from stanchion.access import Access
from stanchion.errors import Unauthorized
from stanchion.pipeline.exchange import Exchange


class Authorize:
    """The principal's role must grant ``chat`` for this app (403 otherwise)."""

    name = "authorize"

    def __init__(self, access: Access, permission: str = "chat") -> None:
        self.access, self.permission = access, permission

    async def __call__(self, ex: Exchange) -> None:
        if ex.principal is None:
            raise Unauthorized("not authenticated")
        self.access.require(ex.principal, self.permission)
