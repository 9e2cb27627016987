"""A real local model server for tests: OpenAI and Anthropic wire formats, streaming,
scripted errors and delays. It records what it was sent, so tests can check exactly what
left the gateway."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


def _calls(step: dict[str, Any]) -> list[dict[str, Any]]:
    """A step's ``tool_calls``: ``{"name", "arguments" (text or object), "id"?}`` each."""
    out = []
    for i, c in enumerate(step.get("tool_calls") or []):
        args = c.get("arguments", {})
        out.append(
            {
                "id": c.get("id", f"call_{i}"),
                "name": c["name"],
                "arguments": args if isinstance(args, str) else json.dumps(args),
            }
        )
    return out


def _pieces(text: str, size: int) -> list[str]:
    """Awkward fragments: every ``size`` characters, mid-key, mid-escape, mid-number."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class Upstream:
    """``script`` queues behaviours for the next calls: a dict with ``status``,
    ``retry_after``, ``delay``, ``content``, ``no_usage``, ``tool_calls`` (a list of
    ``{"name", "arguments", "id"?}``, answered with ``finish_reason: tool_calls`` / Anthropic
    ``tool_use`` blocks) and ``fragment`` (characters per streamed argument piece, default
    3), ``break_after`` (a stream sends that many words, then an event that is not JSON);
    when empty it echoes."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: deque[dict[str, Any]] = deque()
        self.default: dict[str, Any] = {}  # the behaviour when nothing is scripted
        self.port = 0
        self._server: uvicorn.Server | None = None

    def script(self, *steps: dict[str, Any]) -> None:
        self.queue.extend(steps)

    def reset(self) -> None:
        self.requests.clear()
        self.queue.clear()
        self.default = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _step(self) -> dict[str, Any]:
        return self.queue.popleft() if self.queue else self.default

    async def _prepare(
        self, request: Request
    ) -> tuple[dict[str, Any], dict[str, Any], Response | None]:
        body = await request.json()
        self.requests.append(
            {"path": request.url.path, "body": body, "headers": dict(request.headers)}
        )
        step = self._step()
        if step.get("delay"):
            await asyncio.sleep(step["delay"])
        if step.get("status"):
            headers = {"retry-after": str(step["retry_after"])} if "retry_after" in step else {}
            return (
                body,
                step,
                JSONResponse(
                    {"error": {"message": f"scripted {step['status']}", "type": "upstream"}},
                    status_code=step["status"],
                    headers=headers,
                ),
            )
        return body, step, None

    @staticmethod
    def _reply(body: dict[str, Any], step: dict[str, Any]) -> str:
        if "content" in step:
            return str(step["content"])
        msgs = body.get("messages") or []
        last = msgs[-1].get("content") if msgs else ""
        if isinstance(last, list):  # Anthropic blocks: the text and tool results it carries
            pieces = [b.get("text", b.get("content")) for b in last if isinstance(b, dict)]
            found = " ".join(p for p in pieces if isinstance(p, str))
            return f"echo: {found}" if found else "echo"
        return f"echo: {last}" if isinstance(last, str) else "echo"

    async def openai(self, request: Request) -> Response:
        body, step, failure = await self._prepare(request)
        if failure:
            return failure
        text = self._reply(body, step)
        calls = _calls(step)
        if calls and "content" not in step:
            text = ""
        usage = (
            None
            if step.get("no_usage")
            else {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
        )
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "up-1",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"] + "-2026",
                    "choices": [
                        {
                            "index": 0,
                            "message": step.get("message")
                            or {
                                "role": "assistant",
                                "content": text or None,
                                **(
                                    {
                                        "tool_calls": [
                                            {
                                                "id": c["id"],
                                                "type": "function",
                                                "function": {
                                                    "name": c["name"],
                                                    "arguments": c["arguments"],
                                                },
                                            }
                                            for c in calls
                                        ]
                                    }
                                    if calls
                                    else {}
                                ),
                            },
                            "finish_reason": "tool_calls" if calls else "stop",
                        }
                    ],
                    **({"usage": usage} if usage else {}),
                }
            )
        return StreamingResponse(
            self._openai_events(body, text, usage, step), media_type="text/event-stream"
        )

    async def _openai_events(
        self, body: dict[str, Any], text: str, usage: Any, step: dict[str, Any]
    ) -> Any:
        head = {
            "id": "up-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": body["model"] + "-2026",
        }
        words = text.split(" ") if text else []
        for i, w in enumerate(words):
            piece = w if i == 0 else " " + w
            yield (
                "data: "
                + json.dumps(
                    {
                        **head,
                        "choices": [
                            {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                        ],
                    }
                )
                + "\n\n"
            )
            if step.get("chunk_delay"):
                await asyncio.sleep(step["chunk_delay"])
            if i + 1 == step.get("break_after"):  # an upstream that fails mid-stream
                yield "data: {not json\n\n"
                return
        calls = _calls(step)
        for delta in _openai_call_deltas(calls, int(step.get("fragment", 3))):
            choice = {"index": 0, "delta": {"tool_calls": [delta]}, "finish_reason": None}
            yield "data: " + json.dumps({**head, "choices": [choice]}) + "\n\n"
        finish = "tool_calls" if calls else "stop"
        yield (
            "data: "
            + json.dumps({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
            + "\n\n"
        )
        if usage and (body.get("stream_options") or {}).get("include_usage"):
            yield "data: " + json.dumps({**head, "choices": [], "usage": usage}) + "\n\n"
        yield "data: [DONE]\n\n"

    async def anthropic(self, request: Request) -> Response:
        body, step, failure = await self._prepare(request)
        if failure:
            return failure
        text = self._reply(body, step)
        calls = _calls(step)
        if calls and "content" not in step:
            text = ""
        if not body.get("stream"):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            blocks += [
                {
                    "type": "tool_use",
                    "id": c["id"],
                    "name": c["name"],
                    "input": json.loads(c["arguments"]),
                }
                for c in calls
            ]
            return JSONResponse(
                {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": body["model"],
                    "content": blocks,
                    "stop_reason": "tool_use" if calls else "end_turn",
                    "usage": {"input_tokens": 13, "output_tokens": 5},
                }
            )
        return StreamingResponse(
            self._anthropic_events(body, text, calls, int(step.get("fragment", 3))),
            media_type="text/event-stream",
        )

    async def _anthropic_events(
        self, body: dict[str, Any], text: str, calls: list[dict[str, Any]], size: int = 3
    ) -> Any:
        def ev(kind: str, data: dict[str, Any]) -> str:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"

        yield ev(
            "message_start",
            {
                "message": {
                    "id": "msg_1",
                    "model": body["model"],
                    "usage": {"input_tokens": 13, "output_tokens": 0},
                }
            },
        )
        index = 0
        if text or not calls:
            yield ev(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            )
            for i, w in enumerate(text.split(" ")):
                yield ev(
                    "content_block_delta",
                    {"index": 0, "delta": {"type": "text_delta", "text": w if i == 0 else " " + w}},
                )
            yield ev("content_block_stop", {"index": 0})
            index = 1
        for c in calls:
            block = {"type": "tool_use", "id": c["id"], "name": c["name"], "input": {}}
            yield ev("content_block_start", {"index": index, "content_block": block})
            for piece in _pieces(json.dumps(json.loads(c["arguments"])), size):
                delta = {"type": "input_json_delta", "partial_json": piece}
                yield ev("content_block_delta", {"index": index, "delta": delta})
            yield ev("content_block_stop", {"index": index})
            index += 1
        stop = "tool_use" if calls else "end_turn"
        yield ev("message_delta", {"delta": {"stop_reason": stop}, "usage": {"output_tokens": 5}})
        yield ev("message_stop", {})

    async def embeddings(self, request: Request) -> Response:
        """OpenAI's embeddings: a deterministic vector per input (``dimensions`` long, 8 by
        default), so a test can tell which text produced which vector."""
        body, step, failure = await self._prepare(request)
        if failure:
            return failure
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        size = int(body.get("dimensions") or 8)
        data = [
            {"object": "embedding", "index": i, "embedding": fake_vector(str(t), size)}
            for i, t in enumerate(texts)
        ]
        tokens = sum(len(str(t).split()) for t in texts)
        usage = {} if step.get("no_usage") else {"prompt_tokens": tokens, "total_tokens": tokens}
        return JSONResponse(
            {"object": "list", "data": data, "model": body["model"] + "-2026", "usage": usage}
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self.openai, methods=["POST"]),
                Route("/v1/messages", self.anthropic, methods=["POST"]),
                Route("/v1/embeddings", self.embeddings, methods=["POST"]),
            ]
        )

    def start(self, **options: Any) -> None:
        self._server, self.port = serve_in_thread(self.app(), **options)

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


def _openai_call_deltas(calls: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """OpenAI's streamed shape: per call a head (index, id, name, empty arguments), then
    argument pieces carrying only the index."""
    out: list[dict[str, Any]] = []
    for i, c in enumerate(calls):
        head = {"name": c["name"], "arguments": ""}
        out.append({"index": i, "id": c["id"], "type": "function", "function": head})
        out += [{"index": i, "function": {"arguments": p}} for p in _pieces(c["arguments"], size)]
    return out


def fake_vector(text: str, size: int) -> list[float]:
    """The upstream's vector for ``text``: its first value is the text's length."""
    return [float(len(text))] + [((hash(text) >> i) % 7) / 7.0 for i in range(size - 1)]


def serve_in_thread(app: Any, port: int = 0, **options: Any) -> tuple[uvicorn.Server, int]:
    """Run an ASGI app on a real socket in a daemon thread; returns the server and its port.
    ``options`` go to ``uvicorn.Config`` (TLS, proxy headers)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=5,
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    # the app's start-up (documents indexed, guard engine built) takes a second alone and
    # far more on a shared, loaded machine: the deadline only bounds a hang, a start-up that
    # failed ends the thread and is reported at once
    deadline = time.time() + 60
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("test server did not start: its thread ended")
        if time.time() > deadline:
            raise RuntimeError("test server did not start within 60 s")
        time.sleep(0.01)
    server.thread = thread  # type: ignore[attr-defined]
    return server, port


def tool_call_deltas(step: dict[str, Any], size: int | None = None) -> list[dict[str, Any]]:
    """A step's ``tool_calls`` streamed as OpenAI streams them (``_openai_call_deltas``), by
    default each call's arguments in two pieces split mid-token."""
    calls = _calls(step)
    longest = max((len(c["arguments"]) for c in calls), default=2)
    return _openai_call_deltas(calls, size or -(-longest // 2))
