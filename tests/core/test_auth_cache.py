"""Issue 8, items 2 and 19: no memory for callers without a key, and bearer schemes in any
case. The key cache is bounded (known keys in an LRU, unknown tokens in a small LRU of
hashes), tokens that cannot be keys are refused before any lookup, and a request head over
the limit is refused by the server before it is buffered."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from stanchion.access import MAX_TOKEN, KeyCache
from stanchion.errors import Unauthorized
from stanchion.server.protocol import MAX_HEAD_BYTES
from stanchion.store.db import Store
from stanchion.store.keys import create_key
from tests.conftest import openai_route
from tests.upstream import Upstream

BODY = {"model": "gpt", "messages": [{"role": "user", "content": "x"}]}


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def runtime_of(gw: Any) -> Any:
    return gw.server.config.app.state.runtime


def test_huge_distinct_tokens_leave_no_memory(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    """200 requests with distinct 1 MB tokens grew the process by ~200 MB for good: each
    one was cached. Now each is refused before any lookup and nothing is kept."""
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    cache = runtime_of(gw).keys
    with httpx.Client(base_url=gw.url, timeout=30) as client:
        client.get("/healthz")
        before = rss_mb()
        for _ in range(200):
            token = "sk-stn-" + secrets.token_hex(8) + "a" * 1_000_000
            r = client.post(
                "/v1/chat/completions", json=BODY, headers={"authorization": f"Bearer {token}"}
            )
            assert r.status_code == 401 and r.json()["error"]["message"] == "invalid API key"
    grown = rss_mb() - before
    assert grown < 60, f"RSS grew {grown:.0f} MB"
    assert len(cache) == 0
    assert up.requests == []


def test_unknown_and_known_keys_are_bounded(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    store.upgrade()
    with store.engine.begin() as conn:
        keys = [create_key(conn, user=f"u{i}", role="user", actor="t")[0] for i in range(12)]
    cache = KeyCache(store, ttl=60.0, max_keys=5, max_unknown=64)

    async def run() -> None:
        for _ in range(2):
            for i, key in enumerate(keys):
                assert (await cache.principal(f"Bearer {key}")).user == f"u{i}"
        for _ in range(1_500):
            token = "sk-stn-" + secrets.token_urlsafe(32 + secrets.randbelow(150))
            with pytest.raises(Unauthorized):
                await cache.principal(f"Bearer {token}")

    asyncio.run(run())
    assert len(cache._entries) == 5 and len(cache._unknown) == 64
    assert len(cache) == 69
    store.dispose()


def test_revocation_and_ttl_still_hold(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    store.upgrade()
    with store.engine.begin() as conn:
        secret, rec = create_key(conn, user="ana", role="user", actor="t")
    now = [1000.0]
    cache = KeyCache(store, ttl=5.0, clock=lambda: now[0])

    async def run() -> None:
        assert (await cache.principal(f"bearer {secret}")).key_id == rec.id
        cache.forget(rec.id)
        assert len(cache) == 0
        wrong = secret[:-2] + "zz"
        for _ in range(3):
            with pytest.raises(Unauthorized):
                await cache.principal(f"Bearer {wrong}")
        assert len(cache._unknown) == 1

    asyncio.run(run())
    store.dispose()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer " + "sk-stn-" + "a" * MAX_TOKEN,
        "Bearer sk-stn-abc\x7fdef",
        "Bearer sk-stn-abc def",
        "Bearer not-our-key",
        "Bearer sk-stn-",
        "Bearer sk-stn-é",
    ],
)
def test_tokens_that_cannot_be_keys_never_reach_the_store(tmp_path: Path, header: str) -> None:
    """The store here cannot even be opened: a lookup would raise, not answer 401."""
    store = Store(f"sqlite:///{tmp_path}/missing/dir/x.db")
    cache = KeyCache(store, ttl=60.0)
    with pytest.raises(Unauthorized) as err:
        asyncio.run(cache.principal(header))
    assert err.value.message == "invalid API key"
    assert len(cache) == 0


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(
    sqlite_url: str, up: Upstream, gateway_factory: Any, scheme: str
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key()
    r = httpx.post(
        gw.url + "/v1/chat/completions", json=BODY, headers={"authorization": f"{scheme} {key}"}
    )
    assert r.status_code == 200, r.text
    r = httpx.get(gw.url + "/v1/models", headers={"authorization": f"{scheme}  {key}"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Token sk-stn-x", "Bearer", "Bearersk-stn-x"]
)
def test_other_schemes_are_missing_keys(
    sqlite_url: str, up: Upstream, gateway_factory: Any, header: str
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    r = httpx.post(gw.url + "/v1/chat/completions", json=BODY, headers={"authorization": header})
    assert r.status_code == 401 and r.json()["error"]["code"] == "missing_api_key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(gw: Any, db_url: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    env.update(STANCHION_ENCRYPTION_KEY=gw.key, STANCHION_DATABASE_URL=db_url)
    cmd = [sys.executable, "-m", "stanchion.cli", "serve", "--app", str(gw.folder)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(url + "/healthz").status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(proc.communicate()[0])


def _send_head(port: int, extra: bytes) -> bytes:
    """Send one request whose head carries ``extra``; what the server answered, or b"" when
    it closed the connection before the client finished sending."""
    head = b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: " + extra + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(head)
        except OSError:
            return b""
        try:
            return s.recv(4096)
        except OSError:
            return b""


def test_serve_refuses_a_huge_head_before_buffering_it(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    """`stanchion serve` (httptools) accepted an 8 MB header; now a head over the limit is a
    431 in OpenAI's error shape, and the process does not grow."""
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    key = gw.make_key()
    proc, url = _serve(gw, sqlite_url)
    port = int(url.rsplit(":", 1)[1])
    try:
        auth = {"authorization": f"Bearer {key}"}
        assert httpx.get(url + "/v1/models", headers=auth).status_code == 200
        ok = httpx.get(url + "/v1/models", headers={**auth, "x-pad": "p" * 20_000})
        assert ok.status_code == 200
        r = httpx.get(url + "/v1/models", headers={**auth, "x-pad": "p" * (MAX_HEAD_BYTES + 10)})
        assert r.status_code == 431 and r.json()["error"]["code"] == "headers_too_large"
        big = httpx.post(url + "/v1/chat/completions", headers=auth, json={"x": "b" * 200_000})
        assert big.status_code != 431  # a large body is not a large head
        before = rss_mb(proc.pid)
        for _ in range(40):
            answer = _send_head(port, b"a" * 8_000_000)
            assert answer == b"" or answer.startswith(b"HTTP/1.1 431"), answer[:100]
        grown = rss_mb(proc.pid) - before
        assert grown < 20, f"the server grew {grown:.0f} MB"
        assert httpx.get(url + "/v1/models", headers=auth).status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out, out
