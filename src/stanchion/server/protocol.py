"""The HTTP protocol ``stanchion serve`` runs: uvicorn's httptools protocol with a limit on
the request head (request line and headers).

httptools has no such limit: it gathers a header of any size in memory before uvicorn sees
it, so without this an 8 MB ``Authorization`` header is read, held and passed to the app.
Here the bytes of each head are counted as they arrive and the parser is never fed past
``MAX_HEAD_BYTES``: a longer head is answered ``431`` in OpenAI's error shape and the
connection is closed. (uvicorn's h11 protocol has its own limit,
``h11_max_incomplete_event_size``, which ``serve`` sets to the same figure.)
"""

from __future__ import annotations

from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 32 * 1024


def _refusal() -> bytes:
    body = orjson.dumps(
        {
            "error": {
                "message": f"the request line and headers are over {MAX_HEAD_BYTES} bytes",
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


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that refuses a request head over ``max_head`` bytes."""

    max_head = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._heads = 0

    def data_received(self, data: bytes) -> None:
        if self._in_head and self._head_bytes + len(data) > self.max_head:
            # Feed only what the limit allows: if the head ends inside it, go on as usual
            # (the rest is body); if not, refuse without ever buffering the remainder.
            budget, heads = self.max_head - self._head_bytes, self._heads
            self._head_bytes = self.max_head
            super().data_received(data[:budget])
            if self._heads == heads or self.transport.is_closing():
                self._refuse()
                return
            data = data[budget:]
        elif self._in_head:
            self._head_bytes += len(data)
        if data:
            super().data_received(data)

    def _refuse(self) -> None:
        if not self.transport.is_closing():
            self.logger.warning("refused a request head over %d bytes", self.max_head)
            self.transport.write(REFUSAL)
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        self._heads += 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head = True
        super().on_message_complete()
