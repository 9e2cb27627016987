"""How a worker takes connections and requests in under overload: the event loop and the
HTTP protocol ``stanchion serve`` runs.

**Accepting in batches.** The loop is uvloop, with new connections accepted in batches.

libuv (1.45 on, so every uvloop since 0.18) accepts one connection per turn of the loop and
waits for the next turn for the next one. Under overload a turn of the loop takes tens to
hundreds of milliseconds (every admitted request's step of work runs in it), so a flood of
new connections waits in the kernel's accept queue for seconds, before any gate could
refuse them: measured at 3x capacity, the accept queue held ~400 connections and a 429's
p99 was 4-7 s, all of it between the client's connect and the server's accept.

Here (``Loop``) the listening socket is watched by the loop's reader instead: each time it is
readable, up to ``ACCEPT_BATCH`` connections are accepted and handed to the same protocol
(TLS included) through ``connect_accepted_socket``, as asyncio's own loop does. Everything
else is uvloop's. Shutdown works as with uvloop's server: ``close()`` stops accepting, and
the socket is closed by whoever made it.

**Admitting with the head.** ``SheddingProtocol`` asks the gate (``Gate.admit_now``) as soon
as a chat request's head is parsed. A slot free: it is taken there (the gate's middleware
only gives it back). A refusal (draining; every slot taken and the queue full or the loop
late; the key's cap): the 429 (503) is written there and then and the body is dropped as it
arrives (within the body deadline, ``deadlines.py``, else the connection is closed); no
task is made, so the refusal does not wait behind the work already queued in the loop
(measured: once the accept queue was gone, that wait was a 429's p99), and the slots
counted are exact even when many heads arrive in one turn of the loop. Otherwise (it may
queue) the middleware decides as before. The refusal is the middleware's
(``error_response``, written by ``deadlines.wire_error``) with the server's default
headers. Requests pipelined behind a refused one are started (or refused) in turn by one
loop, not by nested calls. With the access log on, a request that waits for
``100-continue`` or a connection not reading its answers, it goes the usual way.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from collections.abc import Callable
from typing import Any

import uvloop
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from stanchion.errors import ApiError
from stanchion.server.deadlines import DeadlineProtocol, wire_error
from stanchion.server.gate import ADMITTED, GATED, header

log = logging.getLogger("stanchion.server")
ACCEPT_BATCH = 128  # per readiness: a turn of the loop never runs more connection set-ups
RETRY_AFTER_ERROR = 0.5  # out of descriptors: stop accepting this long (as asyncio does)
AGAIN = (BlockingIOError, InterruptedError)


class Listener:
    """The part of ``asyncio.Server`` uvicorn uses, over sockets the loop's reader drains."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sockets: list[socket.socket],
        factory: Callable[[], asyncio.BaseProtocol],
        backlog: int,
        tls: dict[str, Any],
        owned: bool = False,
    ) -> None:
        self.loop, self.factory, self.tls = loop, factory, tls
        self.sockets, self.owned = tuple(sockets), owned
        self.closed = self.reading = False
        self.connections: set[asyncio.Task[Any]] = set()
        for sock in sockets:
            sock.setblocking(False)
            sock.listen(backlog)
        self._read(True)

    def _read(self, on: bool) -> None:
        if on != self.reading and not (on and self.closed):
            self.reading = on
            for sock in self.sockets:
                if on:
                    self.loop.add_reader(sock.fileno(), self._accept, sock)
                else:
                    self.loop.remove_reader(sock.fileno())

    def close(self) -> None:
        """Stop accepting (the connections already made go on); the sockets this made
        itself are closed, the ones it was given are their maker's to close."""
        if not self.closed:
            self._read(False)
            self.closed = True
            if self.owned:
                for sock in self.sockets:
                    sock.close()

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self.loop

    def is_serving(self) -> bool:
        return not self.closed

    async def wait_closed(self) -> None:
        return None

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                conn, _ = sock.accept()
            except AGAIN:
                return
            except ConnectionAbortedError:
                continue  # the client gave up while it waited in the queue
            except OSError as exc:  # out of descriptors or memory: wait, then try again
                log.warning("cannot accept a connection (%s); pausing accepts", exc.strerror)
                self._read(False)
                self.loop.call_later(RETRY_AFTER_ERROR, self._read, True)
                return
            conn.setblocking(False)
            task = self.loop.create_task(self._connect(conn))
            self.connections.add(task)
            task.add_done_callback(self.connections.discard)

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(self.factory, conn, **self.tls)
        except (TimeoutError, OSError) as exc:  # a TLS handshake that failed or stalled
            log.debug("connection dropped while being set up: %r", exc)
            conn.close()


def bind(host: str, port: int) -> list[socket.socket]:
    """A socket per address ``host`` names (as ``loop.create_server`` binds them)."""
    out: list[socket.socket] = []
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    for family, kind, proto, _, address in dict.fromkeys(infos):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
        except OSError:
            sock.close()
            for s in out:
                s.close()
            raise
        out.append(sock)
    return out


class Loop(uvloop.Loop):
    """uvloop whose TCP servers accept in batches (``Listener``)."""

    async def create_server(  # type: ignore[override]
        self,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        host: str | None = None,
        port: int | None = None,
        *,
        sock: socket.socket | None = None,
        backlog: int = 100,
        ssl: Any = None,
        ssl_handshake_timeout: float | None = None,
        start_serving: bool = True,
        **kw: Any,
    ) -> Any:
        tcp = sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6)
        if not start_serving or kw or not (tcp or (sock is None and host and port is not None)):
            usual: Any = super().create_server  # a Unix socket, or what uvicorn never asks
            return await usual(
                protocol_factory, host, port, sock=sock, backlog=backlog, ssl=ssl,
                ssl_handshake_timeout=ssl_handshake_timeout, start_serving=start_serving, **kw,
            )  # fmt: skip
        sockets = [sock] if sock is not None else bind(str(host), int(port or 0))
        tls: dict[str, Any] = {}
        if ssl is not None:
            tls = {"ssl": ssl, "ssl_handshake_timeout": ssl_handshake_timeout}
        return Listener(self, sockets, protocol_factory, backlog, tls, owned=sock is None)


def new_loop() -> asyncio.AbstractEventLoop:
    """The loop factory ``serve`` names to uvicorn (``loop="stanchion.server.intake:new_loop"``)."""
    return Loop()


class SheddingProtocol(DeadlineProtocol):
    """The bounded httptools protocol with deadlines (``deadlines.py``), and the gate's
    sure refusals answered in it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._starting = False
        self._next: deque[tuple[RequestResponseCycle, Any]] = deque()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        # A refusal's ``on_response`` starts the next pipelined request, whose refusal
        # starts the next...: taken in turn by one loop here, not by a deeper call each
        # (a thousand small requests pipelined behind a busy one overflowed the stack).
        self._next.append((cycle, app))
        if self._starting:
            return
        self._starting = True
        try:
            while self._next:
                self._start_one(*self._next.popleft())
        finally:
            self._starting = False

    def _start_one(self, cycle: RequestResponseCycle, app: Any) -> None:
        gate = self.app_state.get("gate")
        if (
            gate is not None
            and cycle.scope["path"] in GATED
            and not (cycle.access_log or cycle.waiting_for_100_continue or self.flow.write_paused)
        ):
            got = gate.admit_now(header(dict(cycle.scope), b"authorization"))
            if isinstance(got, ApiError):
                self._answer_now(cycle, got)
                return
            if got:
                cycle.scope["state"][ADMITTED] = True
        super()._start_asgi_task(cycle, app)

    def _answer_now(self, cycle: RequestResponseCycle, err: ApiError) -> None:
        """What ``cycle.send`` does for a complete response, in one write; the body is
        dropped as it arrives (within the body deadline)."""
        cycle.response_started = cycle.response_complete = True
        wire_error(self, err, cycle, close=False)
        cycle.message_event.set()
        cycle.on_response()
