"""Issue 8 items 8, 10, 16 and the body read (item 2), beyond the attack corpus: what
reaches the upstream, the order of the checks, and what happens on the connection."""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import Gateway, openai_route
from tests.upstream import Upstream

HI = [{"role": "user", "content": "hi"}]


def post(gw: Gateway, key: str, body: Any) -> httpx.Response:
    return httpx.post(
        gw.url + "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}
    )


def test_typed_params_are_forwarded_as_sent_and_new_fields_pass_through(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    up.script({"content": '{"order": 7}'})  # response_format json_object is now enforced
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "find an order",
            "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
        },
    }
    r = client.chat.completions.create(
        model="gpt",
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "where is order 7?"}]},
        ],
        temperature=0.5,
        top_p=1,
        n=1,
        max_tokens=64,
        max_completion_tokens=32,
        stop=["\n\n", "END"],
        presence_penalty=-2,
        frequency_penalty=2,
        logit_bias={"50256": -100},
        seed=7,
        tools=[tool],  # type: ignore[list-item]
        tool_choice="auto",
        response_format={"type": "json_object"},
        metadata={"team": "support"},
        user="alice-hash",
        extra_body={"prompt_cache_key": "k1", "verbosity": "low"},
    )
    assert r.choices[0].message.content
    sent = up.requests[-1]["body"]
    assert sent["max_tokens"] == 64 and sent["max_completion_tokens"] == 32
    assert sent["stop"] == ["\n\n", "END"] and sent["logit_bias"] == {"50256": -100}
    assert sent["tools"] == [tool] and sent["response_format"] == {"type": "json_object"}
    assert sent["prompt_cache_key"] == "k1" and sent["verbosity"] == "low"
    assert sent["messages"][-1]["content"] == [{"type": "text", "text": "where is order 7?"}]
    assert "n" not in sent and "user" not in sent


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"max_completion_tokens": 1, "max_tokens": 1_000_000_000}, "max_tokens"),
        ({"max_tokens": 1, "max_completion_tokens": 5000}, "max_completion_tokens"),
        ({"n": 9}, "n"),
        ({"temperature": 1e308}, "temperature"),
        ({"stop": [1, {}]}, "stop[0]"),
        ({"logit_bias": {"x": "y"}}, "logit_bias.x"),
    ],
)
def test_refused_params_never_reach_the_upstream(
    extra: dict[str, Any], param: str, sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    r = post(gw, gw.make_key(), {"model": "gpt", "messages": HI, **extra})
    assert r.status_code in (400, 422), r.text
    assert r.json()["error"]["param"] == param
    assert up.requests == []


def test_whole_floats_count_as_integers_but_booleans_do_not(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key()
    assert post(gw, key, {"model": "gpt", "messages": HI, "max_tokens": 16.0}).status_code == 200
    assert up.requests[-1]["body"]["max_tokens"] == 16.0
    r = post(gw, key, {"model": "gpt", "messages": HI, "max_tokens": True})
    assert r.status_code == 422 and r.json()["error"]["param"] == "max_tokens"


def test_nesting_is_limited_when_the_body_is_parsed(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key()

    def nested(levels: int) -> Any:
        value: Any = "x"
        for _ in range(levels):
            value = {"a": value}
        return value

    # the body itself is level 1; "x_deep" holds the rest
    assert post(gw, key, {"model": "gpt", "messages": HI, "x_deep": nested(31)}).status_code == 200
    r = post(gw, key, {"model": "gpt", "messages": HI, "x_deep": nested(32)})
    assert r.status_code == 400 and "nested deeper" in r.json()["error"]["message"]


def _raw(gw: Gateway, head: str, body: bytes, wait: float) -> tuple[bytes, float]:
    port = int(gw.url.rsplit(":", 1)[1])
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.encode() + body)
        received = b""
        while chunk := sock.recv(65536):  # the server closes the connection
            received += chunk
    return received, time.perf_counter() - started


def test_the_key_is_checked_before_the_body_is_read(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        "content-length: 100000\r\nconnection: close\r\n\r\n"
    )
    received, took = _raw(gw, head, b'{"model": "gpt", "messages": [{"role": {}}', wait=5)
    assert received.startswith(b"HTTP/1.1 401"), received[:200]
    assert took < 2  # no wait for the 100 KB that never come (the body timeout is 10 s)


def test_a_body_that_never_arrives_gets_408_and_the_connection_closes(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    gw.settings = dataclasses.replace(gw.settings, body_timeout_seconds=0.5)
    gw.start()
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {gw.make_key()}\r\ncontent-length: 1000\r\n\r\n"
    )
    received, took = _raw(gw, head, b'{"model": "gpt"', wait=5)
    status, _, rest = received.partition(b"\r\n")
    assert status == b"HTTP/1.1 408 Request Timeout", received[:300]
    assert b"connection: close" in rest.lower()
    assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "request_timeout"
    assert 0.4 < took < 3
    assert up.requests == []


def test_no_redirect_is_built_from_the_host_header(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    r = httpx.get(
        gw.url + "/v1/models/",
        headers={"host": "evil.example", "authorization": f"Bearer {gw.make_key()}"},
    )
    assert r.status_code == 404 and "location" not in r.headers
    assert r.json()["error"]["code"] == "not_found"


def test_405_names_every_method_of_the_path(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    r = httpx.put(gw.url + "/admin/keys")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST"
    assert r.json()["error"]["type"] == "invalid_request_error"
