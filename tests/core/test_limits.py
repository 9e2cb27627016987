"""Admission counters: in process, and shared through a real Redis by several replicas."""

from __future__ import annotations

import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from stanchion.limits import LocalCounters, RedisCounters
from tests.conftest import openai_route
from tests.upstream import Upstream

REDIS_URL = os.environ.get("STANCHION_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def redis_or_skip() -> None:
    """Skip (visibly) when Redis is not there, except in CI, where it must be."""
    import redis.asyncio as aioredis

    probe = aioredis.from_url(REDIS_URL)
    try:
        await probe.ping()
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}")
    finally:
        await probe.aclose()


@pytest.fixture()
async def redis_counters() -> Any:
    await redis_or_skip()
    prefix = f"stn-test-{secrets.token_hex(4)}"
    a, b = RedisCounters(REDIS_URL, prefix), RedisCounters(REDIS_URL, prefix)
    yield a, b
    keys = [k async for k in a.redis.scan_iter(match=f"{prefix}:*")]
    if keys:
        await a.redis.delete(*keys)
    await a.aclose()
    await b.aclose()


async def test_redis_counters_are_shared(redis_counters: Any) -> None:
    a, b = redis_counters
    assert await a.rate("rpm:k", 2, 60) == 0.0
    assert await b.rate("rpm:k", 2, 60) == 0.0
    assert await a.rate("rpm:k", 2, 60) > 0
    await a.add("spend", 0.25, 86400)
    held = await b.reserve("spend", 0.5, 10.0, 86400)
    assert held is not None
    third = RedisCounters(REDIS_URL, a.prefix)
    try:
        assert await third.total("spend", 86400) == pytest.approx(0.75)
        await third.settle(held, 0.125)
        assert await a.total("spend", 86400) == pytest.approx(0.375)
    finally:
        await third.aclose()


async def test_local_rate_is_a_sliding_window() -> None:
    now = [0.0]
    c = LocalCounters(lambda: now[0])
    assert [await c.rate("k", 3, 60) for _ in range(3)] == [0.0, 0.0, 0.0]
    now[0] = 61
    assert await c.rate("k", 3, 60) == 0.0


def test_daily_budget_gives_429(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(
        sqlite_url,
        [openai_route(up, price={"input": 100000, "output": 0})],
        limits={"daily_budget": 1.0, "max_body_bytes": 20000},
    )
    key = gw.make_key()
    body = {"model": "gpt", "messages": [{"role": "user", "content": "x"}]}
    first = httpx.post(
        gw.url + "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}
    )
    assert first.status_code == 200
    second = httpx.post(
        gw.url + "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}
    )
    assert second.status_code == 429 and second.json()["error"]["code"] == "budget_exceeded"


def test_budget_held_in_flight_says_retry_shortly(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    """A request refused while the rest of the budget is only reserved (by a request in
    flight that may ask for 20 tokens at 0.1 each) hears so, with a short Retry-After; once
    that one settles at its real cost (7 tokens: 0.7 of 1.0) the retry is answered, and the
    next one hears that the budget is spent, until the day turns."""
    gw = gateway_factory(
        sqlite_url,
        [openai_route(up, price={"input": 0, "output": 100000})],
        limits={"daily_budget": 1.0, "max_body_bytes": 20000},
    )
    key = gw.make_key()
    body = {"model": "gpt", "messages": [{"role": "user", "content": "x"}], "max_tokens": 20}
    headers = {"authorization": f"Bearer {key}"}
    url = gw.url + "/v1/chat/completions"
    up.script({"delay": 1.0})
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(httpx.post, url, json=body, headers=headers, timeout=10)
        while not up.requests:
            time.sleep(0.01)
        held = httpx.post(url, json=body, headers=headers)
        assert first.result().status_code == 200
    assert held.status_code == 429 and held.json()["error"]["code"] == "budget_reserved"
    assert held.headers["retry-after"] == "1"
    assert httpx.post(url, json=body, headers=headers).status_code == 200
    spent = httpx.post(url, json=body, headers=headers)
    assert spent.status_code == 429 and spent.json()["error"]["code"] == "budget_exceeded"
    assert int(spent.headers["retry-after"]) > 60
