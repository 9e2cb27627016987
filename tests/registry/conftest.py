"""Helpers for the registry tests: an admin HTTP client per key, and a gateway whose spec
makes label moves visible quickly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import Gateway

FAST = {"refresh_seconds": 0.1}
PROMPT_V2 = {
    "template": "You are the terse assistant of {{ company }}.",
    "variables": {"company": "Acme"},
}


_OPEN: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def api(gw: Gateway, key: str) -> httpx.Client:
    client = httpx.Client(base_url=gw.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    _OPEN.append(client)
    return client


def chat(gw: Gateway, key: str, text: str = "hello") -> Any:
    with openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0) as client:
        return client.chat.completions.create(
            model="gpt", messages=[{"role": "user", "content": text}]
        )


def ext(r: Any) -> dict[str, Any]:
    out: dict[str, Any] = r.model_extra["stanchion"]
    return out


def push(
    c: httpx.Client, content: dict[str, Any], name: str = "system", msg: str = "", status: int = 201
) -> Any:
    """Push a prompt version: 201 when it is new, 200 when the same content is stored."""
    r = c.post(
        "/admin/registry/prompts/versions", json={"name": name, "content": content, "message": msg}
    )
    assert r.status_code == status, r.text
    return r.json()
