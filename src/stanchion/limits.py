"""Admission counters: requests per key per minute and money per app per day.

In process by default; with a Redis URL the counters are shared by every replica. Redis
is asked once per request for the rate (INCR+EXPIRE in one pipeline); the day's spend is
read at most once a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol


class Counters(Protocol):
    async def hit(self, key: str, window: int) -> int:
        """Count one event in the current ``window``-second bucket; return the count."""
        ...

    async def add(self, key: str, amount: float, window: int) -> None: ...

    async def total(self, key: str, window: int) -> float: ...

    async def aclose(self) -> None: ...


class LocalCounters:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._counts: dict[tuple[str, int], float] = {}

    def _bucket(self, key: str, window: int) -> tuple[str, int]:
        bucket = int(self.clock() // window)
        if len(self._counts) > 50_000:
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= bucket - 1}
        return key, bucket

    async def hit(self, key: str, window: int) -> int:
        b = self._bucket(key, window)
        self._counts[b] = self._counts.get(b, 0) + 1
        return int(self._counts[b])

    async def add(self, key: str, amount: float, window: int) -> None:
        b = self._bucket(key, window)
        self._counts[b] = self._counts.get(b, 0.0) + amount

    async def total(self, key: str, window: int) -> float:
        return self._counts.get(self._bucket(key, window), 0.0)

    async def aclose(self) -> None:
        return None


class RedisCounters:
    def __init__(self, url: str, prefix: str, clock: Callable[[], float] = time.time) -> None:
        import redis.asyncio as aioredis

        self.redis: Any = aioredis.from_url(url)
        self.prefix, self.clock = prefix, clock
        self._cache: dict[str, tuple[float, float]] = {}

    def _name(self, key: str, window: int) -> str:
        return f"{self.prefix}:{key}:{int(self.clock() // window)}"

    async def hit(self, key: str, window: int) -> int:
        name = self._name(key, window)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count, _ = await pipe.execute()
        return int(count)

    async def add(self, key: str, amount: float, window: int) -> None:
        name = self._name(key, window)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incrbyfloat(name, amount)
            pipe.expire(name, window + 1)
            await pipe.execute()

    async def total(self, key: str, window: int) -> float:
        now = self.clock()
        name = self._name(key, window)
        cached = self._cache.get(name)
        if cached and now - cached[1] < 1.0:
            return cached[0]
        value = float(await self.redis.get(name) or 0.0)
        self._cache[name] = (value, now)
        return value

    async def aclose(self) -> None:
        await self.redis.aclose()


def build_counters(redis_url: str | None, app: str) -> Counters:
    if redis_url:
        return RedisCounters(redis_url, f"stanchion:{app}")
    return LocalCounters()
