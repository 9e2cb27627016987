"""Issue 16, part 1: tool calls relayed both ways, both providers, JSON and streamed, through
the real local upstream, with the official openai SDK's tool loop as the client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.agents.conftest import (
    ORDER,
    WEATHER,
    sdk,
    sdk_tool_loop,
    sse_events,
    tool_deltas,
)
from tests.conftest import openai_route
from tests.core.test_api import wait_trace
from tests.upstream import Upstream

ASK = [{"role": "user", "content": "Weather in Paris and Oslo?"}]
# Escapes, unicode and nesting, cut every 3 characters: mid-key, mid-escape, mid-number.
AWKWARD = {"city": 'Z\u00fcrich "old town"\n', "unit": "c", "n": [1.25, {"k": None}]}


def anthropic_route(up: Upstream) -> dict[str, Any]:
    return {
        "name": "gpt",
        "provider": "anthropic",
        "model": "claude-x",
        "base_url": up.root_url,
        "timeout": 5,
    }


def two_calls() -> dict[str, Any]:
    return {
        "tool_calls": [
            {"id": "call_a", "name": "get_weather", "arguments": {"city": "Paris"}},
            {"id": "call_b", "name": "get_weather", "arguments": {"city": "Oslo", "unit": "c"}},
        ]
    }


@pytest.mark.parametrize("stream", [False, True])
def test_openai_sdk_tool_loop_parallel_calls(
    sqlite_url: str, up: Upstream, gateway_factory: Any, stream: bool
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script(two_calls(), {"content": "Paris 21, Oslo 21."})
    answer, _ = sdk_tool_loop(sdk(gw), list(ASK), [WEATHER], stream=stream)
    assert answer == "Paris 21, Oslo 21."
    first, second = up.requests[0]["body"], up.requests[1]["body"]
    assert first["tools"] == [WEATHER]
    sent = second["messages"]
    assistant = next(m for m in sent if m["role"] == "assistant")
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_a", "call_b"]
    assert json.loads(assistant["tool_calls"][1]["function"]["arguments"]) == {
        "city": "Oslo",
        "unit": "c",
    }
    results = [m for m in sent if m["role"] == "tool"]
    assert [(m["tool_call_id"], m["content"]) for m in results] == [
        ("call_a", "Paris: 21 degrees and sunny"),
        ("call_b", "Oslo: 21 degrees and sunny"),
    ]


def test_json_answer_shape(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script(two_calls())
    r = sdk(gw).chat.completions.create(
        model="gpt", messages=ASK, tools=[WEATHER], tool_choice="required", parallel_tool_calls=True
    )
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    assert [c.function.name for c in choice.message.tool_calls or []] == ["get_weather"] * 2
    body = up.requests[-1]["body"]
    assert body["tool_choice"] == "required" and body["parallel_tool_calls"] is True
    trace = wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
    assert [c["id"] for c in trace["response"]["tool_calls"]] == ["call_a", "call_b"]
    calls = trace["annotations"]["tools"]["calls"]
    assert [(c["tool"], c["action"]) for c in calls] == [("get_weather", "allow")] * 2


@pytest.mark.parametrize("size", [1, 3, 7])
def test_stream_deltas_are_openai_shaped(
    sqlite_url: str, up: Upstream, gateway_factory: Any, size: int
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    arguments = json.dumps(AWKWARD)
    up.script(
        {
            "content": "Checking.",
            "fragment": size,
            "tool_calls": [
                {"id": "call_x", "name": "get_weather", "arguments": arguments},
                {"id": "call_y", "name": "get_weather", "arguments": {"city": "Oslo"}},
            ],
        }
    )
    events = sse_events(gw, gw.make_key(), {"model": "gpt", "messages": ASK, "tools": [WEATHER]})
    deltas = tool_deltas(events)
    heads = [d for d in deltas if "id" in d]
    assert heads == [
        {
            "index": 0,
            "id": "call_x",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        },
        {
            "index": 1,
            "id": "call_y",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        },
    ]
    pieces = [d for d in deltas if "id" not in d]
    assert all(
        set(d) == {"index", "function"} and set(d["function"]) == {"arguments"} for d in pieces
    )
    first = [d["function"]["arguments"] for d in pieces if d["index"] == 0]
    assert "".join(first) == arguments
    assert max(len(p) for p in first) == size  # the upstream's own fragments, relayed
    text = "".join(
        (c["delta"].get("content") or "") for e in events for c in e.get("choices") or []
    )
    assert text == "Checking."
    finishes = [
        c["finish_reason"] for e in events for c in e.get("choices") or [] if c["finish_reason"]
    ]
    assert finishes == ["tool_calls"]


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_tool_use_both_ways(
    sqlite_url: str, up: Upstream, gateway_factory: Any, stream: bool
) -> None:
    gw = gateway_factory(sqlite_url, [anthropic_route(up)])
    up.script(
        {
            "content": "Let me look.",
            "fragment": 2,
            "tool_calls": [
                {"id": "toolu_1", "name": "get_weather", "arguments": AWKWARD},
                {"id": "toolu_2", "name": "lookup_order", "arguments": {"order_id": "A-1"}},
            ],
        },
        {"content": "Done."},
    )
    tools = [WEATHER, ORDER]
    answer, _ = sdk_tool_loop(sdk(gw), list(ASK), tools, stream=stream)
    assert answer == "Done."
    first, second = up.requests[0]["body"], up.requests[1]["body"]
    assert first["tools"][0] == {
        "name": "get_weather",
        "description": "The weather in a city",
        "input_schema": WEATHER["function"]["parameters"],
    }
    assistant, results = second["messages"][1], second["messages"][2]
    assert assistant["role"] == "assistant"
    assert assistant["content"][0] == {"type": "text", "text": "Let me look."}
    uses = assistant["content"][1:]
    assert [(b["type"], b["id"], b["name"]) for b in uses] == [
        ("tool_use", "toolu_1", "get_weather"),
        ("tool_use", "toolu_2", "lookup_order"),
    ]
    assert uses[0]["input"] == AWKWARD  # streamed input_json_delta reassembled exactly
    assert results["role"] == "user"
    assert [(b["type"], b["tool_use_id"]) for b in results["content"]] == [
        ("tool_result", "toolu_1"),
        ("tool_result", "toolu_2"),
    ]


def test_anthropic_tool_choice_mapping(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [anthropic_route(up)])
    client = sdk(gw)
    cases: list[tuple[Any, Any, dict[str, Any]]] = [
        ("auto", None, {"type": "auto"}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            None,
            {"type": "tool", "name": "get_weather"},
        ),
        ("none", None, {"type": "none"}),
    ]
    for choice, parallel, expected in cases:
        extra: dict[str, Any] = {} if parallel is None else {"parallel_tool_calls": parallel}
        client.chat.completions.create(
            model="gpt", messages=ASK, tools=[WEATHER], tool_choice=choice, **extra
        )
        assert up.requests[-1]["body"]["tool_choice"] == expected


def test_local_provider_answers_plainly_when_tools_are_offered(
    sqlite_url: str, gateway_factory: Any
) -> None:
    route = {"name": "gpt", "provider": "local"}
    gw = gateway_factory(sqlite_url, [route])
    r = sdk(gw).chat.completions.create(model="gpt", messages=ASK, tools=[WEATHER])
    assert r.choices[0].message.tool_calls is None
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.content


def test_a_call_to_a_tool_nobody_offered_is_blocked(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up, retries=0)])
    up.script({"tool_calls": [{"name": "delete_everything", "arguments": {}}]})
    r = sdk(gw).chat.completions.create(model="gpt", messages=ASK, tools=[WEATHER])
    assert r.choices[0].message.tool_calls is None and r.choices[0].finish_reason == "stop"
    assert r.model_extra["stanchion"]["decision"] == "block"
    assert r.choices[0].message.content == "Sorry, I can't help with that request."


def test_a_malformed_upstream_tool_call_is_a_502(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up, retries=0)])
    up.script({"message": {"role": "assistant", "tool_calls": [{"id": "c", "function": 3}]}})
    with pytest.raises(openai.APIStatusError) as caught:
        sdk(gw).chat.completions.create(model="gpt", messages=ASK, tools=[WEATHER])
    assert caught.value.status_code == 502


def test_tool_call_arguments_are_sealed_at_rest(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"tool_calls": [{"name": "get_weather", "arguments": {"city": "zebra-77-town"}}]})
    r = sdk(gw).chat.completions.create(model="gpt", messages=ASK, tools=[WEATHER])
    assert "zebra-77-town" in (r.choices[0].message.tool_calls or [])[0].function.arguments
    wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
    gw.stop()
    db = Path(sqlite_url.split("///")[1])
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert raw and b"zebra-77-town" not in raw


@pytest.mark.parametrize("stream", [False, True])
def test_scripted_provider_plays_tool_calls(
    sqlite_url: str, gateway_factory: Any, stream: bool
) -> None:
    """Offline, no upstream: a spec's scripted route answers with a tool call, then text."""
    replies = [
        {"tool_calls": [{"id": "s1", "name": "get_weather", "arguments": {"city": "Lisbon"}}]},
        "Lisbon is sunny.",
    ]
    route = {"name": "gpt", "provider": "scripted", "options": {"replies": replies}}
    gw = gateway_factory(sqlite_url, [route])
    answer, messages = sdk_tool_loop(sdk(gw), list(ASK), [WEATHER], stream=stream)
    assert answer == "Lisbon is sunny."
    assert messages[-1] == {
        "role": "tool",
        "tool_call_id": "s1",
        "content": "Lisbon: 21 degrees and sunny",
    }
