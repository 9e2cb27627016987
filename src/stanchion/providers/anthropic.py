"""Anthropic's Messages API, translated to and from the OpenAI shapes
(``anthropic_shapes.py``: messages, tools and tool calls)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from stanchion.providers.anthropic_shapes import ToolStream, from_blocks, to_messages, tool_fields
from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.egress import Egress
from stanchion.providers.errors import ProviderError
from stanchion.providers.http import each_line, make_client, post_json, sse_lines

STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
}
VERSION = "2023-06-01"


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None,
        timeout: float,
        options: dict[str, Any],
        egress: Egress | None = None,
    ) -> None:
        headers = {"anthropic-version": str(options.get("version", VERSION))}
        if api_key:
            headers["x-api-key"] = api_key
        self.model = model
        self.default_max_tokens = int(options.get("max_tokens", 1024))
        self.client = make_client(base_url, headers, timeout, egress)
        self.bound = self.client.bound  # each call, a stream to its end, ends within this

    def _payload(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        system, turns = to_messages(request)
        p = request.params
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": turns,
            "max_tokens": p.get("max_completion_tokens")
            or p.get("max_tokens")
            or self.default_max_tokens,
        }
        if system:
            payload["system"] = system
        for key in ("temperature", "top_p"):
            if key in p:
                payload[key] = p[key]
        if "stop" in p:
            payload["stop_sequences"] = [p["stop"]] if isinstance(p["stop"], str) else p["stop"]
        payload.update(tool_fields(p))
        if stream:
            payload["stream"] = True
        return payload

    async def complete(self, request: ChatRequest) -> Completion:
        data = await post_json(self.client, "v1/messages", self._payload(request, False))
        if not isinstance(data, dict):
            raise ProviderError(502, "upstream response has no content blocks")
        text, calls = from_blocks(data.get("content"))
        usage = data.get("usage") or {}
        return Completion(
            content=text,
            model=str(data.get("model") or self.model),
            usage=Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)),
            finish_reason=STOP_REASONS.get(data.get("stop_reason") or "", "stop"),
            provider=self.name,
            tool_calls=calls,
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        usage = Usage()
        model = self.model
        tools = ToolStream()
        async with sse_lines(self.client, "v1/messages", self._payload(request, True)) as batches:
            async for data in each_line(batches):
                try:
                    event = orjson.loads(data)
                except orjson.JSONDecodeError:
                    raise ProviderError(502, "upstream stream sent invalid JSON") from None
                kind = event.get("type")
                if kind == "message_start":
                    msg = event.get("message") or {}
                    model = msg.get("model") or model
                    usage.prompt_tokens = int((msg.get("usage") or {}).get("input_tokens") or 0)
                elif kind == "content_block_start":
                    if started := tools.start(event, model):
                        yield started
                elif kind == "content_block_delta":
                    if piece := tools.delta(event, model):
                        yield piece
                    elif text := (event.get("delta") or {}).get("text") or "":
                        yield Chunk(content=text, model=model)
                elif kind == "message_delta":
                    usage.completion_tokens = int(
                        (event.get("usage") or {}).get("output_tokens") or 0
                    )
                    reason = (event.get("delta") or {}).get("stop_reason") or ""
                    yield Chunk(finish_reason=STOP_REASONS.get(reason, "stop"), model=model)
                elif kind == "error":
                    err = event.get("error") or {}
                    raise ProviderError(502, f"upstream stream error: {err.get('message', err)}")
                elif kind == "message_stop":
                    break
        yield Chunk(usage=usage, model=model)

    async def aclose(self) -> None:
        await self.client.aclose()
