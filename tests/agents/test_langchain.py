"""LangChain's ``bind_tools`` agent loop, unchanged, through the gateway (JSON and stream)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from tests.conftest import openai_route
from tests.upstream import Upstream


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"{city}: 21 degrees and sunny"


def agent_loop(llm: Any, question: str, stream: bool) -> tuple[str, list[BaseMessage]]:
    """The loop LangChain's tool-calling guide writes: invoke, run each tool call, repeat."""
    bound = llm.bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage(question)]
    for _ in range(5):
        if stream:
            ai: Any = None
            for chunk in bound.stream(messages):
                ai = chunk if ai is None else ai + chunk
        else:
            ai = bound.invoke(messages)
        messages.append(ai)
        if not ai.tool_calls:
            return str(ai.content), messages
        for call in ai.tool_calls:
            messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    raise AssertionError("the agent loop did not end")


@pytest.mark.parametrize("stream", [False, True])
def test_bind_tools_agent_loop(
    sqlite_url: str, up: Upstream, gateway_factory: Any, stream: bool
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script(
        {
            "fragment": 2,
            "tool_calls": [
                {"id": "call_p", "name": "get_weather", "arguments": {"city": "Paris"}},
                {"id": "call_o", "name": "get_weather", "arguments": {"city": "Oslo"}},
            ],
        },
        {"content": "Both are sunny."},
    )
    llm = ChatOpenAI(
        model="gpt", base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0, timeout=10
    )
    answer, messages = agent_loop(llm, "Weather in Paris and Oslo?", stream)
    assert answer == "Both are sunny."
    ai = messages[1]
    assert isinstance(ai, AIMessage)
    assert [(c["id"], c["args"]) for c in ai.tool_calls] == [
        ("call_p", {"city": "Paris"}),
        ("call_o", {"city": "Oslo"}),
    ]
    sent = up.requests[1]["body"]
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    results = [m for m in sent["messages"] if m["role"] == "tool"]
    assert [json.dumps(m["content"]) for m in results] == [
        json.dumps("Paris: 21 degrees and sunny"),
        json.dumps("Oslo: 21 degrees and sunny"),
    ]
