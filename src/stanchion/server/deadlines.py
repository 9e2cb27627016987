"""Bounds on how long a client may take to send a request, and the errors the server's
protocol writes itself, in OpenAI's shape with the trace id header.

uvicorn's httptools protocol has one timer, the keep-alive one, armed only between
requests and cancelled by any byte that arrives; so a client that connects and sends
nothing, or sends a head a byte at a time (slowloris), or a body slower than it declared
after its answer was written (an early 429, a 401: the body is then only dropped as it
comes), holds its connection and its buffers for as long as it likes. Here:

- **the head** (request line and headers) must arrive within ``head_timeout`` of the
  connection being made or of the head's first byte: else a ``408`` and the connection
  is closed. A head that waits because this connection's previous request is still being
  answered (pipelining: reading is paused then) is not the client's delay and waits on;
- **the body** must arrive within ``body_timeout`` of its head (the
  ``body_timeout_seconds`` setting, as the app's own ``read_body`` bound): else, when
  nothing was answered yet, a ``408``; when the answer was already written (the body
  dropped as it comes), the connection is closed.

The timer is armed only when a head or a body is left unfinished by what arrived, so a
request that comes whole in one read arms none. The bounds come from the app's lifespan
state (``DEADLINES``), set from the settings; without it, the defaults.

A head of more than ``MAX_HEADER_FIELDS`` fields is refused ``431`` too, as one over the
byte limit is: 32 KB holds thousands of tiny fields, and every header look-up of the app
walks them all.

Every error the protocol writes (these, the early refusal, a request httptools cannot
parse, a head over either limit) is ``error_response``'s, with the server's default
headers, so it is the same JSON and carries the trace id header as the app's errors do.

**Answers owed before a refusal.** A request refused by the parser (garbage, a head over a
limit) after requests of the same connection that are still being answered (pipelined) is
answered after them, in order, and the connection is closed then: uvicorn writes the
parser's 400 at once and closes, so the answers before it were lost. Nothing after the
refused bytes is read. The wait is bounded by the body deadline: past it the refusal is
written and the connection closed, or, when an answer is half written, the connection is
only closed (the app sees its client gone).

**A client that half-closes** (``shutdown(SHUT_WR)`` after its request, as HTTP/1.0 style
clients do) still gets the answers to the requests it sent whole, as HTTP/1.1's connection
tear-down text asks since httpwg/http-core#431 (RFC 9112, section 9.6: a half-close alone
does not mean the client has lost interest in the response). uvicorn (encode/uvicorn#1264)
and Go's net/http (golang/go#18527) treat the end of input as the client gone. Here the
connection is closed after the last answer owed. An end of input with nothing whole to
answer (between requests, or inside a head or a body) is still the client gone: the
connection is closed and the work for it stops. A client gone for good after its half-close
is found when a write to it fails (a stream's next event), which cancels the stream.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, RequestResponseCycle

from stanchion.errors import ApiError, BadRequest, RequestTimeout
from stanchion.server.http import error_response
from stanchion.server.protocol import HEAD_TOO_LARGE, BoundedHttpToolsProtocol

HEAD_TIMEOUT = 10.0
MAX_HEADER_FIELDS = 100  # Apache's LimitRequestFields; a browser sends 10-20
BODY_TIMEOUT = 10.0
DEADLINES = "deadlines"  # lifespan state: {"head": seconds, "body": seconds}
IDLE, HEAD, BODY, HELD = 0, 1, 2, 3  # HELD: a refusal waits for the answers before it


class HeadersTooLarge(ApiError):
    status, type, code = 431, "invalid_request_error", "headers_too_large"


def wire_error(
    protocol: BoundedHttpToolsProtocol,
    err: ApiError,
    cycle: RequestResponseCycle | None = None,
    close: bool = True,
) -> None:
    """Write ``err`` as a complete response on ``protocol``'s transport, in one write; the
    connection is closed after it when ``close`` (or the request asked for it)."""
    response = error_response(err)
    keep = not close and cycle is not None and cycle.keep_alive
    head = [STATUS_LINE[response.status_code]]
    headers = [*protocol.server_state.default_headers, *response.raw_headers]
    hsts = protocol.app_state.get("hsts")
    if hsts and protocol.scheme == "https":  # direct TLS; the Hsts middleware never sees it
        headers.append((b"strict-transport-security", hsts))
    for name, value in headers:
        if name != b"connection":
            head += [name, b": ", value, b"\r\n"]
    if not keep:
        head.append(b"connection: close\r\n")
    head.append(b"\r\n")
    transport = protocol.transport
    # what a response wrote this turn first: a refusal written straight to the transport
    # went out before the answer it was pipelined behind (JoinedWrites holds it to the
    # turn's end), and a client matching answers to requests in order got them crossed
    protocol._flush()
    if not transport.is_closing():
        transport.write(b"".join(head) + response.body)
        if not keep:
            transport.close()


class _TooManyFields(Exception):
    """Raised in the parser's callback: httptools stops and reports a parse error, which
    ``send_400_response`` answers with the refusal it was given."""


class DeadlineProtocol(BoundedHttpToolsProtocol):
    """``BoundedHttpToolsProtocol`` with the head and body deadlines, and its own errors
    in OpenAI's shape."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase = IDLE
        self._timer: asyncio.TimerHandle | None = None
        self._timer_phase = IDLE
        self._refusal: ApiError | None = None
        self._held: ApiError | None = None  # a refusal owed after the answers before it
        self._last: RequestResponseCycle | None = None  # the last answer it waits for
        self._previous: RequestResponseCycle | None = None  # the cycle before self.cycle
        bounds = self.app_state.get(DEADLINES) or {}
        self.head_timeout = float(bounds.get("head", HEAD_TIMEOUT))
        self.body_timeout = float(bounds.get("body", BODY_TIMEOUT))

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._phase = HEAD  # a connection that sends nothing is a head that never came
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._held is not None:
            return  # nothing after a refused request is read
        super().data_received(data)
        if self._phase != self._timer_phase:
            self._arm() if self._phase != IDLE else self._disarm()

    def eof_received(self) -> bool | None:  # type: ignore[override]
        """The client's end of input (a half-close): the requests it sent whole are answered
        and the connection closed after the last (True keeps the transport open to write);
        with nothing whole to answer the client is gone (None: the transport closes)."""
        if self._held is not None:
            return True
        cycle = self.cycle
        if self._phase != IDLE or cycle is None or cycle.response_complete:
            return None
        cycle.keep_alive = False  # the newest request's answer is the last one owed
        return True

    def on_message_begin(self) -> None:
        self._phase = HEAD
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        if len(self.headers) > MAX_HEADER_FIELDS:
            self.logger.warning("refused a request head of %d fields", len(self.headers))
            message = f"the request has more than {MAX_HEADER_FIELDS} header fields"
            self._refusal = HeadersTooLarge(message)
            raise _TooManyFields
        self._phase = BODY
        if self._timer_phase == HEAD:  # this head's bound is met; a body's starts now
            self._disarm()
        self._previous = self.cycle
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._phase = IDLE
        if self._timer_phase == BODY:  # the next request pipelined in this read gets its own
            self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._phase = IDLE  # the connection is the WebSocket protocol's from here
        self._disarm()
        super().handle_websocket_upgrade()

    def _arm(self) -> None:
        self._disarm()
        if self.transport.is_closing():
            return
        delay = self.head_timeout if self._phase == HEAD else self.body_timeout
        self._timer = self.loop.call_later(delay, self._expire)
        self._timer_phase = self._phase

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_phase = IDLE

    def _expire(self) -> None:
        self._timer, phase = None, self._timer_phase
        self._timer_phase = IDLE
        cycle = self.cycle
        if self.transport.is_closing() or phase != self._phase:
            return
        if phase == HELD:
            self._give_up()
            return
        answering = cycle is not None and cycle.response_started and not cycle.response_complete
        if answering or (phase == HEAD and cycle is not None and not cycle.response_complete):
            # the previous answer is still being written (reading is paused meanwhile), or
            # this request's own answer is: the delay is not the client's; look again later
            self._arm()
            return
        self._flush()
        if phase == BODY and cycle is not None and cycle.response_started:
            self.logger.info("closed a connection whose request body did not arrive in time")
            self.transport.close()  # answered already; the body was only being dropped
            return
        what = "request headers" if phase == HEAD else "request body"
        self.logger.info("the %s did not arrive in time (408)", what)
        if cycle is not None and phase == BODY:  # the app, reading or not yet, is told
            cycle.response_started = cycle.response_complete = cycle.disconnected = True
            cycle.message_event.set()
        wire_error(self, RequestTimeout(f"the {what} did not arrive in time"))

    def send_400_response(self, msg: str) -> None:
        """A request httptools cannot parse (two lengths, a length and chunked, a bad chunk
        size...): 400 in OpenAI's shape, and the connection closed."""
        err = self._refusal or BadRequest(
            "the request is not valid HTTP/1.1 (a malformed request line, header or chunk,"
            " or a Content-Length that is repeated, negative or sent with Transfer-Encoding)",
            code="invalid_http_request",
        )
        self._refuse_in_turn(err)

    def _write_refusal(self) -> None:
        self._refuse_in_turn(HeadersTooLarge(HEAD_TOO_LARGE))

    def _refuse_in_turn(self, err: ApiError) -> None:
        """``err`` written now, or, when requests before the refused one are still being
        answered, held until the last of them is (within the body deadline)."""
        self._flush()
        self._disarm()
        last: RequestResponseCycle | None = self.cycle
        if last is not None and not last.response_complete and last.more_body:
            if not (self.pipeline and self.pipeline[0][0] is last):
                wire_error(self, err)  # the refused bytes are in the body being answered
                return
            self.pipeline.popleft()  # refused in its body before it started: never runs
            last = self._previous
        if last is None or last.response_complete:
            wire_error(self, err)
            return
        self._held, self._last, self._phase = err, last, HELD
        answered = last.on_response  # the protocol's on_response_complete

        def then_refuse() -> None:
            answered()
            if self._last is last:
                self._last = None
                self._disarm()
                wire_error(self, err)

        last.on_response = then_refuse
        self._arm()

    def _give_up(self) -> None:
        """The answers owed before a held refusal took longer than the body deadline: the
        refusal is written unless an answer is (or may be) half written, and the connection
        is closed; the app of the last answer is told its client is gone."""
        last, self._last = self._last, None
        self.logger.info("closed a connection whose answers before a refusal took too long")
        self._flush()
        if last is None or self._held is None:
            return
        last.disconnected = True  # its app is told (a stream stops), its writes dropped
        last.message_event.set()
        if self.pipeline or last.response_started:  # one before it may be the one writing
            self.transport.close()
        else:
            wire_error(self, self._held)
