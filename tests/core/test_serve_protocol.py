"""The HTTP protocol `stanchion serve` runs (server/protocol.py), over a real socket: writes
of one event-loop turn joined into one send, and a body that was whole before the app ran
read without a timer, with the slow and the never-finished body still handled as before."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import time
from typing import Any

import httpx

from stanchion.server.protocol import JoinedWrites
from tests.conftest import openai_route
from tests.upstream import Upstream

PROTOCOL = "stanchion.server.protocol:BoundedHttpToolsProtocol"
CHAT = b'{"model": "gpt", "messages": [{"role": "user", "content": "hello there"}]}'


def _head(key: str, length: int, extra: str = "") -> bytes:
    return (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {key}\r\ncontent-length: {length}\r\n{extra}\r\n"
    ).encode()


def _exchange(port: int, parts: list[bytes], pause: float = 0.0) -> bytes:
    """Send ``parts`` (``pause`` seconds apart) on one connection that asks to be closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for i, part in enumerate(parts):
            if i and pause:
                time.sleep(pause)
            sock.sendall(part)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _answer(received: bytes) -> tuple[bytes, dict[str, Any]]:
    head, _, body = received.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0], json.loads(body)


def test_bodies_whole_split_and_unfinished(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    gw.settings = dataclasses.replace(gw.settings, body_timeout_seconds=0.5)
    port = int(gw.start(http=PROTOCOL).rsplit(":", 1)[1])
    key = gw.make_key()
    close = "connection: close\r\n"
    whole = _exchange(port, [_head(key, len(CHAT), close) + CHAT])
    status, body = _answer(whole)
    assert status == b"HTTP/1.1 200 OK" and body["choices"][0]["message"]["content"]
    # the body in three pieces, after the app has started: read as it comes
    parts = [_head(key, len(CHAT), close) + CHAT[:10], CHAT[10:40], CHAT[40:]]
    status, body = _answer(_exchange(port, parts, pause=0.15))
    assert status == b"HTTP/1.1 200 OK" and body["choices"][0]["message"]["content"]
    # over the limit as it arrives, the declared length being a lie in the small direction
    big = b'{"model": "gpt", "pad": "' + b"x" * 30_000 + b'"}'
    status, body = _answer(_exchange(port, [_head(key, len(big), close), big], pause=0.1))
    assert status.startswith(b"HTTP/1.1 413"), body
    started = time.perf_counter()
    status, body = _answer(_exchange(port, [_head(key, 1000) + CHAT[:20]]))
    assert status == b"HTTP/1.1 408 Request Timeout"
    assert body["error"]["code"] == "request_timeout"
    assert 0.4 < time.perf_counter() - started < 3
    assert len(up.requests) == 2


def test_keep_alive_and_streams_through_the_protocol(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    url = gw.start(http=PROTOCOL)
    auth = {"authorization": f"Bearer {gw.make_key()}"}
    body = json.loads(CHAT)
    with httpx.Client(base_url=url, headers=auth) as client:
        answers = [client.post("/v1/chat/completions", json=body) for _ in range(3)]
        assert all(a.status_code == 200 for a in answers)
        assert len({a.headers["x-stanchion-trace-id"] for a in answers}) == 3
        with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
            events = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    text = "".join(
        (json.loads(e[6:])["choices"] or [{}])[0].get("delta", {}).get("content") or ""
        for e in events[:-1]
    )
    assert text == answers[0].json()["choices"][0]["message"]["content"]


class _Wire(asyncio.Protocol):
    """The far end of a socket pair: what arrives, and in how many reads."""

    def __init__(self) -> None:
        self.reads: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.reads.append(data)


def test_writes_of_one_turn_leave_together_and_nothing_waits_longer() -> None:
    async def run() -> tuple[list[bytes], list[bytes], bool]:
        loop = asyncio.get_running_loop()
        near, far = socket.socketpair()
        transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, near)
        wire = _Wire()
        far_transport, _ = await loop.connect_accepted_socket(lambda: wire, far)
        joined = JoinedWrites(transport, loop)  # type: ignore[arg-type]
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"body")
        joined.write(b"-more")
        assert wire.reads == []  # held until the turn ends
        await asyncio.sleep(0.05)
        first = list(wire.reads)
        joined.write(b"later")
        await asyncio.sleep(0.05)
        joined.write(b"last")
        joined.close()  # what is held leaves before the connection closes
        await asyncio.sleep(0.05)
        far_transport.close()
        return first, wire.reads, joined.is_closing()

    first, reads, closing = asyncio.run(run())
    assert first == [b"HTTP/1.1 200 OK\r\n\r\nbody-more"]
    assert b"".join(reads) == b"HTTP/1.1 200 OK\r\n\r\nbody-morelaterlast"
    assert closing
