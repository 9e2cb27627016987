"""A fast local OpenAI-shaped model for load tests: one asyncio protocol, no framework.

    python bench/harness/upstream.py --port 18080 [--delay-ms 0]

``POST .../chat/completions`` answers a fixed completion (JSON, or server-sent events when
the body says ``"stream": true``) with usage; ``GET .../models`` and ``/health`` answer too.
It parses only what it needs (the request line, Content-Length, keep-alive), so it costs a
small share of what a gateway in front of it does. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any, ClassVar

ANSWER = (
    "Card refunds are issued within 5 business days of the return being received at our "
    "warehouse; the bank may take a few more days to show it."
)
USAGE = {"prompt_tokens": 60, "completion_tokens": 30, "total_tokens": 90}


def _completion(model: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": ANSWER},
                    "finish_reason": "stop",
                }
            ],
            "usage": USAGE,
        }
    ).encode()


def _events(model: str) -> bytes:
    head = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1, "model": model}
    out = []
    words = ANSWER.split(" ")
    for i in range(0, len(words), 4):
        piece = (" " if i else "") + " ".join(words[i : i + 4])
        delta = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
        out.append({**head, "choices": [delta]})
    out.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    out.append({**head, "choices": [], "usage": USAGE})
    body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in out)
    return body + b"data: [DONE]\n\n"


class Mock(asyncio.Protocol):
    delay = 0.0
    cache: ClassVar[dict[tuple[str, bool], bytes]] = {}

    def connection_made(self, transport: Any) -> None:
        self.transport, self.buf = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            body, self.buf = self.buf[end + 4 : end + 4 + length], self.buf[end + 4 + length :]
            self._answer(head.split(" ", 2)[1], body)

    def _answer(self, path: str, body: bytes) -> None:
        if path.endswith("/chat/completions"):
            stream = b'"stream": true' in body or b'"stream":true' in body
            model = "mock-gpt"
            key = (model, stream)
            if key not in self.cache:
                self.cache[key] = _events(model) if stream else _completion(model)
            kind = "text/event-stream" if stream else "application/json"
            reply = self._reply(200, kind, self.cache[key])
        elif path.endswith("/models") or path == "/health":
            reply = self._reply(200, "application/json", b'{"object":"list","data":[]}')
        else:
            reply = self._reply(404, "application/json", b'{"error":{"message":"no route"}}')
        if self.delay:
            asyncio.get_running_loop().call_later(self.delay, self._send, reply)
        else:
            self._send(reply)

    def _send(self, reply: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(reply)

    @staticmethod
    def _reply(status: int, kind: str, body: bytes) -> bytes:
        return (
            f"HTTP/1.1 {status} OK\r\ncontent-type: {kind}\r\ncontent-length: {len(body)}\r\n"
            "connection: keep-alive\r\n\r\n"
        ).encode() + body


async def serve(port: int, delay_ms: float = 0.0) -> None:
    Mock.delay = delay_ms / 1000
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Mock, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--delay-ms", type=float, default=0.0, help="time to the answer")
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.port, args.delay_ms))


if __name__ == "__main__":
    main()
