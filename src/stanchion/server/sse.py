"""OpenAI's chat-completion shapes: the JSON answer and the server-sent event chunks."""

from __future__ import annotations

from typing import Any

import orjson

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


def completion_json(ex: Exchange, model: str, created: int) -> dict[str, Any]:
    comp = ex.completion
    return {
        "id": f"chatcmpl-{ex.id}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": ex.response_text, "refusal": None},
                "finish_reason": comp.finish_reason if comp and ex.decision == "pass" else "stop",
                "logprobs": None,
            }
        ],
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
        delta: dict[str, Any] = {"content": content}
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
