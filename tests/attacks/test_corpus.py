"""The attack regression corpus: every hostile HTTP request fixed in issue 8, replayed
against a real gateway over a real socket, on SQLite and on PostgreSQL.

Each ``tests/attacks/<area>.jsonl`` line is one request::

    {"id": "...", "issue_item": 8, "method": "POST", "path": "/v1/chat/completions",
     "auth": "none" | "user" | "admin" | "other_app_user", "headers": {...},
     "json": <body> | "raw": "<string body>", "expect": [400, 422]}

Optional fields: ``"time_limit"`` (seconds, default 5), ``"socket": true`` (send ``raw``
byte for byte on a plain socket, for requests an HTTP client refuses to send, such as a
Content-Length larger than the body), ``"wire": true`` (with ``socket``: ``raw`` is the
whole request, its line and headers included, sent as given: a head that never ends, two
lengths), ``"closes": true`` (with ``socket``: after its answer the server closes the
connection within the time limit: a body that never comes does not hold it),
``"half_close": true`` (with ``socket``: the client then shuts down its sending side, as an
HTTP/1.0 style client does, and reads on), ``"sequence": [200, 400]`` (with ``socket``: the
statuses of every answer on the connection, in order, until the server closes it; each is
checked as the first is), ``"openai_shape": false`` (the answer is not JSON).

Every answer must be in ``expect``, never 5xx, within the time limit; a 4xx carries
OpenAI's error JSON and the ``x-stanchion-trace-id`` header; a redirect never names a host
(no Host-header reflection). A line that breaks this format fails on its own, by its id.

The gateway: ``tests/conftest.py``'s ``BASE_SPEC`` (app ``demo``, 20 KB bodies) with one
OpenAI-compatible route ``gpt`` on the local upstream, a body read timeout of 1 s, a head
timeout of 1 s, one database per backend for the whole corpus, and fresh keys for every
request, for the user ``corpus-<id>`` (``other_app_user`` is a key of app ``other`` in the
same database).
"""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stanchion.cli.serve import SERVER
from stanchion.store.keys import create_key
from tests.conftest import BASE_SPEC, Gateway, _pg_database, openai_route
from tests.upstream import Upstream

HERE = Path(__file__).parent
AUTHS = ("none", "user", "admin", "other_app_user")
FIELDS = {
    "id",
    "issue_item",
    "method",
    "path",
    "auth",
    "headers",
    "json",
    "raw",
    "expect",
    "time_limit",
    "socket",
    "openai_shape",
    "wire",
    "closes",
    "half_close",
    "sequence",
    "note",
    "description",
}
DEFAULT_LIMIT = 5.0
BODY_TIMEOUT = 1.0  # the gateway's body read timeout here, well under DEFAULT_LIMIT
HEAD_TIMEOUT = 1.0  # and its head timeout
TRACE_HEADER = "x-stanchion-trace-id"


def _problem(case: Any, seen: set[str]) -> str | None:
    """What is wrong with a corpus line, or None (a bad line fails alone, by its id)."""
    if not isinstance(case, dict) or not {"id", "method", "path", "expect"} <= set(case):
        return "each line is an object with id, method, path and expect"
    if set(case) - FIELDS:
        return f"unknown fields {sorted(set(case) - FIELDS)}; known: {sorted(FIELDS)}"
    if case["id"] in seen:
        return f"duplicate id {case['id']}"
    if case.get("auth", "none") not in AUTHS:
        return f"auth must be one of {AUTHS}"
    if "json" in case and "raw" in case:
        return "json or raw, not both"
    socket_only = ("wire", "closes", "half_close", "sequence")
    if any(case.get(name) for name in socket_only) and not case.get("socket"):
        return f"{', '.join(socket_only)} are for socket rows"
    sequence = case.get("sequence", [])
    if not isinstance(sequence, list) or not all(isinstance(s, int) for s in sequence):
        return "sequence lists the statuses of the answers, in order"
    if sequence and sequence[0] not in case["expect"]:
        return "the first status of sequence is one expect allows"
    if case.get("wire") and ("raw" not in case or case.get("headers")):
        return "a wire row sends raw as the whole request: no headers field"
    expect = case["expect"]
    if not expect or not all(isinstance(s, int) and 100 <= s < 500 for s in expect):
        return "expect lists the allowed statuses, all below 500"
    return None


def load_cases() -> list[Any]:
    cases: list[Any] = []
    for file in sorted(HERE.glob("*.jsonl")):
        seen: set[str] = set()
        for n, line in enumerate(file.read_text(encoding="utf-8").split("\n"), 1):  # not U+2028
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except ValueError as exc:
                case = {"id": f"line{n}", "problem": f"not JSON: {exc}"}
            problem = case.get("problem") if isinstance(case, dict) else None
            problem = problem or _problem(case, seen)
            if problem:
                ident = case.get("id") if isinstance(case, dict) else None
                case = {"id": str(ident or f"line{n}"), "problem": f"{file.name}:{n}: {problem}"}
            seen.add(case["id"])
            cases.append(pytest.param(case, id=f"{file.stem}:{case['id']}"))
    return cases


CASES = load_cases()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus_gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, upstream: Upstream
) -> Iterator[Gateway]:
    """One gateway per backend for the whole corpus (a fresh database each, as ``db_url``
    makes them); every case gets fresh keys, so no case can spoil another's."""
    folder = tmp_path_factory.mktemp(f"corpus-{request.param}")
    urls = (
        iter([f"sqlite:///{folder}/stanchion.db"]) if request.param == "sqlite" else _pg_database()
    )
    db_url = next(urls)
    spec = {**BASE_SPEC, "models": {"default": "gpt", "routes": [openai_route(upstream)]}}
    app_dir = folder / "app"
    app_dir.mkdir()
    gw = Gateway(app_dir, db_url, spec)
    gw.settings = dataclasses.replace(
        gw.settings, body_timeout_seconds=BODY_TIMEOUT, head_timeout_seconds=HEAD_TIMEOUT
    )
    gw.start(**SERVER)  # the loop and HTTP protocol `stanchion serve` runs (server/intake.py)
    try:
        yield gw
    finally:
        gw.stop()
        for _ in urls:  # drops the PostgreSQL database
            pass


def _key(gw: Gateway, auth: str, user: str) -> str | None:
    if auth == "none":
        return None
    role, app = {
        "user": ("user", "demo"),
        "admin": ("admin", "demo"),
        "other_app_user": ("user", "other"),
    }[auth]
    with gw.store.engine.begin() as conn:
        secret, _ = create_key(conn, user=user, role=role, actor="corpus", app=app)
    return secret


def _headers(case: dict[str, Any], key: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if key:
        headers["authorization"] = f"Bearer {key}"
    if "json" in case:
        headers["content-type"] = "application/json"
    headers.update(case.get("headers") or {})
    return headers


def _send_http(url: str, case: dict[str, Any], headers: dict[str, str], limit: float) -> Any:
    body: bytes | None = None
    if "json" in case:
        body = json.dumps(case["json"]).encode()
    elif "raw" in case:
        body = case["raw"].encode("utf-8", "surrogatepass")
    with httpx.Client(timeout=limit + 2, follow_redirects=False) as client:
        r = client.request(case["method"], url + case["path"], content=body, headers=headers)
        return r.status_code, dict(r.headers), r.content


def _send_socket(port: int, case: dict[str, Any], headers: dict[str, str], limit: float) -> Any:
    """Byte for byte: the head as given (no Content-Length computed), then ``raw``; or,
    for a ``wire`` row, ``raw`` alone; then, with ``half_close``, the end of input. With
    ``closes`` or ``sequence``, the server must then close the connection within ``limit``
    (the status is 0 when it answers nothing). The first answer, and every answer."""
    body = json.dumps(case["json"]) if "json" in case else case.get("raw", "")
    data = body.encode("utf-8", "surrogatepass")
    if not case.get("wire"):
        head = [f"{case['method']} {case['path']} HTTP/1.1", "host: 127.0.0.1"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        data = ("\r\n".join(head) + "\r\n\r\n").encode() + data
    until_closed = case.get("closes") or case.get("sequence")
    with socket.create_connection(("127.0.0.1", port), timeout=limit + 2) as sock:
        sock.sendall(data)
        if case.get("half_close"):
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received) or until_closed:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            except TimeoutError:
                pytest.fail(f"{case['id']}: the connection was held open; got {received[:200]!r}")
            if not chunk:
                break
            received += chunk
    answers = _answers(received)
    return (*(answers[0] if answers else (0, {}, b"")), answers)


def _answers(received: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Every answer in ``received``, in order: status, headers, body (by its length; the
    rest of the bytes when it has none)."""
    out = []
    while received:
        head_bytes, _, rest = received.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        got = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        size = int(got.get("content-length", len(rest)))
        out.append((status, got, rest[:size]))
        received = rest[size:]
    return out


def _complete(received: bytes) -> bool:
    head, _, rest = received.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return len(rest) >= int(value.strip())
    return False


def _check_error_shape(body: bytes, where: str) -> None:
    doc = json.loads(body)
    err = doc.get("error") if isinstance(doc, dict) else None
    assert isinstance(err, dict), f"{where}: no error object in {body[:300]!r}"
    assert isinstance(err.get("message"), str) and err["message"], where
    assert isinstance(err.get("type"), str) and err["type"], where
    for field in ("param", "code"):
        assert field in err and (err[field] is None or isinstance(err[field], str)), where
    assert "Traceback" not in err["message"], where


@pytest.mark.parametrize("case", CASES)
def test_attack(corpus_gateway: Gateway, up: Upstream, case: dict[str, Any]) -> None:
    if "problem" in case:
        pytest.fail(case["problem"])
    gw = corpus_gateway
    key = _key(gw, case.get("auth", "none"), user=f"corpus-{case['id']}"[:60])
    headers = _headers(case, key)
    limit = float(case.get("time_limit", DEFAULT_LIMIT))
    started = time.perf_counter()
    if case.get("socket"):
        port = int(gw.url.rsplit(":", 1)[1])
        status, got, body, answers = _send_socket(port, case, headers, limit)
    else:
        status, got, body = _send_http(gw.url, case, headers, limit)
        answers = [(status, got, body)]
    elapsed = time.perf_counter() - started
    where = f"{case['id']}: {case['method']} {case['path']} -> {status} {body[:300]!r}"
    assert status < 500, where
    assert status in case["expect"], where
    assert elapsed < limit, f"{where}: took {elapsed:.2f}s (limit {limit}s)"
    if "sequence" in case:
        assert [a[0] for a in answers] == case["sequence"], f"{where}: answers {answers!r:.600}"
    for i, answer in enumerate(answers if "sequence" in case else answers[:1]):
        _check_answer(case, *answer, f"{where} (answer {i + 1}: {answer[2][:200]!r})")


def _check_answer(
    case: dict[str, Any], status: int, got: dict[str, str], body: bytes, where: str
) -> None:
    assert status < 500, where
    location = got.get("location", "")
    assert "://" not in location and not location.startswith("//"), f"{where}: to {location}"
    if 400 <= status < 500 and case.get("openai_shape", True):
        _check_error_shape(body, where)
        assert got.get(TRACE_HEADER), f"{where}: no {TRACE_HEADER} header"
        # the SDKs' request id is ours, never a client's header echoed back
        assert got.get("x-request-id") == got[TRACE_HEADER], f"{where}: x-request-id"
