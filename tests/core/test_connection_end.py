"""How a connection ends (server/deadlines.py), over real sockets against the loop and
protocol `stanchion serve` runs: a request the parser refuses behind requests still being
answered (pipelined) is refused after their answers, in order, and the connection closed,
waiting no longer than the body deadline; a client that half-closes after whole requests
gets their answers; one that leaves inside a request, or is gone for good after its
half-close, stops the work done for it."""

from __future__ import annotations

import base64
import json
import re
import socket
import struct
import time
from typing import Any

from stanchion.store.crypto import Cipher
from stanchion.store.traces import read_trace
from tests.conftest import Gateway
from tests.core.test_deadlines import CHAT, TRACE, _head, _port, _served, _until_closed
from tests.upstream import Upstream

HEALTH = b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n"
GARBAGE = b"NOT HTTP AT ALL\r\n\r\n"
STREAM = b'{"model": "gpt", "stream": true, "messages": [{"role": "user", "content": "hi"}]}'


def _answers(received: bytes) -> list[tuple[int, bytes, bytes]]:
    """Every answer on the connection, in order: status, head, body (each has a length,
    or is the chunked stream that ends the connection)."""
    out, rest = [], received
    while rest:
        head, _, rest = rest.partition(b"\r\n\r\n")
        length = re.search(rb"\r\ncontent-length: (\d+)", head)
        size = int(length.group(1)) if length else len(rest)
        out.append((int(head.split(b" ", 2)[1]), head, rest[:size]))
        rest = rest[size:]
    return out


def _statuses(received: bytes) -> list[int]:
    return [status for status, _, _ in _answers(received)]


def _send(gw: Gateway, data: bytes, half_close: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", _port(gw)), timeout=5) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return _until_closed(s)


def _trace(gw: Gateway, trace_id: str) -> dict[str, Any]:
    cipher = Cipher(base64.b64decode(gw.key))
    deadline = time.monotonic() + 10
    while (trace := read_trace(gw.store, cipher, trace_id)) is None:
        assert time.monotonic() < deadline, "no trace"
        time.sleep(0.05)
    return trace


def test_a_request_refused_behind_others_is_answered_after_them(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _served(gateway_factory, sqlite_url, up)
    key = gw.make_key()
    up.default = {"delay": 0.3}  # the chat answer is still being made when the refusal comes
    chat = _head(key, len(CHAT)) + CHAT
    fields = b"GET /healthz HTTP/1.1\r\n" + b"a: b\r\n" * 101 + b"\r\n"
    huge = b"GET /healthz HTTP/1.1\r\nx: " + b"a" * 100_000 + b"\r\n\r\n"  # in one read
    chunked = (
        b"POST /v1/chat/completions HTTP/1.1\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\nzz\r\n"
    )  # refused in its body, before it started: it never runs
    cases = {
        "garbage": (HEALTH + GARBAGE, [200, 400], "invalid_http_request"),
        "garbage behind two": (chat + HEALTH + GARBAGE, [200, 200, 400], "invalid_http_request"),
        "too many fields": (chat + fields, [200, 431], "headers_too_large"),
        "head over 64 KB": (chat + huge, [200, 431], "headers_too_large"),
        "bad chunk of the next": (chat + chunked, [200, 400], "invalid_http_request"),
    }
    for name, (data, statuses, code) in cases.items():
        answers = _answers(_send(gw, data))
        assert [a[0] for a in answers] == statuses, name
        _, head, body = answers[-1]
        assert TRACE in head and b"connection: close" in head, name
        assert json.loads(body)["error"]["code"] == code, name
        if statuses[0] == 200 and data.startswith(chat):
            assert json.loads(answers[0][2])["choices"][0]["message"]["content"], name
    assert len(up.requests) == 4  # one chat each; the chunked request never reached the app


def test_a_refusal_waits_no_longer_than_the_body_deadline(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _served(gateway_factory, sqlite_url, up)  # body deadline 0.5 s
    key = gw.make_key()
    up.script({"delay": 3.0})  # nothing of the answer written at the deadline: the refusal
    started = time.monotonic()
    got = _send(gw, _head(key, len(CHAT)) + CHAT + GARBAGE)
    assert _statuses(got) == [400] and time.monotonic() - started < 2.5
    # a stream half written at the deadline: cut off (no 400 inside it), its app told
    words = " ".join(f"word{i}." for i in range(200))
    up.script({"content": words, "chunk_delay": 0.05})  # some 10 s of events
    started = time.monotonic()
    got = _send(gw, _head(key, len(STREAM)) + STREAM + GARBAGE)
    assert got.startswith(b"HTTP/1.1 200 ") and b"HTTP/1.1 400" not in got
    assert b"data: [DONE]" not in got and time.monotonic() - started < 5
    trace_id = re.search(rb"x-stanchion-trace-id: (\w+)", got)
    assert trace_id is not None
    trace = _trace(gw, trace_id.group(1).decode())
    assert (trace["decision"], trace["status"]) == ("cancelled", 499)


def test_a_client_that_half_closes_gets_the_answers_to_what_it_sent(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _served(gateway_factory, sqlite_url, up)
    key = gw.make_key()
    got = _send(gw, b"GET /healthz HTTP/1.0\r\n\r\n", half_close=True)
    assert _statuses(got) == [200]
    up.default = {"delay": 0.3}  # the end of input arrives while the answer is being made
    chat = _head(key, len(CHAT)) + CHAT
    answers = _answers(_send(gw, chat, half_close=True))
    assert [a[0] for a in answers] == [200] and b"connection: close" in answers[0][1]
    assert json.loads(answers[0][2])["choices"][0]["message"]["content"]
    assert _statuses(_send(gw, chat + HEALTH, half_close=True)) == [200, 200]
    assert _statuses(_send(gw, chat + GARBAGE, half_close=True)) == [200, 400]
    up.default = {}
    got = _send(gw, _head(key, len(STREAM)) + STREAM, half_close=True)
    assert got.startswith(b"HTTP/1.1 200 ") and b"data: [DONE]" in got


def test_a_client_gone_inside_a_request_or_after_its_half_close_stops_its_work(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _served(gateway_factory, sqlite_url, up)
    key = gw.make_key()
    # nothing whole to answer: the end of input is the client gone, closed at once
    for data in (b"", b"GET /healthz HTTP/1.1\r\nhost", _head(key, len(CHAT)) + CHAT[:20]):
        assert _send(gw, data, half_close=True) == b"", data  # no 408 at the deadline
    assert up.requests == []
    # half-closed, then gone for good (a reset): the stream stops at its next write
    words = " ".join(f"word{i}." for i in range(200))
    up.script({"content": words, "chunk_delay": 0.02})
    with socket.create_connection(("127.0.0.1", _port(gw)), timeout=5) as s:
        s.sendall(_head(key, len(STREAM)) + STREAM)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while got.count(b"data: ") < 5 and (chunk := s.recv(65536)):
            got += chunk
        assert got.count(b"data: ") >= 5, got  # answered, though its client sends no more
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    trace_id = re.search(rb"x-stanchion-trace-id: (\w+)", got)
    assert trace_id is not None
    trace = _trace(gw, trace_id.group(1).decode())
    assert (trace["decision"], trace["status"]) == ("cancelled", 499)
    assert 0 < trace["completion_tokens"] < 200 * 3
