"""Admission counters: requests and tokens per key in a sliding minute, and money per app
per day.

In process by default; with a Redis URL every replica shares them, and each decision is one
atomic Lua script, so no two replicas can both take the last unit of a limit.

- **Rate**: a sliding window log. No window of ``period`` seconds ever admits more than the
  limit, including across the boundary of a clock minute (a fixed window admits up to twice
  the limit there). Memory is one timestamp per admitted request in the window.
- **Tokens**: a sliding minute in one-second buckets. A request counts its prompt and the
  output it may ask for when admitted, corrected to its real usage when settled; it is
  admitted while the minute's count is under the limit (so the overshoot is one request).
- **Budget**: the estimated cost of a request is *reserved* before the model is called and
  *settled* with the real cost after. A request is admitted while the day's settled spend
  plus the reservations in flight is under the budget, so the overshoot is bounded by one
  request's estimate plus what the requests in flight cost beyond their estimates (today's
  estimate counts the prompt and the ``max_tokens`` ceiling, so that part is normally 0).
  A reservation whose replica died is dropped after ``ttl`` seconds. A refusal says which
  of the two filled the budget: the settled spend (final for the day) or reservations in
  flight (``Admission.in_flight``: they settle at their real cost, usually well under the
  estimate, so the same request is worth retrying in a moment).

>>> import asyncio
>>> c = LocalCounters(clock=lambda: 0.0)
>>> asyncio.run(c.rate("key", limit=1, period=60)), asyncio.run(c.rate("key", 1, 60))
(0.0, 60.0)
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

RESERVATION_TTL = 600.0


@dataclass(frozen=True, slots=True)
class TokenHold:
    """Tokens counted against a per-minute limit at admission (the prompt and the output
    asked for), corrected to the real usage when the request is settled."""

    key: str
    second: int
    tokens: int


@dataclass(frozen=True, slots=True)
class Reservation:
    """Money held for one request until it is settled (or its ``ttl`` runs out)."""

    id: str
    key: str
    bucket: int
    amount: float
    tokens: TokenHold | None = None


@dataclass(frozen=True, slots=True)
class Admission:
    """The outcome of one admission: ``wait`` > 0 when the rate refused (seconds until it
    would not); ``reservation`` None with ``wait`` 0 when the budget refused: spent, or
    (``in_flight``) held by reservations in flight while the settled spend is under it."""

    wait: float
    reservation: Reservation | None
    in_flight: bool = False


class Counters(Protocol):
    async def admit(
        self, rate_key: str, limit: int, period: float, amount: float, budget: float, window: int
    ) -> Admission:
        """``rate`` (when ``limit``) then ``reserve`` on "spend" (when ``budget``), as one
        atomic step: one round trip to a shared store."""
        ...

    async def rate(self, key: str, limit: int, period: float) -> float:
        """Admit one event if fewer than ``limit`` happened in the last ``period`` seconds:
        0.0, else the seconds until one would be admitted (nothing is counted then)."""
        ...

    async def reserve(
        self, key: str, amount: float, budget: float, window: int
    ) -> Reservation | None:
        """Hold ``amount`` if settled spend + reservations in this ``window`` is under
        ``budget``; None (nothing held) otherwise."""
        ...

    async def settle(self, reservation: Reservation, actual: float, tokens: int = 0) -> None:
        """Release the hold and add the real cost to the window it was taken in; correct
        its token hold (if any) to ``tokens``."""
        ...

    async def take_tokens(
        self, key: str, limit: int, tokens: int, period: float = 60.0
    ) -> tuple[float, TokenHold | None]:
        """Count ``tokens`` if fewer than ``limit`` were counted in the last ``period``
        seconds: (0.0, the hold), else (seconds to wait, None) with nothing counted."""
        ...

    async def add(self, key: str, amount: float, window: int) -> None:
        """Add spend that was never reserved."""
        ...

    async def total(self, key: str, window: int) -> float:
        """Settled spend plus live reservations in the current window."""
        ...

    async def aclose(self) -> None: ...


def _new_id() -> str:
    return secrets.token_hex(8)


class LocalCounters:
    """One process's counters (the embedded default). Single-threaded under the event loop,
    so each method is atomic as long as it does not await."""

    def __init__(self, clock: Callable[[], float] = time.time, ttl: float = RESERVATION_TTL):
        self.clock, self.ttl = clock, ttl
        self._logs: dict[str, deque[float]] = {}
        self._spent: dict[tuple[str, int], float] = {}
        self._held: dict[tuple[str, int], dict[str, tuple[float, float]]] = {}
        self._tokens: dict[str, dict[int, int]] = {}

    async def rate(self, key: str, limit: int, period: float) -> float:
        now = self.clock()
        log = self._logs.get(key)
        if log is None:
            if len(self._logs) > 50_000:
                self._logs = {k: v for k, v in self._logs.items() if v and v[-1] > now - period}
            log = self._logs[key] = deque()
        while log and log[0] <= now - period:
            log.popleft()
        if len(log) >= limit:
            return max(log[len(log) - limit] + period - now, 0.001)
        log.append(now)
        return 0.0

    def _bucket(self, key: str, window: int) -> tuple[str, int]:
        bucket = int(self.clock() // window)
        if len(self._spent) > 10_000:
            self._spent = {k: v for k, v in self._spent.items() if k[1] >= bucket - 1}
            self._held = {k: v for k, v in self._held.items() if k[1] >= bucket - 1}
        return key, bucket

    def _live(self, b: tuple[str, int]) -> dict[str, tuple[float, float]]:
        now = self.clock()
        held = self._held.setdefault(b, {})
        for rid in [r for r, (_, expires) in held.items() if expires <= now]:
            del held[rid]
        return held

    async def reserve(
        self, key: str, amount: float, budget: float, window: int
    ) -> Reservation | None:
        return self._reserve(key, amount, budget, window)[0]

    def _reserve(
        self, key: str, amount: float, budget: float, window: int
    ) -> tuple[Reservation | None, bool]:
        """The reservation, or None and whether only reservations in flight refused it."""
        b = self._bucket(key, window)
        held, spent = self._live(b), self._spent.get(b, 0.0)
        if spent + sum(a for a, _ in held.values()) >= budget:
            return None, spent < budget
        rid = _new_id()
        held[rid] = (amount, self.clock() + self.ttl)
        return Reservation(rid, key, b[1], amount), False

    async def admit(
        self, rate_key: str, limit: int, period: float, amount: float, budget: float, window: int
    ) -> Admission:
        if limit:
            wait = await self.rate(rate_key, limit, period)
            if wait:
                return Admission(wait, None)
        if not budget:
            return Admission(0.0, None)
        return Admission(0.0, *self._reserve("spend", amount, budget, window))

    async def settle(self, reservation: Reservation, actual: float, tokens: int = 0) -> None:
        b = (reservation.key, reservation.bucket)
        self._held.get(b, {}).pop(reservation.id, None)
        if actual:
            self._spent[b] = self._spent.get(b, 0.0) + actual
        hold = reservation.tokens
        if hold is not None:
            seconds = self._tokens.get(hold.key, {})
            if hold.second in seconds:
                seconds[hold.second] += tokens - hold.tokens

    async def take_tokens(
        self, key: str, limit: int, tokens: int, period: float = 60.0
    ) -> tuple[float, TokenHold | None]:
        now = self.clock()
        seconds = self._tokens.setdefault(key, {})
        for s in [s for s in seconds if s <= now - period]:
            del seconds[s]
        if sum(seconds.values()) >= limit:
            return max(min(seconds) + period - now, 0.001), None
        second = int(now)
        seconds[second] = seconds.get(second, 0) + tokens
        return 0.0, TokenHold(key, second, tokens)

    async def add(self, key: str, amount: float, window: int) -> None:
        b = self._bucket(key, window)
        self._spent[b] = self._spent.get(b, 0.0) + amount

    async def total(self, key: str, window: int) -> float:
        b = self._bucket(key, window)
        return self._spent.get(b, 0.0) + sum(a for a, _ in self._live(b).values())

    async def aclose(self) -> None:
        return None


# The rate step. KEYS[1]: the log (a sorted set of admission times).
# ARGV: now, period, limit, member. Returns the wait as a string ('0': admitted).
_RATE_STEP = """
local function rate(log, now, period, limit, member)
  redis.call('ZREMRANGEBYSCORE', log, '-inf', now - period)
  local n = redis.call('ZCARD', log)
  if n >= limit then
    local oldest = redis.call('ZRANGE', log, n - limit, n - limit, 'WITHSCORES')
    return tostring(math.max(tonumber(oldest[2]) + period - now, 0.001))
  end
  redis.call('ZADD', log, now, member)
  redis.call('PEXPIRE', log, math.ceil(period * 1000) + 1000)
  return '0'
end
"""

# The budget step. Keys: spent (a float), holds (hash id -> amount), expiry (sorted set
# id -> expires at). Returns 1 when ``amount`` is now held, 0 when the settled spend fills
# the budget, -1 when the reservations in flight fill the rest of it.
_RESERVE_STEP = """
local function reserve(spent, holds, expiry, now, amount, budget, id, ttl, keyttl)
  local dead = redis.call('ZRANGEBYSCORE', expiry, '-inf', now)
  if #dead > 0 then
    redis.call('HDEL', holds, unpack(dead))
    redis.call('ZREMRANGEBYSCORE', expiry, '-inf', now)
  end
  local settled = tonumber(redis.call('GET', spent) or '0')
  local used = settled
  for _, v in ipairs(redis.call('HVALS', holds)) do used = used + tonumber(v) end
  if used >= tonumber(budget) then
    if settled >= tonumber(budget) then return 0 end
    return -1
  end
  redis.call('HSET', holds, id, amount)
  redis.call('ZADD', expiry, now + tonumber(ttl), id)
  redis.call('EXPIRE', holds, keyttl)
  redis.call('EXPIRE', expiry, keyttl)
  return 1
end
"""

_RATE = (
    _RATE_STEP + "return rate(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), "
    "tonumber(ARGV[3]), ARGV[4])"
)
_RESERVE = (
    _RESERVE_STEP + "return reserve(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), "
    "ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])"
)
# KEYS: log, spent, holds, expiry. ARGV: now, period, limit (0: none), member, amount,
# budget (0: none), id, ttl, key ttl. Returns {wait, held}.
_ADMIT = (
    _RATE_STEP
    + _RESERVE_STEP
    + """
local now = tonumber(ARGV[1])
if tonumber(ARGV[3]) > 0 then
  local wait = rate(KEYS[1], now, tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
  if wait ~= '0' then return {wait, 0} end
end
if tonumber(ARGV[6]) == 0 then return {'0', 0} end
return {'0', reserve(KEYS[2], KEYS[3], KEYS[4], now, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])}
"""
)

# KEYS: spent, holds, expiry. ARGV: id, actual, key ttl.
_SETTLE = """
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if tonumber(ARGV[2]) ~= 0 then
  redis.call('INCRBYFLOAT', KEYS[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1
"""

# Tokens per second in one hash (second -> tokens). KEYS: the hash. ARGV: now, period,
# limit, tokens. Returns {wait, second}; wait '0' when counted.
_TAKE_TOKENS = """
local now, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local used, oldest, dead = 0, nil, {}
for i = 1, #all, 2 do
  local s = tonumber(all[i])
  if s <= now - period then table.insert(dead, all[i]) else
    used = used + tonumber(all[i + 1])
    if oldest == nil or s < oldest then oldest = s end
  end
end
if #dead > 0 then redis.call('HDEL', KEYS[1], unpack(dead)) end
if used >= tonumber(ARGV[3]) then
  return {tostring(math.max(oldest + period - now, 0.001)), 0}
end
local second = math.floor(now)
redis.call('HINCRBY', KEYS[1], second, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(period) + 60)
return {'0', second}
"""

# KEYS: the hash. ARGV: second, correction. A second already expired stays gone.
_FIX_TOKENS = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
end
return 1
"""

# KEYS: spent, holds, expiry. ARGV: now.
_TOTAL = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local live = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf')
if #live > 0 then
  for _, v in ipairs(redis.call('HMGET', KEYS[2], unpack(live))) do
    if v then used = used + tonumber(v) end
  end
end
return tostring(used)
"""


class RedisCounters:
    """Counters shared by every replica through one Redis; each call is one script."""

    def __init__(
        self,
        url: str,
        prefix: str,
        clock: Callable[[], float] = time.time,
        ttl: float = RESERVATION_TTL,
    ) -> None:
        import redis.asyncio as aioredis

        self.redis: Any = aioredis.from_url(url)
        self.prefix, self.clock, self.ttl = prefix, clock, ttl
        self._rate = self.redis.register_script(_RATE)
        self._reserve = self.redis.register_script(_RESERVE)
        self._settle = self.redis.register_script(_SETTLE)
        self._total = self.redis.register_script(_TOTAL)
        self._admit = self.redis.register_script(_ADMIT)
        self._take_tokens = self.redis.register_script(_TAKE_TOKENS)
        self._fix_tokens = self.redis.register_script(_FIX_TOKENS)

    def _keys(self, key: str, bucket: int) -> list[str]:
        base = f"{self.prefix}:{key}:{bucket}"
        return [base, f"{base}:holds", f"{base}:expiry"]

    async def admit(
        self, rate_key: str, limit: int, period: float, amount: float, budget: float, window: int
    ) -> Admission:
        now = self.clock()
        bucket, rid = int(now // window), _new_id()
        keys = [f"{self.prefix}:log:{rate_key}", *self._keys("spend", bucket)]
        args: list[str | float] = [now, period, limit or 0, f"{now:.6f}:{rid}"]
        args += [repr(amount), repr(budget or 0), rid, self.ttl, window + 3600]
        wait, held = await self._admit(keys=keys, args=args)
        if held == 1:
            return Admission(0.0, Reservation(rid, "spend", bucket, amount))
        return Admission(float(wait), None, held == -1)

    async def rate(self, key: str, limit: int, period: float) -> float:
        member = f"{self.clock():.6f}:{_new_id()}"
        wait = await self._rate(
            keys=[f"{self.prefix}:log:{key}"], args=[self.clock(), period, limit, member]
        )
        return float(wait)

    async def reserve(
        self, key: str, amount: float, budget: float, window: int
    ) -> Reservation | None:
        now = self.clock()
        bucket, rid = int(now // window), _new_id()
        args: list[str | float] = [now, repr(amount), repr(budget), rid, self.ttl, window + 3600]
        ok = await self._reserve(keys=self._keys(key, bucket), args=args)
        return Reservation(rid, key, bucket, amount) if int(ok) == 1 else None

    async def settle(self, reservation: Reservation, actual: float, tokens: int = 0) -> None:
        keys = self._keys(reservation.key, reservation.bucket)
        await self._settle(keys=keys, args=[reservation.id, repr(actual), 2 * 86_400])
        hold = reservation.tokens
        if hold is not None and tokens != hold.tokens:
            key = f"{self.prefix}:tpm:{hold.key}"
            await self._fix_tokens(keys=[key], args=[hold.second, tokens - hold.tokens])

    async def take_tokens(
        self, key: str, limit: int, tokens: int, period: float = 60.0
    ) -> tuple[float, TokenHold | None]:
        keys = [f"{self.prefix}:tpm:{key}"]
        args = [self.clock(), period, limit, tokens]
        wait, second = await self._take_tokens(keys=keys, args=args)
        if float(wait):
            return float(wait), None
        return 0.0, TokenHold(key, int(second), tokens)

    async def add(self, key: str, amount: float, window: int) -> None:
        keys = self._keys(key, int(self.clock() // window))
        await self._settle(keys=keys, args=["-", repr(amount), window + 3600])

    async def total(self, key: str, window: int) -> float:
        now = self.clock()
        return float(await self._total(keys=self._keys(key, int(now // window)), args=[now]))

    async def aclose(self) -> None:
        await self.redis.aclose()


def build_counters(redis_url: str | None, app: str) -> Counters:
    if redis_url:
        return RedisCounters(redis_url, f"stanchion:{app}")
    return LocalCounters()
