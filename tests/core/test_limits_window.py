"""The rate limit and the daily budget hold at their edges: across a minute boundary, under
concurrent callers, and with several replicas sharing one Redis (the same Lua scripts).

Each case runs on the in-process counters and on the real Redis, with an injected clock."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from stanchion.errors import RateLimited
from stanchion.limits import Counters, LocalCounters, RedisCounters
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.pipeline.stages.admit import Admit
from stanchion.providers.base import ChatRequest
from stanchion.spec.model import AppSpec
from tests.conftest import BASE_SPEC
from tests.core.test_limits import REDIS_URL, redis_or_skip


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["local", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Callable[..., Counters]]:
    """Counters of one kind; several calls share state (replicas of one app)."""
    made: list[Counters] = []
    shared_local: dict[int, LocalCounters] = {}
    prefix = f"stn-test-{secrets.token_hex(4)}"
    if request.param == "redis":
        await redis_or_skip()

    def factory(clock: Clock, ttl: float = 600.0) -> Counters:
        if request.param == "local":
            c = shared_local.setdefault(id(clock), LocalCounters(clock, ttl=ttl))
        else:
            c = RedisCounters(REDIS_URL, prefix, clock, ttl=ttl)
        made.append(c)
        return c

    yield factory
    for c in made:
        if isinstance(c, RedisCounters):
            keys = [k async for k in c.redis.scan_iter(match=f"{prefix}:*")]
            if keys:
                await c.redis.delete(*keys)
        await c.aclose()


async def test_no_burst_across_a_minute_boundary(make: Callable[..., Counters]) -> None:
    clock = Clock(59.5)  # half a second before a clock minute turns
    c = make(clock)
    admitted = 0
    for i in range(146):  # 73 in 0.73 s across the boundary, twice over
        clock.t = 59.5 + i * 0.005
        admitted += await c.rate("rpm:k", 50, 60) == 0.0
    assert admitted == 50


async def test_rate_retry_after_points_at_the_oldest_slot(make: Callable[..., Counters]) -> None:
    clock = Clock(1000.0)
    c = make(clock)
    for i in range(3):
        clock.t = 1000.0 + i * 10
        assert await c.rate("rpm:k", 3, 60) == 0.0
    clock.t = 1030.0
    assert await c.rate("rpm:k", 3, 60) == pytest.approx(30.0)
    clock.t = 1060.5
    assert await c.rate("rpm:k", 3, 60) == 0.0


async def test_concurrent_reservations_never_exceed_the_budget(
    make: Callable[..., Counters],
) -> None:
    clock = Clock(10_000.0)
    replicas = [make(clock) for _ in range(3)]

    async def one(i: int) -> bool:
        held = await replicas[i % 3].reserve("spend", 1.0, 30.0, 86_400)
        if held is None:
            return False
        await asyncio.sleep(0)
        await replicas[(i + 1) % 3].settle(held, 1.0)
        return True

    results = await asyncio.gather(*(one(i) for i in range(200)))
    assert sum(results) == 30
    assert await replicas[0].total("spend", 86_400) == pytest.approx(30.0)


async def test_reservations_of_a_dead_replica_expire(make: Callable[..., Counters]) -> None:
    clock = Clock(20_000.0)
    c = make(clock, ttl=30.0)
    assert await c.reserve("spend", 5.0, 5.0, 86_400) is not None  # never settled
    assert await c.reserve("spend", 1.0, 5.0, 86_400) is None
    clock.t += 31
    assert await c.reserve("spend", 1.0, 5.0, 86_400) is not None


async def test_settle_adds_the_real_cost_to_the_day_it_was_reserved(
    make: Callable[..., Counters],
) -> None:
    clock = Clock(86_400 * 3 - 1)
    c = make(clock)
    held = await c.reserve("spend", 2.0, 10.0, 86_400)
    assert held is not None
    clock.t += 2  # the day turns while the request is in flight
    await c.settle(held, 3.0)
    assert await c.total("spend", 86_400) == 0.0
    clock.t -= 2
    assert await c.total("spend", 86_400) == pytest.approx(3.0)


async def test_admit_refused_by_rate_holds_no_budget(make: Callable[..., Counters]) -> None:
    clock = Clock(30_000.0)
    c = make(clock)
    first = await c.admit("rpm:k", 1, 60, 2.0, 10.0, 86_400)
    assert first.wait == 0.0 and first.reservation is not None
    second = await c.admit("rpm:k", 1, 60, 2.0, 10.0, 86_400)
    assert second.wait > 0 and second.reservation is None
    assert await c.total("spend", 86_400) == pytest.approx(2.0)
    spent = await c.admit("rpm:other", 0, 60, 9.0, 2.0, 86_400)
    assert spent.wait == 0.0 and spent.reservation is None  # the budget, not the rate


ROUTE = {"name": "gpt", "provider": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1"}


def _exchange(i: int) -> Exchange:
    messages = [{"role": "user", "content": "hi"}]
    request = ChatRequest(model="m", messages=messages, params={"max_tokens": 7})
    principal = Principal(key_id=f"k{i}", user="u", role="user")
    return Exchange(
        f"x{i}", "demo", 0.0, request, principal=principal, messages=messages, route="gpt"
    )


async def test_budget_held_in_flight_is_not_spent(make: Callable[..., Counters]) -> None:
    """The 3-replica figure, in process: each request reserves 0.030 (its prompt, the 15
    tokens the system prompt may add and the 7 it may ask for) and costs 0.018, so the
    budget for 30 answers is full of estimates after 18. The 182 other callers arrive while
    those are in flight (the model answers only once every caller has been seen once); a
    caller retries a 429 whose Retry-After is short, as the SDKs do, and gives up otherwise.
    A refusal that said "spent until midnight" there left 12 paid answers unanswered."""
    clock = Clock(40_000.0)
    route = {**ROUTE, "price": {"input": 1000, "output": 1000}}
    spec = AppSpec.model_validate(
        {
            **BASE_SPEC,
            "models": {"default": "gpt", "routes": [route]},
            "limits": {"daily_budget": 30 * 0.018},
        }
    )
    replicas = [make(clock) for _ in range(3)]
    stages = [Admit(c, spec, clock, context_tokens=15) for c in replicas]
    assert stages[0].estimate(_exchange(0), 7) == pytest.approx(0.030)
    seen: set[int] = set()
    everyone = asyncio.Event()

    async def caller(i: int) -> bool:
        while True:
            ex = _exchange(i)
            try:
                await stages[i % 3](ex)
            except RateLimited as err:
                seen.add(i)
                if len(seen) == 200:
                    everyone.set()
                if (err.retry_after or 0) > 60:
                    return False
                await asyncio.sleep(0.001)
                continue
            seen.add(i)
            if len(seen) == 200:
                everyone.set()
            await everyone.wait()
            await replicas[(i + 1) % 3].settle(ex.reservation, 0.018, 18)
            return True

    answered = await asyncio.gather(*(caller(i) for i in range(200)))
    assert sum(answered) == 30
    assert await replicas[1].total("spend", 86_400) == pytest.approx(30 * 0.018)
