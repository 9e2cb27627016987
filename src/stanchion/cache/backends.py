"""Where cached answers live: a bounded in-process LRU, or Redis shared by every replica."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol


class CacheBackend(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None: ...

    async def aclose(self) -> None: ...


class LocalCache:
    """One process's entries: least recently used out first past ``max_entries``.

    >>> import asyncio
    >>> c = LocalCache(max_entries=1, clock=lambda: 0.0)
    >>> asyncio.run(c.set("a", b"1", 60)); asyncio.run(c.set("b", b"2", 60))
    >>> asyncio.run(c.get("a")), asyncio.run(c.get("b"))
    (None, b'2')
    """

    def __init__(self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.max_entries, self.clock = max_entries, clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self._entries[key] = (self.clock() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def aclose(self) -> None:
        self._entries.clear()


class RedisCache:
    """Entries in Redis under ``prefix``, each with its own expiry."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        self.redis: Any = aioredis.from_url(url)
        self.prefix = prefix

    async def get(self, key: str) -> bytes | None:
        value = await self.redis.get(f"{self.prefix}:{key}")
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self.redis.set(f"{self.prefix}:{key}", value, px=max(int(ttl * 1000), 1))

    async def aclose(self) -> None:
        await self.redis.aclose()


def build_backend(redis_url: str | None, app: str, max_entries: int) -> CacheBackend:
    if redis_url:
        return RedisCache(redis_url, f"stanchion:{app}:cache")
    return LocalCache(max_entries)
