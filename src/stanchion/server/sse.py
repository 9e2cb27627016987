"""OpenAI's chat-completion shapes: the JSON answer and the server-sent event chunks."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import orjson
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import Usage


def usage_json(u: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
    }


def extension(ex: Exchange) -> dict[str, Any]:
    """The ``stanchion`` field: what a client needs to show citations and send feedback."""
    return {
        "trace_id": ex.id,
        "decision": ex.decision,
        "citations": [{"marker": i, **p.to_record()} for i, p in enumerate(ex.passages, 1)],
        "findings": [f.to_record() for f in ex.findings],
        "prompt_id": ex.prompt_id,
        **({"rollout": ex.annotations["rollout"]} if "rollout" in ex.annotations else {}),
    }


def message_json(ex: Exchange) -> tuple[dict[str, Any], str]:
    """The answer's message and finish reason; tool calls as OpenAI sends them (content
    null when there is no text)."""
    comp = ex.completion
    if ex.tool_calls:
        text = ex.response_text
        message = {"role": "assistant", "content": text or None, "refusal": None}
        return {**message, "tool_calls": ex.tool_calls}, "tool_calls"
    finish = comp.finish_reason if comp and ex.decision == "pass" else "stop"
    message = {"role": "assistant", "content": ex.response_text, "refusal": None}
    return message, "stop" if finish == "tool_calls" else finish


def completion_json(ex: Exchange, model: str, created: int) -> dict[str, Any]:
    comp = ex.completion
    message, finish = message_json(ex)
    return {
        "id": f"chatcmpl-{ex.id}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage_json(comp.usage if comp else Usage()),
        "stanchion": extension(ex),
    }


class ChunkWriter:
    """Formats one stream's events; the id, model and creation time are fixed per stream."""

    def __init__(self, ex: Exchange, model: str, created: int) -> None:
        self.ex = ex
        self.head = {
            "id": f"chatcmpl-{ex.id}",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
        }
        self.started = False

    def _event(self, payload: dict[str, Any]) -> bytes:
        return b"data: " + orjson.dumps(payload) + b"\n\n"

    def delta(self, content: str) -> bytes:
        return self._delta({"content": content})

    def tool_calls(self, deltas: list[dict[str, Any]]) -> bytes:
        """OpenAI's ``delta.tool_calls``: index, id, function name and argument pieces."""
        return self._delta({"tool_calls": deltas})

    def _delta(self, delta: dict[str, Any]) -> bytes:
        if not self.started:
            delta["role"] = "assistant"
            self.started = True
        return self._event(
            {
                **self.head,
                "choices": [{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None}],
            }
        )

    def finish(self, reason: str) -> bytes:
        return self._event(
            {
                **self.head,
                "choices": [{"index": 0, "delta": {}, "finish_reason": reason, "logprobs": None}],
                "stanchion": extension(self.ex),
            }
        )

    def usage(self, u: Usage) -> bytes:
        return self._event({**self.head, "choices": [], "usage": usage_json(u)})

    def error(self, body: dict[str, Any]) -> bytes:
        return self._event(body)

    @staticmethod
    def done() -> bytes:
        return b"data: [DONE]\n\n"


class Last(bytes):
    """A stream's last bytes: ``EventStream`` sends them as the end of the body, so they and
    the chunked encoding's end leave in one write (one send through the middleware and one
    system call fewer than an empty end of their own)."""


class EventStream(StreamingResponse):
    """Starlette's ``StreamingResponse`` where the server speaks ASGI 2.3 (uvicorn does):
    the body is sent and the connection watched for the client leaving, which cancels the
    sending (an anyio cancellation, so the stream's shielded cleanup still records it).

    Starlette runs the two in an anyio task group, which cost some 120 us of CPU per stream;
    here the body is sent by the request's own task inside a cancel scope, and the watcher
    is one plain task that cancels the scope. A body's ``Last`` bytes end it."""

    async def stream_response(self, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        last = False
        async for chunk in self.body_iterator:
            last = type(chunk) is Last
            await send({"type": "http.response.body", "body": chunk, "more_body": not last})
        if not last:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec = scope.get("asgi", {}).get("spec_version", "2.0")
        if scope["type"] != "http" or tuple(map(int, spec.split("."))) >= (2, 4):
            await super().__call__(scope, receive, send)
            return
        with anyio.CancelScope() as sending:

            async def watch() -> None:
                await self.listen_for_disconnect(receive)
                sending.cancel()

            watcher = asyncio.ensure_future(watch())
            try:
                await self.stream_response(send)
            finally:
                watcher.cancel()
        if self.background is not None:
            await self.background()
