"""A body declared as other than JSON (server/http.py: check_json_type) is refused 415 in
OpenAI's shape, with OpenAI's code for it, before it is read; what the official SDKs and
curl users send is taken: the SDKs' ``application/json``, curl's ``--json``, no type at all
(raw bytes), parameters and ``+json`` types."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.conftest import Gateway, openai_route, tracked
from tests.upstream import Upstream

HI = [{"role": "user", "content": "hi"}]
CHAT = {"model": "gpt", "messages": HI}
BODIES = {  # every JSON route a user key may post to, with a body it accepts
    "/v1/chat/completions": CHAT,
    "/v1/embeddings": {"model": "gpt", "input": "hi"},
    "/v1/messages": {"model": "gpt", "max_tokens": 5, "messages": HI},
    "/v1/responses": {"model": "gpt", "input": "hi"},
}
REFUSED = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/jsonp",
    "application/json, text/plain",
    "text/json",
]
TAKEN = ["application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"]


def _gateway(gateway_factory: Any, sqlite_url: str, up: Upstream) -> Gateway:
    gw: Gateway = gateway_factory(sqlite_url, [openai_route(up)])
    return gw


def _refused(r: httpx.Response, declared: str) -> None:
    assert r.status_code == 415, (declared, r.status_code, r.text)
    error = r.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "unsupported_content_type")
    assert "Content-Type: application/json" in error["message"], error
    assert r.headers["x-stanchion-trace-id"]


def test_a_body_declared_as_not_json_is_refused_on_every_json_route(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _gateway(gateway_factory, sqlite_url, up)
    auth = {"authorization": f"Bearer {gw.make_key()}"}
    admin = {"authorization": f"Bearer {gw.make_key('admin', user='root')}"}
    routes = [(path, body, auth) for path, body in BODIES.items()]
    routes.append(("/admin/keys", {"user": "bob", "role": "user"}, admin))
    with httpx.Client(base_url=gw.url) as client:
        for path, body, headers in routes:
            content = json.dumps(body).encode()
            for declared in REFUSED:
                r = client.post(
                    path, content=content, headers={**headers, "content-type": declared}
                )
                _refused(r, f"{path} {declared}")
            for declared in [*TAKEN, None]:
                sent = {**headers, **({"content-type": declared} if declared else {})}
                r = client.post(path, content=content, headers=sent)
                assert r.status_code in (200, 201), (path, declared, r.text)
        # a form and a multipart upload, as an HTTP client builds them
        _refused(client.post("/v1/chat/completions", data=CHAT, headers=auth), "form")
        files = {"file": ("chat.json", json.dumps(CHAT))}
        _refused(client.post("/v1/chat/completions", files=files, headers=auth), "multipart")
    assert len(up.requests) == len(BODIES) * (len(TAKEN) + 1)  # none refused went upstream


def test_the_refusal_comes_before_the_body_is_read(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _gateway(gateway_factory, sqlite_url, up)
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\n"
        f"authorization: Bearer {gw.make_key()}\r\ncontent-length: 10000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", int(gw.url.rsplit(":", 1)[1])), timeout=5) as s:
        s.sendall(head.encode())  # and never the body: answered at once, not at a timeout
        got = s.recv(65536)
    assert got.startswith(b"HTTP/1.1 415 ") and b"unsupported_content_type" in got


def test_the_official_sdks_send_json_and_are_served(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _gateway(gateway_factory, sqlite_url, up)
    key = gw.make_key()
    for base in (gw.url, up.root_url):  # the upstream records what the SDKs sent it
        client = tracked(openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0))
        answer = client.chat.completions.create(model="gpt", messages=HI)  # type: ignore[arg-type]
        assert answer.choices[0].message.content
        assert client.embeddings.create(model="gpt", input="hi").data
        claude = tracked(anthropic.Anthropic(base_url=base, api_key=key, max_retries=0))
        reply = claude.messages.create(model="gpt", max_tokens=5, messages=HI)  # type: ignore[arg-type]
        assert reply.content
    sent = [r["headers"].get("content-type") for r in up.requests[-3:]]
    assert sent == ["application/json"] * 3
    # a caller that overrides the type through the SDK gets the refusal as an API error
    client = tracked(openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0))
    with pytest.raises(openai.APIStatusError) as refused:
        client.chat.completions.create(
            model="gpt", messages=HI,  # type: ignore[arg-type]
            extra_headers={"Content-Type": "text/plain"},
        )  # fmt: skip
    assert refused.value.status_code == 415 and refused.value.code == "unsupported_content_type"


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl on this machine")
def test_curl_json_is_served_and_curl_data_is_told_what_to_send(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = _gateway(gateway_factory, sqlite_url, up)
    argv = ["curl", "-s", "-H", f"Authorization: Bearer {gw.make_key()}"]
    url, body = gw.url + "/v1/chat/completions", json.dumps(CHAT)
    served = subprocess.run([*argv, "--json", body, url], capture_output=True, check=True)
    assert json.loads(served.stdout)["choices"][0]["message"]["content"]
    told = subprocess.run([*argv, "-d", body, url], capture_output=True, check=True)
    error = json.loads(told.stdout)["error"]  # -d sends a form unless told otherwise
    assert error["code"] == "unsupported_content_type"
    assert "application/x-www-form-urlencoded" in error["message"]
