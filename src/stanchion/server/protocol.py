"""The HTTP protocol ``stanchion serve`` runs: uvicorn's httptools protocol with a limit on
the request head (request line and headers).

httptools has no such limit: it gathers a header of any size in memory before uvicorn sees
it, so without this an 8 MB ``Authorization`` header is read, held and passed to the app.
Here the bytes of each head are counted as they arrive and the parser is never fed past
``MAX_HEAD_BYTES``: a longer head is answered ``431`` in OpenAI's error shape and the
connection is closed. (uvicorn's h11 protocol has its own limit,
``h11_max_incomplete_event_size``, which ``serve`` sets to the same figure.)

Two savings per request on the way: what a response writes in one turn of the event loop
leaves in one send (uvicorn writes a JSON answer's head and body apart, and a stream's every
event: a system call and a TCP segment each), sent as soon as the response's last message
is written, and a request whose body was whole before the
app ran is marked in its scope (``BODY_IN``) so that ``server/http.py: read_body`` takes it
in one receive, without arming a timeout.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from stanchion.server.http import BODY_IN

MAX_HEAD_BYTES = 32 * 1024
HEAD_TOO_LARGE = f"the request line and headers are over {MAX_HEAD_BYTES} bytes"


def _refusal() -> bytes:
    body = orjson.dumps(
        {
            "error": {
                "message": HEAD_TOO_LARGE,
                "type": "invalid_request_error",
                "param": None,
                "code": "headers_too_large",
            }
        }
    )
    head = (
        "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


REFUSAL = _refusal()


class JoinedWrites:
    """A connection's transport as a response cycle sees it: what is written in one turn of
    the event loop leaves in one send at its end (a JSON answer's head and body; a
    stream's closing events). Nothing waits past the turn it was written in."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._held: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._held is None:
            self._held = [data]
            self._loop.call_soon(self.flush)
        else:
            self._held.append(data)

    def flush(self) -> None:
        held, self._held = self._held, None
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that refuses a request head over ``max_head`` bytes."""

    max_head = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._heads = 0
        self._joined: JoinedWrites | None = None

    def data_received(self, data: bytes) -> None:
        while self._in_head and self._head_bytes + len(data) > self.max_head:
            # Feed only what the limit allows: if the head ends inside it, go on with the
            # rest (body, or the next head pipelined in the same read, which is bounded in
            # turn); if not, refuse without ever buffering the remainder.
            budget, heads = self.max_head - self._head_bytes, self._heads
            self._head_bytes = self.max_head
            super().data_received(data[:budget])
            if self._heads == heads or self.transport.is_closing():
                self._refuse()
                return
            data = data[budget:]
        if self._in_head:
            self._head_bytes += len(data)
        if data:
            super().data_received(data)

    def _flush(self) -> None:
        """What a response wrote this turn, before the protocol writes or closes itself."""
        if self._joined is not None:
            self._joined.flush()

    def on_response_complete(self) -> None:
        # The last body message was just written: it leaves now, not at the end of the
        # turn, after the rest of its task (the middleware unwinding, the work deferred
        # past the answer).
        self._flush()
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        self._flush()
        super().send_400_response(msg)

    def shutdown(self) -> None:
        self._flush()
        super().shutdown()

    def _refuse(self) -> None:
        self._flush()
        if not self.transport.is_closing():
            self.logger.warning("refused a request head over %d bytes", self.max_head)
            self._write_refusal()

    def _write_refusal(self) -> None:
        """The 431 for a head over the limit, and the connection closed."""
        self.transport.write(REFUSAL)
        self.transport.close()

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        self._heads += 1
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.transport is self.transport:
            if self._joined is None:
                self._joined = JoinedWrites(self.transport, self.loop)
            cycle.transport = self._joined  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        self._in_head = True
        super().on_message_complete()
        cycle = self.cycle
        # read_body looks once, as it starts: an app already reading goes on as it was
        if cycle is not None and not cycle.more_body and not cycle.response_complete:
            cycle.scope[BODY_IN] = True  # type: ignore[literal-required]
