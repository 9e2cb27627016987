"""Providers and the router against a real local upstream: retries, Retry-After,
fallbacks, the circuit breaker, timeouts, Anthropic translation, offline token counts."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import openai
import pytest

from stanchion.errors import UpstreamTimeout
from stanchion.providers.base import ChatRequest
from stanchion.providers.errors import ProviderError, parse_retry_after
from stanchion.providers.router import Breaker, Router, RouteState
from stanchion.providers.tokens import count_tokens
from stanchion.spec.model import Route
from tests.conftest import openai_route
from tests.upstream import Upstream

MSG = [{"role": "user", "content": "ping"}]


def client(gw: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)


def test_retries_5xx_then_succeeds(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"status": 503}, {"status": 502})
    r = client(gw).chat.completions.create(model="gpt", messages=MSG)
    assert r.choices[0].message.content == "echo: ping"
    assert len(up.requests) == 3


def test_honours_retry_after(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up, retries=1)])
    up.script({"status": 429, "retry_after": 1})
    t0 = time.perf_counter()
    client(gw).chat.completions.create(model="gpt", messages=MSG)
    assert time.perf_counter() - t0 >= 0.95


def test_falls_back_after_retries(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    routes = [
        openai_route(up, retries=1, fallbacks=["backup"]),
        {"name": "backup", "provider": "scripted", "options": {"replies": ["from backup"]}},
    ]
    gw = gateway_factory(sqlite_url, routes)
    up.script({"status": 500}, {"status": 500})
    r = client(gw).chat.completions.create(model="gpt", messages=MSG)
    assert r.choices[0].message.content == "from backup"
    assert r.model_extra["stanchion"]["decision"] == "pass"


def test_client_errors_are_not_retried(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"status": 400})
    with pytest.raises(openai.BadRequestError):
        client(gw).chat.completions.create(model="gpt", messages=MSG)
    assert len(up.requests) == 1


def test_exhausted_upstream_gives_502_and_timeout_504(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(
        sqlite_url,
        [openai_route(up, retries=0), openai_route(up, name="slow", retries=0, timeout=0.3)],
    )
    key = gw.make_key()
    up.script({"status": 503})
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {key}"},
        json={"model": "gpt", "messages": MSG},
    )
    assert r.status_code == 502 and r.json()["error"]["type"] == "upstream_error"
    up.script({"delay": 1.0})
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {key}"},
        json={"model": "slow", "messages": MSG},
    )
    assert r.status_code == 504 and r.json()["error"]["code"] == "upstream_timeout"


def test_circuit_breaker_skips_a_failing_route(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    routes = [
        openai_route(
            up,
            retries=0,
            fallbacks=["backup"],
            options={"breaker_threshold": 2, "breaker_cooldown": 60},
        ),
        {"name": "backup", "provider": "scripted", "options": {"replies": ["b"]}},
    ]
    gw = gateway_factory(sqlite_url, routes)
    c = client(gw)
    up.script({"status": 500}, {"status": 500})
    for _ in range(2):
        assert (
            c.chat.completions.create(model="gpt", messages=MSG).choices[0].message.content == "b"
        )
    assert len(up.requests) == 2
    c.chat.completions.create(model="gpt", messages=MSG)
    assert len(up.requests) == 2, "an open circuit must not call the upstream"


def test_breaker_half_opens_after_cooldown() -> None:
    now = [0.0]
    b = Breaker(2, 10, lambda: now[0])
    b.failure()
    assert b.allow()
    b.failure()
    assert not b.allow() and b.state == "open"
    now[0] = 11
    assert b.allow() and b.state == "half-open"
    b.failure()
    assert not b.allow()
    now[0] = 22
    b.success()
    assert b.state == "closed"


def test_anthropic_complete_and_stream(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    route = {
        "name": "claude",
        "provider": "anthropic",
        "model": "claude-x",
        "base_url": up.root_url,
        "price": {"input": 3, "output": 15},
    }
    gw = gateway_factory(sqlite_url, [route])
    c = client(gw)
    r = c.chat.completions.create(
        model="claude",
        max_tokens=50,
        messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    )
    assert r.choices[0].message.content == "echo: hi"
    assert r.usage is not None and (r.usage.prompt_tokens, r.usage.completion_tokens) == (13, 5)
    sent = up.requests[-1]["body"]
    assert sent["max_tokens"] == 50 and "be brief" in sent["system"]
    assert all(m["role"] != "system" for m in sent["messages"])
    chunks = list(
        c.chat.completions.create(
            model="claude", messages=MSG, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == "echo: ping"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5


def test_missing_usage_is_counted_offline(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"no_usage": True, "content": "Refunds take five business days."})
    r = client(gw).chat.completions.create(model="gpt", messages=MSG)
    assert r.usage is not None and r.usage.completion_tokens == count_tokens(
        "Refunds take five business days."
    )
    assert r.usage.prompt_tokens > 5


def test_token_estimate_is_reasonable() -> None:
    assert count_tokens("") == 0
    assert count_tokens("hello world") == 2
    assert 20 <= count_tokens("The quick brown fox jumps over the lazy dog. " * 2) <= 26


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
    assert ProviderError(0, "conn").retryable and not ProviderError(400, "bad").retryable


async def test_openai_provider_unreachable() -> None:
    from stanchion.providers.openai_http import OpenAIProvider

    p = OpenAIProvider(
        base_url="http://127.0.0.1:9/v1", model="m", api_key=None, timeout=2, options={}
    )
    with pytest.raises(ProviderError) as info:
        await p.complete(ChatRequest(model="m", messages=MSG))
    assert info.value.status == 0 and info.value.retryable
    await p.aclose()


async def test_openai_provider_bounds_its_own_calls(up: Upstream) -> None:
    """The client's total timeout ends a slow answer and a slow stream at the route's timeout:
    the router counts on it and sets no timer of its own around such a provider."""
    from stanchion.providers.openai_http import OpenAIProvider

    p = OpenAIProvider(base_url=up.base_url, model="m", api_key=None, timeout=0.3, options={})
    assert p.bound == 0.3
    up.script({"delay": 2.0}, {"chunk_delay": 2.0})
    t0 = time.monotonic()
    with pytest.raises(ProviderError) as info:
        await p.complete(ChatRequest(model="m", messages=MSG))
    assert info.value.status == -1 and time.monotonic() - t0 < 1.5
    t0 = time.monotonic()
    with pytest.raises(ProviderError) as info:
        async for _ in p.stream(ChatRequest(model="m", messages=MSG, stream=True)):
            pass
    assert info.value.status == -1 and time.monotonic() - t0 < 1.5
    await p.aclose()


class _Slow:
    """A provider that takes a second, raising its own timeout error after ``bound``."""

    name = "slow"

    def __init__(self, bound: float | None) -> None:
        self.bound = bound

    async def complete(self, request: ChatRequest) -> Any:
        await asyncio.sleep(min(self.bound or 1.0, 1.0))
        raise ProviderError(-1, "the provider's own timeout")

    def stream(self, request: ChatRequest) -> Any:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


@pytest.mark.parametrize(
    ("bound", "deadline", "message"),
    [
        (0.2, None, "the provider's own timeout"),  # as tight as the route's: no second timer
        (5.0, None, "route 'r' timed out after 0.2s"),  # looser than the route's timeout
        (None, None, "route 'r' timed out after 0.2s"),  # no bound of its own
        (0.2, 0.1, "route 'r' timed out after 0."),  # the deadline leaves less
    ],
)
async def test_the_router_times_out_what_the_provider_does_not(
    bound: float | None, deadline: float | None, message: str
) -> None:
    route = Route(name="r", provider="scripted", timeout=0.2, retries=0, deadline=deadline)
    router = Router({"r": RouteState(route, _Slow(bound), Breaker(5, 30, time.monotonic))})
    t0 = time.monotonic()
    with pytest.raises(UpstreamTimeout) as info:
        await router.complete("r", ChatRequest(model="m", messages=MSG), [])
    assert info.value.message.startswith(message) and time.monotonic() - t0 < 0.9
