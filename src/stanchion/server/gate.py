"""Admission control for one worker: a bounded number of chat requests in flight, a bounded
queue in front of them, and a fast refusal past it, before any of the request is read.

- up to ``limit`` requests run at once; the next ``max_queue`` wait (first come, first
  served) for at most ``queue_timeout`` seconds, while the loop keeps up (a queue in front
  of a saturated CPU only adds to every answer's latency); anything beyond gets a 429 with
  ``Retry-After`` at once, so a flood costs each refused caller a few hundred microseconds
  instead of a timeout, and the requests admitted keep their latency;
- optionally (``lag_target``; the spec's ``overload_lag_ms``) ``limit`` adapts (AIMD) to
  the event loop's lag: when the loop is late by more than ``lag_target`` (the worker's
  CPU is saturated) it halves (not below ``min_limit``), and it grows again while the loop
  keeps up; so one setting serves a slow upstream (many requests waiting cheaply) and a
  CPU-bound pipeline (few at a time);
- ``per_key`` caps one API key's requests in flight on this worker (429
  ``concurrency_limit_exceeded``); the key is the ``Authorization`` value, so the check
  needs no store read;
- a draining worker (its drain file exists: the pod's preStop hook made it) answers 503
  with ``Retry-After`` and reports not ready, while the requests it already took finish.

>>> g = Gate(limit=1, max_queue=0, queue_timeout=0.1)
>>> g.try_enter("k"), g.try_enter("k")
(True, False)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from stanchion.errors import ApiError, RateLimited, ServiceUnavailable
from stanchion.pipeline.after import deferred
from stanchion.server.http import error_response
from stanchion.telemetry.metrics import Metrics

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
GATED = frozenset({"/v1/chat/completions"})
TICK = 0.025
ADMITTED = "stanchion.admitted"  # in a request's state: its slot was taken with its head


class Gate:
    """The in-flight count, the queue and the adaptive limit of one worker."""

    def __init__(
        self,
        limit: int = 256,
        max_queue: int = 128,
        queue_timeout: float = 0.5,
        per_key: int | None = None,
        lag_target: float | None = 0.02,
        min_limit: int = 16,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.max_limit = self.limit = limit
        self.max_queue, self.queue_timeout, self.per_key = max_queue, queue_timeout, per_key
        self.lag_target, self.min_limit, self.clock = lag_target, min(min_limit, limit), clock
        self.in_flight = 0
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.keys: dict[str, int] = {}
        self.draining = False
        self.refused = 0
        self.lag = 0.0

    def try_enter(self, key: str) -> bool:
        """Take a slot now if one is free and the key is under its cap."""
        if self.per_key is not None and self.keys.get(key, 0) >= self.per_key:
            raise RateLimited(
                f"this key already has {self.per_key} requests in flight",
                code="concurrency_limit_exceeded",
                retry_after=1,
            )
        if self.in_flight >= self.limit or self.waiting:
            return False
        self._take(key)
        return True

    def _take(self, key: str) -> None:
        self.in_flight += 1
        if self.per_key is not None:
            self.keys[key] = self.keys.get(key, 0) + 1

    async def enter(self, key: str) -> None:
        """A slot for one request, or the error to answer it with."""
        try:
            await self._enter(key)
        except ApiError as err:
            self._count(err)
            raise

    def _count(self, err: ApiError) -> None:
        self.refused += 1
        if self.metrics is not None:
            self.metrics.inc("stanchion_admission_refused_total", (("code", str(err.code)),))

    def admit_now(self, key: str) -> ApiError | bool:
        """Admission decided as soon as a request's head is parsed, before any task runs for
        it (the server's protocol asks, ``intake.py``): True when a slot is taken for it
        (the middleware then only gives it back), the error to answer at once, or False
        when it may wait in the queue (the middleware's ``enter`` decides). So a flood past
        capacity costs the parse of a head, not a turn of the loop behind queued work."""
        try:
            return self._at_once(key)
        except ApiError as err:
            self._count(err)
            return err

    def _at_once(self, key: str) -> bool:
        """What can be decided without waiting: True when a slot is taken, False when the
        request may queue; the refusal is raised."""
        if self.draining:
            raise _draining()
        if self.try_enter(key):
            return True
        if len(self.waiting) >= self.max_queue or self.lagging:
            raise _overloaded()
        return False

    async def _enter(self, key: str) -> None:
        if self._at_once(key):
            return
        slot = asyncio.get_running_loop().create_future()
        self.waiting.append(slot)
        try:
            async with asyncio.timeout(self.queue_timeout):
                await slot
        except BaseException as exc:
            with contextlib.suppress(ValueError):
                self.waiting.remove(slot)
            if slot.done() and not slot.cancelled():  # granted just as the wait ended
                self.leave(key, taken=False)
            if isinstance(exc, TimeoutError):
                raise _overloaded() from None
            raise
        if self.per_key is not None:
            self.keys[key] = self.keys.get(key, 0) + 1

    @property
    def lagging(self) -> bool:
        """The loop is late: a queue would only add to every answer's latency."""
        return self.lag_target is not None and self.lag > self.lag_target

    def leave(self, key: str, taken: bool = True) -> None:
        """Give the slot back: to the first waiter when the limit allows, else free it."""
        if taken and self.per_key is not None:
            left = self.keys.get(key, 1) - 1
            if left:
                self.keys[key] = left
            else:
                self.keys.pop(key, None)
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self.waiting and self.in_flight < self.limit:
            slot = self.waiting.popleft()
            if not slot.done():
                self.in_flight += 1
                slot.set_result(None)

    def observe_lag(self, lag: float) -> None:
        """AIMD on the loop's lag: halve the limit when late, grow it (by an eighth) while
        the loop keeps up and the limit is what binds."""
        self.lag = lag
        if self.lag_target is None:
            return
        if lag > self.lag_target:
            self.limit = max(self.min_limit, min(self.limit, self.in_flight) // 2)
        elif self.limit < self.max_limit and (self.in_flight >= self.limit - 1 or self.waiting):
            self.limit = min(self.max_limit, self.limit + max(1, self.limit // 8))
            self._wake()

    async def watch(self, drain_file: str | None) -> None:
        """Measure the loop's lag every ``TICK`` and notice the drain file (runs until
        cancelled)."""
        n = 0
        while True:
            t0 = self.clock()
            await asyncio.sleep(TICK)
            self.observe_lag(max(self.clock() - t0 - TICK, 0.0))
            n += 1
            if self.metrics is not None and n % 8 == 0:
                self._publish(self.metrics)
            if drain_file and n % 20 == 0:
                self.draining = await asyncio.to_thread(Path(drain_file).exists)

    def _publish(self, m: Metrics) -> None:
        m.set_gauge("stanchion_admission_in_flight", self.in_flight)
        m.set_gauge("stanchion_admission_limit", self.limit)
        m.set_gauge("stanchion_admission_queued", len(self.waiting))
        m.set_gauge("stanchion_event_loop_lag_seconds", self.lag)


def _overloaded() -> ApiError:
    return RateLimited(
        "the gateway is at capacity; retry shortly", code="overloaded", retry_after=1
    )


def _draining() -> ApiError:
    return ServiceUnavailable(
        "this replica is draining; retry on another", code="draining", retry_after=1
    )


def header(scope: Scope, name: bytes) -> str:
    for k, v in scope.get("headers") or ():
        if k == name:
            return bytes(v).decode("latin-1")
    return ""


class GateMiddleware:
    """Pure ASGI: the slot is held until the response (a stream included) has been sent;
    then what the request deferred past its answer (``pipeline/after.py``) runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with deferred():  # what the answer does not wait for runs once it is sent
            await self._gated(scope, receive, send)

    async def _gated(self, scope: Scope, receive: Any, send: Any) -> None:
        gate: Gate | None = None
        if scope["path"] in GATED:
            gate = getattr(scope["app"].state, "gate", None)
        if gate is None:
            await self.app(scope, receive, send)
            return
        key = header(scope, b"authorization")
        if not scope.get("state", {}).get(ADMITTED):  # else admitted with its head
            try:
                await gate.enter(key)
            except ApiError as err:
                await error_response(err)(scope, receive, send)
                return
        try:
            await self.app(scope, receive, send)
        finally:
            gate.leave(key)


def build_gate(limits: Any, metrics: Metrics | None = None) -> Gate:
    """The gate the spec's ``limits`` describe (``spec.model.Limits``)."""
    lag = limits.overload_lag_ms
    return Gate(
        limit=limits.max_in_flight,
        max_queue=limits.max_queue,
        queue_timeout=limits.queue_timeout,
        per_key=limits.concurrent_per_key,
        lag_target=lag / 1000 if lag is not None else None,
        metrics=metrics,
    )
