"""The router: per-route timeout, retries with jittered backoff, fallbacks, circuit breaker,
and a deadline for the whole chain (``route.deadline``: no retry starts that cannot end in it).

Upstream errors become ``ApiError`` here (``translate``) and nowhere else; a stream's reader
translates what the stream raises after its first chunk with the same function.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from stanchion.errors import ApiError, BadRequest, RateLimited, UpstreamError, UpstreamTimeout
from stanchion.providers.base import ChatRequest, Chunk, Completion, Provider
from stanchion.providers.egress import Egress
from stanchion.providers.errors import ProviderError
from stanchion.spec.model import Route
from stanchion.telemetry.metrics import Metrics

BACKOFF_BASE = 0.25
BACKOFF_CAP = 8.0
BREAKER_VALUE = {"closed": 0, "half-open": 1, "open": 2}


class Breaker:
    """Opens after ``threshold`` consecutive failures; lets one trial through after ``cooldown``."""

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float]) -> None:
        self.threshold, self.cooldown, self.clock = threshold, cooldown, clock
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.cooldown else "open"

    def allow(self) -> bool:
        return self.state != "open"

    def success(self) -> None:
        self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = self.clock()


@dataclass(slots=True)
class RouteState:
    route: Route
    provider: Provider
    breaker: Breaker
    # The provider's own bound on each call (its ``bound``: the HTTP providers' client total
    # timeout), when it has one: an attempt it already bounds as tightly as the route's
    # timeout left needs no second timer (asyncio.timeout cost ~26k instructions a call).
    own_bound: float | None = field(init=False)

    def __post_init__(self) -> None:
        bound = getattr(self.provider, "bound", None)
        self.own_bound = float(bound) if isinstance(bound, (int, float)) else None


@dataclass(slots=True)
class Attempt:
    route: str
    status: int
    error: str


def translate(err: ProviderError) -> ApiError:
    if err.status == -1:
        return UpstreamTimeout(err.message)
    if err.status == 429:
        return RateLimited(err.message, retry_after=err.retry_after)
    if err.status in (400, 404, 413, 422):
        return BadRequest(err.message, code="upstream_rejected")
    return UpstreamError(err.message)


@dataclass
class Router:
    states: dict[str, RouteState]
    egress: Egress = field(default_factory=Egress.anywhere)
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    max_retry_wait: float = 30.0
    metrics: Metrics | None = None

    def _count(self, name: str, st: RouteState, **labels: str) -> None:
        if self.metrics is not None:
            self.metrics.inc(name, (("route", st.route.name), *labels.items()))

    def _breaker(self, st: RouteState) -> None:
        """Publish a breaker's state; called only when it may have changed."""
        if self.metrics is not None:
            value = BREAKER_VALUE[st.breaker.state]
            self.metrics.set_gauge(
                "stanchion_upstream_circuit_state", value, (("route", st.route.name),)
            )

    def chain(self, name: str) -> list[RouteState]:
        first = self.states[name]
        return [first, *(self.states[f] for f in first.route.fallbacks)]

    def _delay(self, attempt: int, err: ProviderError) -> float | None:
        """Seconds to wait before the next try; None when the wait is too long to be worth it."""
        if err.retry_after is not None:
            return err.retry_after if err.retry_after <= self.max_retry_wait else None
        return self.rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))

    def _end(self, name: str) -> float | None:
        """When the request's route deadline (retries and fallbacks included) runs out."""
        deadline = self.states[name].route.deadline
        return None if deadline is None else self.clock() + deadline

    def _left(self, st: RouteState, end: float | None) -> float:
        return st.route.timeout if end is None else min(st.route.timeout, end - self.clock())

    async def _with_retries(
        self,
        st: RouteState,
        call: Callable[[], Any],
        attempts: list[Attempt],
        end: float | None = None,
    ) -> Any:
        last: ProviderError | None = None
        for attempt in range(st.route.retries + 1):
            left = self._left(st, end)
            if left <= 0:  # the deadline ran out: not this route's failure
                raise last or ProviderError(-1, f"route {st.route.name!r}: the deadline ran out")
            try:
                if st.own_bound is not None and st.own_bound <= left:
                    result = await call()  # the provider's own timeout raises ProviderError(-1)
                else:
                    async with asyncio.timeout(left):
                        result = await call()
                troubled = st.breaker.failures or st.breaker.opened_at is not None
                st.breaker.success()
                if troubled:
                    self._breaker(st)
                return result
            except TimeoutError:
                last = ProviderError(-1, f"route {st.route.name!r} timed out after {left:g}s")
            except ProviderError as exc:
                last = exc
            attempts.append(Attempt(st.route.name, last.status, last.message))
            if not last.retryable:
                raise translate(last)
            delay = self._delay(attempt, last)
            if delay is None or attempt == st.route.retries or delay >= self._left(st, end):
                break
            self._count("stanchion_upstream_retries_total", st)
            await asyncio.sleep(delay)
        st.breaker.failure()
        self._breaker(st)
        assert last is not None
        raise last

    async def complete(
        self, name: str, request: ChatRequest, attempts: list[Attempt]
    ) -> Completion:
        last: ProviderError | None = None
        end = self._end(name)
        for i, st in enumerate(self.chain(name)):
            if not st.breaker.allow():
                attempts.append(Attempt(st.route.name, 0, "circuit open"))
                self._count("stanchion_upstream_short_circuits_total", st)
                continue
            req = _for_route(request, st.route)
            try:
                completion: Completion = await self._with_retries(
                    st, functools.partial(st.provider.complete, req), attempts, end
                )
            except ProviderError as exc:
                last = exc
                continue
            completion.route = st.route.name
            if i:
                self._count("stanchion_upstream_fallbacks_total", st)
            return completion
        raise translate(last) if last else UpstreamError(f"every route for {name!r} is unavailable")

    async def open_stream(
        self, name: str, request: ChatRequest, attempts: list[Attempt]
    ) -> tuple[AsyncIterator[Chunk], Chunk]:
        """The provider's stream and its first chunk (``route`` set on it): retries and
        fallbacks apply until the first chunk. The rest is read by the caller straight from
        the provider (a generator here would cost every chunk one more hop), so what it
        raises after the first chunk is a ``ProviderError``, for the caller to ``translate``
        and to ``aclose`` the stream when it stops early."""
        last: ProviderError | None = None
        end = self._end(name)
        for i, st in enumerate(self.chain(name)):
            if not st.breaker.allow():
                attempts.append(Attempt(st.route.name, 0, "circuit open"))
                self._count("stanchion_upstream_short_circuits_total", st)
                continue
            req = _for_route(request, st.route)
            try:
                gen, first = await self._with_retries(
                    st, functools.partial(_open, st, req), attempts, end
                )
            except ProviderError as exc:
                last = exc
                continue
            first.route = st.route.name
            if i:
                self._count("stanchion_upstream_fallbacks_total", st)
            return gen, first
        raise translate(last) if last else UpstreamError(f"every route for {name!r} is unavailable")

    async def aclose(self) -> None:
        for st in self.states.values():
            await st.provider.aclose()


def _for_route(request: ChatRequest, route: Route) -> ChatRequest:
    if route.model is None or request.model == route.model:
        return request
    return ChatRequest(
        model=route.model,
        messages=request.messages,
        stream=request.stream,
        include_usage=request.include_usage,
        params=request.params,
        user=request.user,
        context=request.context,
    )


async def _open(st: RouteState, req: ChatRequest) -> tuple[AsyncIterator[Chunk], Chunk]:
    gen = aiter(st.provider.stream(req))
    try:
        first = await anext(gen)
    except StopAsyncIteration:
        first = Chunk(finish_reason="stop")
    return gen, first
