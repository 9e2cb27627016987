"""DNS through the egress allowlist (``egress.py``), for the providers' aiohttp sessions.

Its own module so that the allowlist's rules, which the spec validates, load without aiohttp.
"""

from __future__ import annotations

import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from stanchion.providers.egress import Egress, EgressRefused, ip_of


class GuardedResolver(AbstractResolver):
    """DNS through the allowlist: unlisted names and forbidden addresses never connect."""

    def __init__(self, egress: Egress, base: AbstractResolver | None = None) -> None:
        self.egress = egress
        self._base = base

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not self.egress.name_listed(host, port):
            raise EgressRefused(f"egress to {host}:{port} is not allowed")
        if self._base is None:
            self._base = DefaultResolver()
        found = await self._base.resolve(host, port, family)
        exact = self.egress.named_exactly(host, port)
        kept = [r for r in found if _resolved_ok(self.egress, r, port, exact)]
        if not kept:
            raise EgressRefused(f"{host} resolves only to addresses egress does not allow")
        return kept

    async def close(self) -> None:
        base, self._base = self._base, None
        if base is not None:
            await base.close()


def _resolved_ok(egress: Egress, result: Any, port: int, private_ok: bool) -> bool:
    ip = ip_of(str(result["host"]).split("%", 1)[0])
    return ip is not None and egress.address_ok(ip, port, private_ok)
