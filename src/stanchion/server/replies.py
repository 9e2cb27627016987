"""The pipeline's answer in the Responses and Anthropic Messages shapes: the JSON body and
the server-sent events each SDK expects. The text is what the pipeline let through (after
the output guards), never the raw upstream text.

A stream's tool calls arrive as OpenAI chat deltas (``{"index", "id", "function":
{"name", "arguments"}}``); each writer turns them into its own shape's events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import Usage
from stanchion.server.sse import extension
from stanchion.server.translate import arguments_object, stop_reason

Call = tuple[str, str, str]  # id, name, arguments


@dataclass(slots=True)
class Answer:
    """What the caller gets: text, tool calls, why the model stopped, tokens."""

    text: str = ""
    calls: list[Call] = field(default_factory=list)
    finish: str = "stop"
    usage: Usage = field(default_factory=Usage)


def answer_of(ex: Exchange, calls: list[Call]) -> Answer:
    comp = ex.completion
    finish = comp.finish_reason if comp and ex.decision in ("pass", "redact") else "stop"
    return Answer(ex.response_text, calls, finish, comp.usage if comp else Usage())


# -- Responses ----------------------------------------------------------------------------


def _response_usage(u: Usage) -> dict[str, Any]:
    return {
        "input_tokens": u.prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": u.total_tokens,
    }


def _message_item(ex: Exchange, text: str, status: str = "completed") -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": []}] if status else []
    return {
        "type": "message",
        "id": f"msg_{ex.id}",
        "status": status or "in_progress",
        "role": "assistant",
        "content": content,
    }


def _call_item(call: Call, arguments: str | None = None, status: str = "completed") -> Any:
    call_id, name, args = call
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": args if arguments is None else arguments,
        "status": status,
    }


def response_json(
    ex: Exchange, model: str, created: int, echo: dict[str, Any], answer: Answer | None
) -> dict[str, Any]:
    """The Responses object; ``answer`` None while it is still in progress."""
    output: list[Any] = []
    if answer is not None:
        if answer.text or not answer.calls:
            output.append(_message_item(ex, answer.text))
        output.extend(_call_item(c) for c in answer.calls)
    done = answer is not None
    incomplete = done and answer is not None and answer.finish == "length"
    return {
        "id": f"resp_{ex.id}",
        "object": "response",
        "created_at": created,
        "status": ("incomplete" if incomplete else "completed") if done else "in_progress",
        "model": model,
        "output": output,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "usage": _response_usage(answer.usage) if answer is not None else None,
        **echo,
        "stanchion": extension(ex),
    }


class ResponseEvents:
    """The Responses stream: created, in_progress, output items with their deltas, completed
    (or failed, with the error, when the output policy stops the answer)."""

    def __init__(self, ex: Exchange, model: str, created: int, echo: dict[str, Any]) -> None:
        self.ex, self.model, self.created, self.echo = ex, model, created, echo
        self.seq = 0
        self.items: list[str] = []  # output item kinds in order: "message" or a call id
        self.text: list[str] = []
        self.calls: dict[int, list[str]] = {}  # delta index -> [id, name, arguments]

    def _event(self, kind: str, **data: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self.seq, **data}
        self.seq += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"

    def _response(self, answer: Answer | None) -> dict[str, Any]:
        return response_json(self.ex, self.model, self.created, self.echo, answer)

    def start(self) -> bytes:
        head = self._response(None)
        return self._event("response.created", response=head) + self._event(
            "response.in_progress", response=head
        )

    def delta(self, text: str) -> bytes:
        out = b""
        if "message" not in self.items:
            self.items.append("message")
            index = len(self.items) - 1
            out += self._event(
                "response.output_item.added",
                output_index=index,
                item=_message_item(self.ex, "", status=""),
            )
            part = {"type": "output_text", "text": "", "annotations": []}
            out += self._event(
                "response.content_part.added",
                item_id=f"msg_{self.ex.id}",
                output_index=index,
                content_index=0,
                part=part,
            )
        self.text.append(text)
        return out + self._event(
            "response.output_text.delta",
            item_id=f"msg_{self.ex.id}",
            output_index=self.items.index("message"),
            content_index=0,
            delta=text,
            logprobs=[],
        )

    def tool_delta(self, delta: dict[str, Any]) -> bytes:
        index = int(delta.get("index") or 0)
        fn = delta.get("function") or {}
        out = b""
        if index not in self.calls:
            call = self.calls[index] = [str(delta.get("id") or ""), str(fn.get("name") or ""), ""]
            self.items.append(call[0])
            item = _call_item((call[0], call[1], ""), status="in_progress")
            out += self._event(
                "response.output_item.added", output_index=len(self.items) - 1, item=item
            )
        call = self.calls[index]
        piece = str(fn.get("arguments") or "")
        if not piece:
            return out
        call[2] += piece
        return out + self._event(
            "response.function_call_arguments.delta",
            item_id=f"fc_{call[0]}",
            output_index=self.items.index(call[0]),
            delta=piece,
        )

    def _close_items(self) -> bytes:
        out = b""
        text = "".join(self.text)
        for index, kind in enumerate(self.items):
            if kind == "message":
                ids = {"item_id": f"msg_{self.ex.id}", "output_index": index, "content_index": 0}
                part = {"type": "output_text", "text": text, "annotations": []}
                out += self._event("response.output_text.done", **ids, text=text, logprobs=[])
                out += self._event("response.content_part.done", **ids, part=part)
                item = _message_item(self.ex, text)
            else:
                call = next(c for c in self.calls.values() if c[0] == kind)
                out += self._event(
                    "response.function_call_arguments.done",
                    item_id=f"fc_{call[0]}",
                    output_index=index,
                    arguments=call[2],
                )
                item = _call_item((call[0], call[1], call[2]))
            out += self._event("response.output_item.done", output_index=index, item=item)
        return out

    def finish(self, reason: str, usage: Usage) -> bytes:
        calls = [(c[0], c[1], c[2]) for c in self.calls.values()]
        answer = Answer("".join(self.text), calls, reason, usage)
        kind = "response.incomplete" if reason == "length" else "response.completed"
        return self._close_items() + self._event(kind, response=self._response(answer))

    def error(self, body: dict[str, Any]) -> bytes:
        err = body.get("error") or {}
        failed = {
            **self._response(Answer("".join(self.text))),
            "status": "failed",
            "error": {"code": err.get("code"), "message": err.get("message")},
        }
        return self._event("response.failed", response=failed)


# -- Anthropic Messages -------------------------------------------------------------------


def messages_json(ex: Exchange, model: str, answer: Answer) -> dict[str, Any]:
    content: list[Any] = []
    if answer.text or not answer.calls:
        content.append({"type": "text", "text": answer.text})
    content.extend(
        {"type": "tool_use", "id": cid, "name": name, "input": arguments_object(args)}
        for cid, name, args in answer.calls
    )
    return {
        "id": f"msg_{ex.id}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(answer.finish),
        "stop_sequence": None,
        "usage": {
            "input_tokens": answer.usage.prompt_tokens,
            "output_tokens": answer.usage.completion_tokens,
        },
        "stanchion": extension(ex),
    }


def anthropic_error(body: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's error JSON with Anthropic's ``"type": "error"`` beside it: both SDKs read it."""
    return {"type": "error", **body}


class MessageEvents:
    """Anthropic's stream: message_start, one content block per text run or tool call
    (text_delta / input_json_delta), message_delta with the stop reason, message_stop."""

    def __init__(self, ex: Exchange, model: str) -> None:
        self.ex, self.model = ex, model
        self.blocks = 0
        self.open: str | None = None  # "text" or the delta index of the open tool call
        self.tools: dict[int, int] = {}  # delta index -> block index

    @staticmethod
    def _event(kind: str, **data: Any) -> bytes:
        return (
            b"event: "
            + kind.encode()
            + b"\ndata: "
            + orjson.dumps({"type": kind, **data})
            + (b"\n\n")
        )

    def start(self) -> bytes:
        message: dict[str, Any] = {
            "id": f"msg_{self.ex.id}",
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return self._event("message_start", message=message)

    def _close(self) -> bytes:
        if self.open is None:
            return b""
        self.open = None
        return self._event("content_block_stop", index=self.blocks - 1)

    def _open(self, kind: str, block: dict[str, Any]) -> bytes:
        out = self._close()
        self.open, self.blocks = kind, self.blocks + 1
        return out + self._event("content_block_start", index=self.blocks - 1, content_block=block)

    def delta(self, text: str) -> bytes:
        out = b"" if self.open == "text" else self._open("text", {"type": "text", "text": ""})
        delta = {"type": "text_delta", "text": text}
        return out + self._event("content_block_delta", index=self.blocks - 1, delta=delta)

    def tool_delta(self, delta: dict[str, Any]) -> bytes:
        index = int(delta.get("index") or 0)
        fn = delta.get("function") or {}
        out = b""
        if index not in self.tools:
            block: dict[str, Any] = {
                "type": "tool_use",
                "id": delta.get("id"),
                "name": fn.get("name"),
                "input": {},
            }
            out += self._open(f"tool{index}", block)
            self.tools[index] = self.blocks - 1
        piece = str(fn.get("arguments") or "")
        if piece:
            part = {"type": "input_json_delta", "partial_json": piece}
            out += self._event("content_block_delta", index=self.tools[index], delta=part)
        return out

    def finish(self, reason: str, usage: Usage) -> bytes:
        out = b"" if self.blocks else self.delta("")
        out += self._close()
        delta = {"stop_reason": stop_reason(reason), "stop_sequence": None}
        usage_json = {"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens}
        out += self._event("message_delta", delta=delta, usage=usage_json)
        return out + self._event("message_stop")

    def error(self, body: dict[str, Any]) -> bytes:
        return self._event("error", error=body.get("error") or {})
