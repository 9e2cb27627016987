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


class Upstream:
    """``script`` queues behaviours for the next calls: a dict with ``status``,
    ``retry_after``, ``delay``, ``content``, ``no_usage``; when empty it echoes."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: deque[dict[str, Any]] = deque()
        self.delay = 0.0  # seconds every unscripted call takes (a slow model)
        self.port = 0
        self._server: uvicorn.Server | None = None

    def script(self, *steps: dict[str, Any]) -> None:
        self.queue.extend(steps)

    def reset(self) -> None:
        self.requests.clear()
        self.queue.clear()
        self.delay = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _step(self) -> dict[str, Any]:
        if self.queue:
            return self.queue.popleft()
        return {"delay": self.delay} if self.delay else {}

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
        return f"echo: {last}" if isinstance(last, str) else "echo"

    async def openai(self, request: Request) -> Response:
        body, step, failure = await self._prepare(request)
        if failure:
            return failure
        text = self._reply(body, step)
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
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
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
        words = text.split(" ")
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
        yield (
            "data: "
            + json.dumps({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
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
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": body["model"],
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": "end_turn",
                    "usage": {"input_tokens": 13, "output_tokens": 5},
                }
            )
        return StreamingResponse(self._anthropic_events(body, text), media_type="text/event-stream")

    async def _anthropic_events(self, body: dict[str, Any], text: str) -> Any:
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
        yield ev("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        for i, w in enumerate(text.split(" ")):
            yield ev(
                "content_block_delta",
                {"index": 0, "delta": {"type": "text_delta", "text": w if i == 0 else " " + w}},
            )
        yield ev("content_block_stop", {"index": 0})
        yield ev(
            "message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}}
        )
        yield ev("message_stop", {})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self.openai, methods=["POST"]),
                Route("/v1/messages", self.anthropic, methods=["POST"]),
            ]
        )

    def start(self) -> None:
        self._server, self.port = serve_in_thread(self.app())

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


def serve_in_thread(app: Any, port: int = 0) -> tuple[uvicorn.Server, int]:
    """Run an ASGI app on a real socket in a daemon thread; returns the server and its port."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", access_log=False, timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    server.thread = thread  # type: ignore[attr-defined]
    return server, port
