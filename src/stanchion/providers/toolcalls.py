"""Tool calls in OpenAI's shapes, as every provider hands them to the pipeline.

An upstream is not trusted to be well formed: what it sends is checked here once, and
providers translate their own formats into these shapes (docs/agents.md)::

    calls = calls_from_message(data["choices"][0]["message"])   # complete calls
    asm = CallAssembler()
    for delta in stream_deltas:                                  # streamed deltas
        asm.feed(delta)
    asm.calls()        # [{"id", "type": "function", "function": {"name", "arguments"}}]
    asm.fragments("call_1")   # that call's argument pieces, as the upstream sent them
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from stanchion.providers.errors import ProviderError

MAX_CALLS = 128


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """One complete tool call."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _arguments(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return orjson.dumps(value).decode()


def calls_from_message(message: Any) -> list[dict[str, Any]]:
    """The ``tool_calls`` of an upstream's answer message; a malformed one is a 502."""
    raw = message.get("tool_calls") if isinstance(message, dict) else None
    if not raw:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CALLS:
        raise ProviderError(502, "upstream sent malformed tool_calls")
    out = []
    for i, item in enumerate(raw):
        fn = item.get("function") if isinstance(item, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise ProviderError(502, f"upstream tool_calls[{i}] has no function name")
        out.append(
            call(str(item.get("id") or f"call_{i}"), fn["name"], _arguments(fn.get("arguments")))
        )
    return out


def deltas_from_chunk(delta: Any) -> list[dict[str, Any]]:
    """The ``tool_calls`` deltas of one streamed ``choices[0].delta``, in OpenAI's shape."""
    raw = delta.get("tool_calls") if isinstance(delta, dict) else None
    if not raw:
        return []
    if not isinstance(raw, list):
        raise ProviderError(502, "upstream stream sent malformed tool_calls")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("index", 0), int):
            raise ProviderError(502, "upstream stream sent a malformed tool call delta")
        fn = item.get("function")
        fn = fn if isinstance(fn, dict) else {}
        piece: dict[str, Any] = {"index": item.get("index", 0)}
        if item.get("id"):
            piece["id"] = str(item["id"])
            piece["type"] = "function"
        part: dict[str, str] = {}
        if isinstance(fn.get("name"), str):
            part["name"] = fn["name"]
        if fn.get("arguments") is not None:
            part["arguments"] = _arguments(fn["arguments"])
        piece["function"] = part
        out.append(piece)
    return out


@dataclass(slots=True)
class _Partial:
    id: str = ""
    name: str = ""
    fragments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CallAssembler:
    """Gathers streamed deltas into complete calls, keeping each call's fragments."""

    parts: dict[int, _Partial] = field(default_factory=dict)

    def feed(self, delta: dict[str, Any]) -> None:
        index = int(delta.get("index", 0))
        if index not in self.parts and len(self.parts) >= MAX_CALLS:
            raise ProviderError(502, "upstream stream sent too many tool calls")
        part = self.parts.setdefault(index, _Partial())
        part.id = delta.get("id") or part.id
        fn = delta.get("function") or {}
        part.name += fn.get("name") or ""
        if fn.get("arguments"):
            part.fragments.append(fn["arguments"])

    def __bool__(self) -> bool:
        return bool(self.parts)

    def calls(self) -> list[dict[str, Any]]:
        return [
            call(p.id or f"call_{i}", p.name, "".join(p.fragments))
            for i, p in sorted(self.parts.items())
        ]

    def fragments(self, call_id: str) -> list[str]:
        """The argument pieces of the call ``call_id``, as the upstream sent them."""
        for i, p in sorted(self.parts.items()):
            if (p.id or f"call_{i}") == call_id:
                return list(p.fragments)
        return []


def stream_deltas(
    position: int, tool_call: dict[str, Any], fragments: list[str]
) -> list[dict[str, Any]]:
    """One call as OpenAI streams it: the head (id, name, empty arguments), then the pieces.
    ``fragments`` are used when they still add up to the call's arguments."""
    fn = tool_call["function"]
    head = {
        "index": position,
        "id": tool_call["id"],
        "type": "function",
        "function": {"name": fn["name"], "arguments": ""},
    }
    pieces = fragments if "".join(fragments) == fn["arguments"] else [fn["arguments"]]
    return [head, *({"index": position, "function": {"arguments": p}} for p in pieces if p)]
