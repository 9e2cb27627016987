"""The OpenAI-compatible API through the official SDK, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from stanchion.store.crypto import Cipher, parse_key
from stanchion.store.traces import read_trace
from tests.conftest import openai_route
from tests.upstream import Upstream


def wait_trace(gw: Any, trace_id: str) -> dict[str, Any]:
    cipher = Cipher(parse_key(gw.key))
    deadline = time.time() + 5
    while time.time() < deadline:
        trace = read_trace(gw.store, cipher, trace_id)
        if trace is not None:
            return trace
        time.sleep(0.02)
    raise AssertionError(f"trace {trace_id} was never written")


def test_sync_sdk_answer_usage_and_trace(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    r = client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "hello there"}], temperature=0.2
    )
    assert r.choices[0].message.content == "echo: hello there"
    assert r.usage is not None and (r.usage.prompt_tokens, r.usage.completion_tokens) == (11, 7)
    sent = up.requests[-1]["body"]
    assert sent["model"] == "up-model" and sent["temperature"] == 0.2
    system = sent["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You are the assistant of Acme.\n[ref:sc-")
    trace_id = r.model_extra["stanchion"]["trace_id"]
    trace = wait_trace(gw, trace_id)
    assert trace["status"] == 200 and trace["decision"] == "pass"
    assert trace["model"] == "up-model-2026" and trace["route"] == "gpt"
    assert trace["cost"] == pytest.approx((11 * 1.0 + 7 * 2.0) / 1e6)
    assert trace["prompt_id"].startswith("system@")
    assert set(trace["timings"]) >= {
        "authenticate",
        "authorize",
        "admit",
        "guard_input",
        "render",
        "generate",
        "guard_output",
        "decide",
    }
    assert trace["request"]["messages"][-1]["content"] == "hello there"
    assert trace["response"]["content"] == "echo: hello there"


def test_content_is_encrypted_at_rest(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    client.chat.completions.create(model="gpt", messages=[{"role": "user", "content": "zebra-42"}])
    gw.stop()
    db = Path(sqlite_url.split("///")[1])
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert len(raw) > 0 and b"zebra-42" not in raw


async def test_async_sdk_and_streaming_with_usage(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    client = openai.AsyncOpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    r = await client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "hi"}]
    )
    assert r.choices[0].message.content == "echo: hi"
    stream = await client.chat.completions.create(
        model="gpt",
        messages=[{"role": "user", "content": "one two three four"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage, finish, trace_id = "", None, None, None
    async for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
            trace_id = (chunk.model_extra or {}).get("stanchion", {}).get("trace_id", trace_id)
        if chunk.usage:
            usage = chunk.usage
    assert text == "echo: one two three four" and finish == "stop"
    assert usage is not None and usage.completion_tokens == 7
    assert trace_id is not None
    await client.close()
    trace = wait_trace(gw, trace_id)
    assert trace["stream"] is True and trace["response"]["content"] == text


def test_sync_streaming_without_usage_option(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    chunks = list(
        client.chat.completions.create(
            model="gpt", messages=[{"role": "user", "content": "a b"}], stream=True
        )
    )
    assert all(c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: a b"


def test_models_and_health(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up), {"name": "offline", "provider": "local"}])
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    assert {m.id for m in client.models.list()} == {"demo", "gpt", "offline"}
    assert httpx.get(gw.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(gw.url + "/readyz").json()["status"] == "ready"
    doc = httpx.get(gw.url + "/openapi.json").json()
    assert doc["paths"]["/v1/chat/completions"]["post"]["x-permission"] == "chat"


BAD_BODIES = [
    (b"{not json", 400, "invalid_json"),
    (b"", 400, "invalid_request"),
    (b'{"model": "gpt"}', 400, "invalid_request"),
    (b'{"model": "gpt", "messages": []}', 400, "invalid_request"),
    (b'{"model": "gpt", "messages": "hi"}', 422, "unprocessable"),
    (b'{"model": "gpt", "messages": [{"role": "wizard", "content": "x"}]}', 422, "unprocessable"),
    (b'{"model": "gpt", "messages": [{"role": "user", "content": 5}]}', 422, "unprocessable"),
    (
        b'{"model": "gpt", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}',
        422,
        "unprocessable",
    ),
    (
        b'{"model": "gpt", "messages": [{"role": "user", "content": "x"}], "bo gus": 1}',
        400,
        "invalid_request",
    ),
    (b'{"model": "nope", "messages": [{"role": "user", "content": "x"}]}', 404, "model_not_found"),
    (
        b'{"model": "gpt", "messages": [{"role": "user", "content": "' + b"x" * 30000 + b'"}]}',
        413,
        "request_too_large",
    ),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_BODIES)
def test_bad_input_gets_openai_error(
    body: bytes, status: int, code: str, sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key()
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        content=body,
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message"] and err["type"]
    assert up.requests == []


def test_auth_errors(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    body = {"model": "gpt", "messages": [{"role": "user", "content": "x"}]}
    expired = gw.make_key(expires_at=time.time() + 0.2)  # a past expiry is refused
    revoked = gw.make_key()
    from stanchion.store.keys import find_key, revoke_key

    with gw.store.engine.begin() as conn:
        rec = find_key(conn, revoked)
        assert rec is not None
        revoke_key(conn, rec.id, actor="test")
    time.sleep(0.25)
    cases = {
        None: "missing API key",
        "Bearer sk-stn-wrong": "invalid API key",
        f"Bearer {expired}": "expired",
        f"Bearer {revoked}": "revoked",
    }
    for header, words in cases.items():
        headers = {"authorization": header} if header else {}
        r = httpx.post(gw.url + "/v1/chat/completions", json=body, headers=headers)
        assert r.status_code == 401 and words in r.json()["error"]["message"]
        assert r.json()["error"]["type"] == "authentication_error"
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-stn-bad", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="gpt", messages=[{"role": "user", "content": "x"}])
    assert up.requests == []


def test_roles_are_checked_on_routes(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(
        sqlite_url, [openai_route(up)], roles={"extra": {"auditor": ["audit.read"]}}
    )
    user, admin, auditor = gw.make_key("user"), gw.make_key("admin"), gw.make_key("auditor")
    r = httpx.get(gw.url + "/admin/keys", headers={"authorization": f"Bearer {user}"})
    assert r.status_code == 403 and r.json()["error"]["type"] == "permission_error"
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {auditor}"},
        json={"model": "gpt", "messages": [{"role": "user", "content": "x"}]},
    )
    assert r.status_code == 403
    assert (
        httpx.get(
            gw.url + "/admin/audit/verify", headers={"authorization": f"Bearer {auditor}"}
        ).json()["ok"]
        is True
    )
    r = httpx.post(
        gw.url + "/admin/keys",
        headers={"authorization": f"Bearer {admin}"},
        json={"user": "bob", "role": "user"},
    )
    assert r.status_code == 201 and r.json()["key"].startswith("sk-")
    new_id = r.json()["id"]
    r = httpx.delete(gw.url + f"/admin/keys/{new_id}", headers={"authorization": f"Bearer {admin}"})
    assert r.status_code == 200
    assert (
        httpx.get(gw.url + "/metrics", headers={"authorization": f"Bearer {user}"}).status_code
        == 403
    )
    metrics = httpx.get(gw.url + "/metrics", headers={"authorization": f"Bearer {admin}"}).text
    assert "stanchion_traces_written_total" in metrics
    r = httpx.get(gw.url + "/nowhere")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_every_route_declares_a_permission() -> None:
    from stanchion.server.app import routes

    for route in routes():
        assert getattr(route.endpoint, "permission", None), route.path


def test_rate_limit_gives_429_with_retry_after(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(
        sqlite_url, [openai_route(up)], limits={"requests_per_minute": 2, "max_body_bytes": 20000}
    )
    key = gw.make_key()
    body = {"model": "gpt", "messages": [{"role": "user", "content": "x"}]}
    codes = [
        httpx.post(
            gw.url + "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}
        )
        for _ in range(3)
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert int(codes[2].headers["retry-after"]) >= 0
    assert codes[2].json()["error"]["type"] == "rate_limit_error"
