"""OpenAI's chat shapes to Anthropic's Messages API and back, tool calls included.

assistant {"tool_calls": [...]}       ->  assistant [text?, {"type": "tool_use", ...}]
{"role": "tool", "tool_call_id": ...} ->  user [{"type": "tool_result", ...}]
tools / tool_choice / parallel_tool_calls -> tools / tool_choice (+ disable_parallel_tool_use)
tool_use blocks (JSON, or streamed input_json_delta) -> tool_calls
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from stanchion.providers.base import ChatRequest, Chunk
from stanchion.providers.errors import ProviderError
from stanchion.providers.tokens import message_text
from stanchion.providers.toolcalls import call

EMPTY_SCHEMA = {"type": "object", "properties": {}}


def _input(arguments: str) -> dict[str, Any]:
    try:
        value = orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        raise ProviderError(400, "a tool call's arguments in the history are not JSON") from None
    if not isinstance(value, dict):
        raise ProviderError(400, "a tool call's arguments in the history are not a JSON object")
    return value


def _blocks(m: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The Anthropic role and content blocks of one OpenAI message."""
    role, text = m.get("role"), message_text(m)
    if role == "tool":
        result = {"type": "tool_result", "tool_use_id": str(m.get("tool_call_id")), "content": text}
        return "user", [result]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if role == "assistant":
        for tc in m.get("tool_calls") or []:
            fn = tc.get("function") or {}
            blocks.append(
                {
                    "type": "tool_use",
                    "id": str(tc.get("id")),
                    "name": str(fn.get("name")),
                    "input": _input(str(fn.get("arguments") or "")),
                }
            )
        return "assistant", blocks
    return "user", blocks


def _collapse(blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """Plain text stays a string (joined as before); anything with tool blocks stays blocks."""
    if all(b["type"] == "text" for b in blocks):
        return "\n\n".join(b["text"] for b in blocks)
    return blocks


def to_messages(request: ChatRequest) -> tuple[str, list[dict[str, Any]]]:
    """Split out the system text; merge consecutive turns of one role as Anthropic requires."""
    system: list[str] = []
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for m in request.messages:
        if m.get("role") in ("system", "developer"):
            system.append(message_text(m))
            continue
        role, blocks = _blocks(m)
        if not blocks:
            blocks = [{"type": "text", "text": ""}]
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    return "\n\n".join(system), [{"role": r, "content": _collapse(b)} for r, b in turns]


def _tool_choice(choice: Any, parallel: Any) -> dict[str, Any] | None:
    out: dict[str, Any] | None = None
    if choice == "auto":
        out = {"type": "auto"}
    elif choice == "required":
        out = {"type": "any"}
    elif choice == "none":
        return {"type": "none"}
    elif isinstance(choice, dict):
        out = {"type": "tool", "name": str((choice.get("function") or {}).get("name"))}
    if parallel is False:
        out = out or {"type": "auto"}
        out["disable_parallel_tool_use"] = True
    return out


def tool_fields(params: dict[str, Any]) -> dict[str, Any]:
    """The payload fields for ``tools``, ``tool_choice`` and ``parallel_tool_calls``."""
    tools = params.get("tools")
    if not tools:
        return {}
    out: dict[str, Any] = {
        "tools": [
            {
                "name": t["function"]["name"],
                **({"description": d} if (d := t["function"].get("description")) else {}),
                "input_schema": t["function"].get("parameters") or EMPTY_SCHEMA,
            }
            for t in tools
        ]
    }
    choice = _tool_choice(params.get("tool_choice"), params.get("parallel_tool_calls"))
    if choice is not None:
        out["tool_choice"] = choice
    return out


def from_blocks(content: Any) -> tuple[str, list[dict[str, Any]]]:
    """The text and tool calls of an Anthropic answer's content blocks."""
    if not isinstance(content, list):
        raise ProviderError(502, "upstream response has no content blocks")
    text, calls = [], []
    for b in content:
        if not isinstance(b, dict):
            continue
        if b.get("type") == "text":
            text.append(str(b.get("text", "")))
        elif b.get("type") == "tool_use":
            args = orjson.dumps(b.get("input") or {}).decode()
            calls.append(call(str(b.get("id")), str(b.get("name")), args))
    return "".join(text), calls


@dataclass(slots=True)
class ToolStream:
    """Turns streamed ``tool_use`` blocks into OpenAI's tool-call deltas: block index ->
    call position, ``input_json_delta.partial_json`` -> argument fragments."""

    positions: dict[int, int] = field(default_factory=dict)

    def start(self, event: dict[str, Any], model: str) -> Chunk | None:
        block = event.get("content_block") or {}
        if block.get("type") != "tool_use":
            return None
        position = self.positions[int(event.get("index", 0))] = len(self.positions)
        head = call(str(block.get("id")), str(block.get("name")), "")
        return Chunk(tool_calls=[{"index": position, **head}], model=model)

    def delta(self, event: dict[str, Any], model: str) -> Chunk | None:
        delta = event.get("delta") or {}
        if delta.get("type") != "input_json_delta":
            return None
        position = self.positions.get(int(event.get("index", 0)))
        if position is None:
            raise ProviderError(502, "upstream streamed tool input for a block it did not start")
        piece = {"index": position, "function": {"arguments": str(delta.get("partial_json", ""))}}
        return Chunk(tool_calls=[piece], model=model)
