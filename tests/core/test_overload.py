"""Overload: a bounded in-flight count and queue per worker with fast 429s past them, per-key
concurrency, draining, tokens per minute and a route deadline that includes retries; all
through a real server, a real (slow) upstream and real sockets."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
import time
from pathlib import Path
from typing import Any

import httpx

from stanchion.limits import LocalCounters, RedisCounters
from tests.conftest import openai_route
from tests.core.test_limits import REDIS_URL, redis_or_skip
from tests.upstream import Upstream

BODY = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 10}


async def _timed(client: httpx.AsyncClient, url: str, key: str) -> tuple[int, float, Any]:
    t0 = time.perf_counter()
    r = await client.post(
        url + "/v1/chat/completions", json=BODY, headers={"authorization": f"Bearer {key}"}
    )
    return r.status_code, time.perf_counter() - t0, r


async def _flood(url: str, keys: list[str]) -> list[tuple[int, float, Any]]:
    limits = httpx.Limits(max_connections=len(keys) + 4)
    async with httpx.AsyncClient(timeout=20, limits=limits) as client:
        return list(await asyncio.gather(*(_timed(client, url, k) for k in keys)))


def _gateway(gateway_factory: Any, sqlite_url: str, up: Upstream, **limits: Any) -> Any:
    return gateway_factory(
        sqlite_url, [openai_route(up)], limits={"max_body_bytes": 20000, **limits}
    )


def test_past_the_queue_a_flood_gets_fast_429s(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _gateway(
        gateway_factory, sqlite_url, up, max_in_flight=2, max_queue=2, queue_timeout=5.0,
        overload_lag_ms=None,
    )  # fmt: skip
    key = gw.make_key()
    up.default = {"delay": 0.6}
    results = asyncio.run(_flood(gw.url, [key] * 12))
    ok = [t for s, t, _ in results if s == 200]
    refused = [(t, r) for s, t, r in results if s == 429]
    assert len(ok) == 4 and len(refused) == 8, [s for s, _, _ in results]
    assert all(r.json()["error"]["code"] == "overloaded" for _, r in refused)
    assert all(r.headers["retry-after"] == "1" for _, r in refused)
    assert max(t for t, _ in refused) < 0.4  # refused at once, not after the upstream's 0.6 s
    assert sorted(ok)[1] < 1.2 and max(ok) < 2.0  # two ran, two waited for them
    assert len(up.requests) == 4
    scrape = httpx.get(
        gw.url + "/metrics", headers={"authorization": f"Bearer {gw.make_key(role='admin')}"}
    )
    assert 'stanchion_admission_refused_total{code="overloaded"} 8.0' in scrape.text


def test_a_queued_request_is_refused_after_the_queue_timeout(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _gateway(
        gateway_factory, sqlite_url, up, max_in_flight=1, max_queue=5, queue_timeout=0.2,
        overload_lag_ms=None,
    )  # fmt: skip
    up.default = {"delay": 0.8}
    results = asyncio.run(_flood(gw.url, [gw.make_key()] * 3))
    codes = sorted(s for s, _, _ in results)
    assert codes == [200, 429, 429]
    waited = [t for s, t, _ in results if s == 429]
    assert all(0.15 < t < 0.6 for t in waited), waited
    # refused by the middleware, after a wait: a trace id the caller can quote, as ever
    assert all(r.headers.get("x-stanchion-trace-id") for _, _, r in results)


def test_per_key_concurrency(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = _gateway(gateway_factory, sqlite_url, up, concurrent_per_key=1)
    a, b = gw.make_key(user="a"), gw.make_key(user="b")
    up.default = {"delay": 0.5}
    results = asyncio.run(_flood(gw.url, [a, a, b]))
    by_key: dict[str, list[int]] = {}
    for (s, _, r), k in zip(results, [a, a, b], strict=True):
        by_key.setdefault(k, []).append(s)
        if s == 429:
            assert r.json()["error"]["code"] == "concurrency_limit_exceeded"
    assert sorted(by_key[a]) == [200, 429] and by_key[b] == [200]
    # the slot comes back when the request ends
    assert asyncio.run(_flood(gw.url, [a]))[0][0] == 200


def test_a_draining_worker_answers_503_and_is_not_ready(
    sqlite_url: str, up: Upstream, gateway_factory: Any, tmp_path: Path
) -> None:
    gw = _gateway(gateway_factory, sqlite_url, up)
    gw.stop()
    drain = tmp_path / "drain"
    gw.settings = dataclasses.replace(gw.settings, drain_file=str(drain))
    gw.start()
    key = gw.make_key()
    assert asyncio.run(_flood(gw.url, [key]))[0][0] == 200
    drain.touch()
    deadline = time.monotonic() + 5
    while httpx.get(gw.url + "/readyz").status_code != 503:
        assert time.monotonic() < deadline, "the drain file was not noticed"
        time.sleep(0.1)
    status, _, r = asyncio.run(_flood(gw.url, [key]))[0]
    assert status == 503 and r.json()["error"]["code"] == "draining"
    assert r.headers["retry-after"] == "1" and len(r.headers["x-stanchion-trace-id"]) == 32


def test_tokens_per_minute_end_to_end(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    # each call counts its prompt and max_tokens (10) at admission, then its real usage (18)
    gw = _gateway(gateway_factory, sqlite_url, up, tokens_per_minute=40)
    key, other = gw.make_key(), gw.make_key(user="bob")
    statuses = [asyncio.run(_flood(gw.url, [key]))[0] for _ in range(4)]
    assert [s for s, _, _ in statuses] == [200, 200, 200, 429]
    err = statuses[-1][2]
    assert err.json()["error"]["code"] == "tokens_per_minute_exceeded"
    assert 0 < int(err.headers["retry-after"]) <= 60
    assert asyncio.run(_flood(gw.url, [other]))[0][0] == 200  # per key


async def _tokens_semantics(a: Any, b: Any) -> None:
    wait, hold = await a.take_tokens("tpm:k", 100, 80)
    assert wait == 0 and hold is not None
    # settled to the real usage: 30 of the 80 counted
    from stanchion.limits import Reservation

    await a.settle(Reservation("-", "spend", 0, 0.0, hold), 0.0, 30)
    wait, second = await b.take_tokens("tpm:k", 100, 60)
    assert wait == 0 and second is not None
    wait, hold = await b.take_tokens("tpm:k", 100, 10)  # 90 counted: still under
    assert wait == 0 and hold is not None
    wait, refused = await a.take_tokens("tpm:k", 100, 1)  # 100 counted
    assert refused is None and 0 < wait <= 60


async def test_local_tokens_per_minute_slide() -> None:
    now = [1000.0]
    c = LocalCounters(lambda: now[0])
    await _tokens_semantics(c, c)
    now[0] += 61
    wait, hold = await c.take_tokens("tpm:k", 100, 1)
    assert wait == 0 and hold is not None


async def test_redis_tokens_per_minute_are_shared() -> None:
    await redis_or_skip()
    prefix = f"stn-test-{secrets.token_hex(4)}"
    a, b = RedisCounters(REDIS_URL, prefix), RedisCounters(REDIS_URL, prefix)
    try:
        await _tokens_semantics(a, b)
    finally:
        await a.redis.delete(f"{prefix}:tpm:tpm:k")
        await a.aclose()
        await b.aclose()


def test_the_deadline_includes_retries(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up, timeout=5, retries=5, deadline=0.7)])
    up.script(*[{"status": 503, "delay": 0.4}] * 6)
    status, took, r = asyncio.run(_flood(gw.url, [gw.make_key()]))[0]
    assert status in (502, 504), r.text
    assert took < 1.2  # without the deadline: six 0.4 s tries plus backoff
    assert len(up.requests) <= 2


def test_the_adaptive_limit_halves_on_lag_and_grows_back() -> None:
    from stanchion.server.gate import Gate

    g = Gate(limit=64, max_queue=8, lag_target=0.02, min_limit=16)
    g.in_flight = 40
    g.observe_lag(0.05)
    assert g.limit == 20 and g.lagging
    g.observe_lag(0.05)
    assert g.limit == 16  # the floor
    assert not g.try_enter("k")  # 40 in flight, limit 16
    g.in_flight = 15
    g.observe_lag(0.001)  # keeping up, and the limit binds: grow by an eighth (at least 1)
    assert g.limit == 18 and not g.lagging
    g.in_flight = 2
    g.observe_lag(0.001)  # keeping up but the limit does not bind: unchanged
    assert g.limit == 18
    fixed = Gate(limit=64, lag_target=None)
    fixed.in_flight = 40
    fixed.observe_lag(1.0)
    assert fixed.limit == 64 and not fixed.lagging


# The server `stanchion serve` runs: uvloop accepting in batches, admission with the head.
def _served(gateway_factory: Any, sqlite_url: str, up: Upstream, **limits: Any) -> Any:
    from stanchion.cli.serve import SERVER

    gw = gateway_factory(
        sqlite_url, [openai_route(up)], start=False, limits={"max_body_bytes": 20000, **limits}
    )
    gw.start(**SERVER)
    return gw


def _hog(gw: Any, seconds: float) -> None:
    """Keep the server's loop busy: each turn of it is blocked for ``seconds``, as a worker
    past its capacity is by its admitted requests' steps (a sleep, not a spin: the server
    shares this process, and a spin would hold the GIL the test's clients need)."""
    loop = gw.server.servers[0].get_loop()

    async def hog() -> None:
        while True:
            time.sleep(seconds)  # noqa: ASYNC251 (blocking the loop is the point)
            await asyncio.sleep(0)

    loop.call_soon_threadsafe(lambda: gw.__dict__.setdefault("hog", loop.create_task(hog())))


def _request(key: str) -> bytes:
    body = json.dumps(BODY).encode()
    return (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {key}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _flood_new_connections(url: str, key: str, n: int) -> list[tuple[int, float]]:
    """``n`` requests at once, each on a new connection (as clients past capacity open
    them), on bare sockets: an HTTP client library in this process would cost more time
    than what is measured."""
    port, request = int(url.rsplit(":", 1)[1]), _request(key)

    async def one() -> tuple[int, float]:
        t0 = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        writer.close()
        return int(head.split(b" ", 2)[1]), time.perf_counter() - t0

    return list(await asyncio.gather(*(one() for _ in range(n))))


def test_a_flood_on_new_connections_gets_fast_429s_while_the_loop_is_busy(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    # Every turn of the server's loop costs 15 ms, and 120 clients connect at once. libuv
    # accepts one connection per turn (the last would wait ~2 s in the accept queue);
    # here every one is accepted at the next readiness and the refusals are written as
    # soon as each head is parsed, while the 4 admitted keep the upstream's latency.
    gw = _served(
        gateway_factory, sqlite_url, up, max_in_flight=4, max_queue=0, overload_lag_ms=None
    )
    key = gw.make_key()
    up.default = {"delay": 1.0}
    _hog(gw, 0.015)
    alone = max(t for _, t in asyncio.run(_flood_new_connections(gw.url, key, 4)))
    results = asyncio.run(_flood_new_connections(gw.url, key, 120))
    ok = sorted(t for s, t in results if s == 200)
    refused = sorted(t for s, t in results if s == 429)
    # (uvloop's own accept: the last 429 after ~2 s, and 8 admitted, 4 of them at ~2.5 s)
    assert len(ok) == 4 and len(refused) == 116, sorted(s for s, _ in results)
    assert refused[-1] < 0.8, refused[-5:]  # not one turn per connection
    assert ok[-1] < alone + 0.5, (alone, ok)  # what 4 alone take, not a queue behind the flood


def test_a_refusal_with_the_head_keeps_the_connection(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    # Refused before its body arrives: the body is dropped as it comes, and the next
    # request on the same connection is served once there is room.
    import socket

    gw = _served(gateway_factory, sqlite_url, up, max_in_flight=1, max_queue=0)
    key = gw.make_key()
    up.default = {"delay": 0.8}
    request = _request(key)
    body = json.dumps(BODY).encode()
    head = request[: -len(body)]

    async def go() -> tuple[int, bytes, int]:
        busy = asyncio.create_task(_flood(gw.url, [key]))
        await asyncio.sleep(0.3)  # the one slot is taken
        port = int(gw.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(head)  # the head only: the answer comes before the body is sent
            first = s.recv(65536)
            s.sendall(body)
            first_status = (await busy)[0][0]
            s.sendall(head + body)
            second = b""
            while b'"choices"' not in second:
                got = s.recv(65536)
                assert got, second
                second += got
        return first_status, first, int(second.split(b" ", 2)[1])

    admitted, refusal, again = asyncio.run(go())
    assert admitted == 200
    assert refusal.startswith(b"HTTP/1.1 429 ") and b"retry-after: 1" in refusal
    assert b"x-stanchion-trace-id: " in refusal  # refused by the protocol, with the head
    assert b'"code":"overloaded"' in refusal and b"connection: close" not in refusal
    assert again == 200


def test_admission_with_the_head() -> None:
    from stanchion.errors import ApiError
    from stanchion.server.gate import Gate

    g = Gate(limit=1, max_queue=1, lag_target=0.02)
    assert g.admit_now("k") is True and g.in_flight == 1  # a slot is taken with the head
    assert g.admit_now("k") is False  # may wait in the queue: the middleware decides
    loop = asyncio.new_event_loop()
    try:
        g.waiting.append(loop.create_future())
        err = g.admit_now("k")  # the queue is full
    finally:
        loop.close()
    assert isinstance(err, ApiError) and err.status == 429 and err.code == "overloaded"
    g.waiting.clear()
    g.observe_lag(0.05)  # the loop is late: no queueing
    assert isinstance(g.admit_now("k"), ApiError)
    g.draining = True
    err = g.admit_now("k")
    assert isinstance(err, ApiError) and err.status == 503 and g.refused == 3
