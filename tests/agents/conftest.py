"""Helpers for the agent tests: tools as clients declare them, an SDK client, a raw SSE
reader, and a tool loop written the way the openai SDK's documentation writes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import Gateway

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}
ORDER = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}, "email": {"type": "string"}},
            "required": ["order_id"],
        },
    },
}
REFUND = {
    "type": "function",
    "function": {
        "name": "refund_payment",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
            "required": ["order_id", "amount"],
        },
    },
}
_OPEN: list[Any] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def sdk(gw: Gateway, key: str | None = None) -> openai.OpenAI:
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=key or gw.make_key(), max_retries=0)
    _OPEN.append(client)
    return client


def http(gw: Gateway, key: str) -> httpx.Client:
    client = httpx.Client(base_url=gw.url, headers={"authorization": f"Bearer {key}"}, timeout=10)
    _OPEN.append(client)
    return client


def sse_events(gw: Gateway, key: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The data events of a streamed chat completion, parsed ([DONE] left out)."""
    out = []
    with httpx.stream(
        "POST",
        gw.url + "/v1/chat/completions",
        json={**body, "stream": True},
        headers={"authorization": f"Bearer {key}"},
        timeout=10,
    ) as r:
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                out.append(json.loads(line[6:]))
    return out


def tool_deltas(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        d
        for e in events
        for c in e.get("choices") or []
        for d in (c.get("delta") or {}).get("tool_calls") or []
    ]


def run_tool(name: str, arguments: str) -> str:
    args = json.loads(arguments)
    if name == "get_weather":
        return f"{args['city']}: 21 degrees and sunny"
    return f"{name} done"


def sdk_tool_loop(
    client: openai.OpenAI, messages: list[Any], tools: list[Any], stream: bool = False
) -> tuple[str, list[Any]]:
    """The openai SDK's tool loop: call, run each tool call, send the results back, until
    the model answers in text. Streaming gathers the deltas as the SDK's docs show."""
    for _ in range(5):
        if stream:
            content, calls = _streamed(client, messages, tools)
        else:
            r = client.chat.completions.create(model="gpt", messages=messages, tools=tools)
            msg = r.choices[0].message
            content = msg.content or ""
            calls = [
                {"id": c.id, "name": c.function.name, "arguments": c.function.arguments}
                for c in msg.tool_calls or []
            ]
        if not calls:
            return content, messages
        messages.append(
            {
                "role": "assistant",
                "content": content or None,
                "tool_calls": [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": c["arguments"]},
                    }
                    for c in calls
                ],
            }
        )
        for c in calls:
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": c["id"],
                    "content": run_tool(c["name"], c["arguments"]),
                }
            )
    raise AssertionError("the tool loop did not end")


def _streamed(
    client: openai.OpenAI, messages: list[Any], tools: list[Any]
) -> tuple[str, list[dict[str, str]]]:
    text, calls = "", {}
    finish = None
    for chunk in client.chat.completions.create(
        model="gpt", messages=messages, tools=tools, stream=True
    ):
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        text += choice.delta.content or ""
        for d in choice.delta.tool_calls or []:
            got = calls.setdefault(d.index, {"id": "", "name": "", "arguments": ""})
            got["id"] = d.id or got["id"]
            if d.function is not None:
                got["name"] += d.function.name or ""
                got["arguments"] += d.function.arguments or ""
        finish = choice.finish_reason or finish
    assert finish == ("tool_calls" if calls else "stop"), finish
    return text, [calls[i] for i in sorted(calls)]
