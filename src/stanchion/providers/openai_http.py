"""Any OpenAI-compatible chat server: OpenAI, Azure OpenAI, vLLM, TGI, Ollama, llama.cpp."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.egress import Egress
from stanchion.providers.errors import ProviderError
from stanchion.providers.http import make_client, post_json, sse_lines
from stanchion.providers.toolcalls import calls_from_message, deltas_from_chunk


def _usage(data: Any) -> Usage | None:
    if not isinstance(data, dict):
        return None
    return Usage(int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0))


class OpenAIProvider:
    """Speaks ``POST {base_url}/chat/completions``; Azure via ``options.api_version``."""

    name = "openai"

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
        headers = {}
        path = "chat/completions"
        if options.get("api_version"):
            headers["api-key"] = api_key or ""
            path += f"?api-version={options['api_version']}"
        elif api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self.model, self.path = model, path
        self.client = make_client(base_url, headers, timeout, egress)
        self.bound = self.client.bound  # each call, a stream to its end, ends within this

    def _payload(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            **request.params,
            "model": self.model,
            "messages": request.messages,
        }
        if stream:
            payload["stream"] = True
            payload["stream_options"] = {"include_usage": True}
        return payload

    async def complete(self, request: ChatRequest) -> Completion:
        data = await post_json(self.client, self.path, self._payload(request, False))
        try:
            choice = data["choices"][0]
            content = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ProviderError(502, "upstream response has no choices[0].message") from None
        return Completion(
            content=content,
            model=str(data.get("model") or self.model),
            usage=_usage(data.get("usage")) or Usage(),
            finish_reason=choice.get("finish_reason") or "stop",
            provider=self.name,
            tool_calls=calls_from_message(choice["message"]),
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        async with sse_lines(self.client, self.path, self._payload(request, True)) as batches:
            async for batch in batches:
                for data in batch:
                    if data == "[DONE]":
                        return
                    try:
                        event = orjson.loads(data)
                    except orjson.JSONDecodeError:
                        raise ProviderError(502, "upstream stream sent invalid JSON") from None
                    yield self._chunk(event)

    def _chunk(self, event: dict[str, Any]) -> Chunk:
        chunk = Chunk(model=str(event.get("model") or self.model), usage=_usage(event.get("usage")))
        choices = event.get("choices") or []
        if choices:
            choice = choices[0]
            delta = choice.get("delta") or {}
            chunk.content = delta.get("content") or ""
            chunk.tool_calls = deltas_from_chunk(delta)
            chunk.finish_reason = choice.get("finish_reason")
        return chunk

    async def aclose(self) -> None:
        await self.client.aclose()
