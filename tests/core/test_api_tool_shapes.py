"""Tool calls going back out in the Responses and Anthropic shapes, before the chat pipeline
relays them from the HTTP providers: a provider registered through the real registry answers
with a completion that carries ``tool_calls`` (OpenAI's dict shape), and the official SDKs
read them; the stream writers are checked on the deltas OpenAI streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import anthropic
import openai
import orjson
import pytest

from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.registry import register_provider, unregister_provider
from stanchion.server.edge import relay
from stanchion.server.replies import MessageEvents, ResponseEvents
from tests.conftest import tracked
from tests.upstream import tool_call_deltas

CALL = {"id": "call_7", "name": "get_weather", "arguments": '{"city": "Oslo"}'}
CITY = {"type": "object", "properties": {"city": {"type": "string"}}}
# a call comes back only for a tool the request offered (docs/agents.md: tool.not_offered)
RESPONSES_TOOL: Any = {"type": "function", "name": "get_weather", "parameters": CITY}
MESSAGES_TOOL: Any = {"name": "get_weather", "input_schema": CITY}


@dataclass
class ToolCompletion(Completion):
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ToolChunk(Chunk):
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


class ToolModel:
    name = "toolmodel"

    def __init__(self, **_: Any) -> None:
        pass

    async def complete(self, request: ChatRequest) -> Completion:
        call = {"id": CALL["id"], "type": "function", "function": {**CALL}}
        del call["function"]["id"]
        return ToolCompletion("", "tm", Usage(5, 3), "tool_calls", tool_calls=[call])

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        yield Chunk(finish_reason="stop")

    async def aclose(self) -> None:
        return None


@pytest.fixture()
def tool_gateway(sqlite_url: str, gateway_factory: Any) -> Iterator[Any]:
    register_provider("toolmodel", ToolModel, needs_url=False)
    try:
        yield gateway_factory(sqlite_url, [{"name": "tm", "provider": "toolmodel"}])
    finally:
        unregister_provider("toolmodel")


def test_responses_function_call_json(tool_gateway: Any) -> None:
    gw = tool_gateway
    c = tracked(openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0))
    r = c.responses.create(model="tm", input="Weather in Oslo?", tools=[RESPONSES_TOOL])
    calls = [o for o in r.output if o.type == "function_call"]
    assert [(o.call_id, o.name, json.loads(o.arguments)) for o in calls] == [
        ("call_7", "get_weather", {"city": "Oslo"})
    ]
    assert [o.type for o in r.output] == ["function_call"]  # no empty message beside it


def test_messages_tool_use_json(tool_gateway: Any) -> None:
    gw = tool_gateway
    c = tracked(anthropic.Anthropic(base_url=gw.url, api_key=gw.make_key(), max_retries=0))
    m = c.messages.create(
        model="tm",
        max_tokens=32,
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[MESSAGES_TOOL],
    )
    assert m.stop_reason == "tool_use"
    assert [(b.type, getattr(b, "input", None)) for b in m.content] == [
        ("tool_use", {"city": "Oslo"})
    ]


def _exchange() -> Exchange:
    ex = Exchange(id="t1", app="demo", started=0.0, request=ChatRequest(model="m", messages=[]))
    ex.completion = Completion("", "m", Usage(5, 3))
    return ex


async def _chunks(as_objects: bool = False) -> AsyncIterator[Chunk | Any]:
    yield Chunk(content="Checking.")
    for delta in tool_call_deltas({"tool_calls": [CALL]}):
        fn = SimpleNamespace(**{"name": None, "arguments": "", **delta["function"]})
        as_object = SimpleNamespace(index=delta["index"], id=delta.get("id"), function=fn)
        yield ToolChunk(tool_calls=[as_object if as_objects else delta])
    yield Chunk(finish_reason="tool_calls")


def _events(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in raw.decode().strip().split("\n\n"):
        head, data = block.split("\n", 1)
        out.append((head.removeprefix("event: "), orjson.loads(data.removeprefix("data: "))))
    return out


async def _collect(
    writer: Any, ex: Exchange, as_objects: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    return _events(b"".join([b async for b in relay(_chunks(as_objects), writer, ex)]))


@pytest.mark.parametrize("as_objects", [False, True])
async def test_responses_stream_of_a_function_call(as_objects: bool) -> None:
    ex = _exchange()
    events = await _collect(ResponseEvents(ex, "m", 0, {}), ex, as_objects)
    kinds = [k for k, _ in events]
    pieces = [d["delta"] for k, d in events if k == "response.function_call_arguments.delta"]
    assert len(pieces) == 2 and json.loads("".join(pieces)) == {"city": "Oslo"}
    done = events[-1][1]["response"]
    assert kinds[-1] == "response.completed"
    assert [o["type"] for o in done["output"]] == ["message", "function_call"]
    assert done["output"][1]["arguments"] == CALL["arguments"]
    assert [d["sequence_number"] for _, d in events] == list(range(len(events)))


async def test_messages_stream_of_a_tool_use() -> None:
    ex = _exchange()
    events = await _collect(MessageEvents(ex, "m"), ex)
    starts = [d["content_block"]["type"] for k, d in events if k == "content_block_start"]
    assert starts == ["text", "tool_use"]
    partial = "".join(
        d["delta"]["partial_json"]
        for k, d in events
        if k == "content_block_delta" and d["delta"]["type"] == "input_json_delta"
    )
    assert json.loads(partial) == {"city": "Oslo"}
    stops = [d["index"] for k, d in events if k == "content_block_stop"]
    assert stops == [0, 1]
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use" and events[-1][0] == "message_stop"
