"""Streaming: chunks pass through the output stream guard (sentence-buffered) on their way
to the caller; a block stops the stream with an error event. Once the stream ends, the
remaining stages run and the exchange is recorded; a stream the caller abandons is recorded
as ``cancelled``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from stanchion.errors import ApiError, Forbidden
from stanchion.guards import GuardEngine, GuardOutcome
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import Chunk, Completion, Usage
from stanchion.providers.router import Attempt
from stanchion.providers.toolcalls import CallAssembler, stream_deltas

if TYPE_CHECKING:
    from stanchion.pipeline.pipeline import Pipeline

STOPS = ("block", "hold")
CLIENT_CLOSED = 499  # nginx's status for a request whose client closed the connection
log = logging.getLogger("stanchion.pipeline")


@dataclass(slots=True)
class _Collected:
    """What the upstream stream said, gathered for the trace."""

    parts: list[str] = field(default_factory=list)
    usage: Usage | None = None
    finish: str = "stop"
    model: str = ""
    calls: CallAssembler = field(default_factory=CallAssembler)

    def absorb(self, chunk: Chunk, ex: Exchange) -> None:
        ex.route = chunk.route or ex.route
        self.model = chunk.model or self.model
        self.usage = chunk.usage or self.usage
        self.finish = chunk.finish_reason or self.finish
        if chunk.content:
            self.parts.append(chunk.content)
        for delta in chunk.tool_calls:  # held back until the whole call is checked
            self.calls.feed(delta)

    def completion(self, route: str) -> Completion:
        return Completion(
            content="".join(self.parts),
            model=self.model,
            usage=self.usage or Usage(),
            finish_reason=self.finish,
            route=route,
            tool_calls=self.calls.calls(),
        )

    def ending(self, ex: Exchange) -> list[Chunk]:
        """After the remaining stages: the checked tool calls in OpenAI's streamed shape
        (the upstream's own argument fragments where the arguments are unchanged), or the
        reply that replaces them when the tool policy stopped the answer; then the finish."""
        out: list[Chunk] = []
        if ex.tool_calls:
            for i, tc in enumerate(ex.tool_calls):
                deltas = stream_deltas(i, tc, self.calls.fragments(tc["id"]))
                out += [Chunk(tool_calls=[d]) for d in deltas]
            return [*out, Chunk(finish_reason="tool_calls", model=self.model)]
        if ex.annotations.get("tool_stopped") and ex.reply:
            out.append(Chunk(content=ex.reply))
        finish = "stop" if self.finish == "tool_calls" else self.finish
        return [*out, Chunk(finish_reason=finish, model=self.model)]


def _stopped(ex: Exchange, outcome: GuardOutcome | None) -> ApiError | None:
    if outcome is None:
        return None
    ex.findings.extend(outcome.findings)
    if outcome.action not in STOPS:
        return None
    return Forbidden("the answer was stopped by the output policy", code="output_blocked")


def _emit(engine: GuardEngine, ex: Exchange, text: str) -> Chunk:
    return Chunk(content=engine.restore(text, ex) if ex.pseudonyms else text)


async def stream_answer(pipe: Pipeline, ex: Exchange) -> AsyncIterator[Chunk | ApiError]:
    """Yield chunks for the caller; the last item may be an ``ApiError`` (sent as an event).

    A caller that goes away mid-stream still leaves a trace and its spend: the exchange is
    recorded as ``cancelled`` with the tokens the model produced so far and their cost.
    """
    if ex.decision != "pass":
        await pipe.finish(ex)
        yield Chunk(content=ex.response_text, model=ex.route or "")
        yield Chunk(finish_reason="stop")
        return
    ex.annotations["streamed"] = True
    ex.stage_starts["generate"] = time.perf_counter()
    got, attempts = _Collected(), list[Attempt]()
    try:
        failure: ApiError | None = None
        async for item in _relay(pipe, ex, got, attempts):
            if isinstance(item, ApiError):
                failure = item
                break
            yield item
    except (asyncio.CancelledError, GeneratorExit):
        await _record_cancelled(pipe, ex, got, attempts)
        raise
    pipe.generate.settle(ex, got.completion(ex.route or ""), attempts)
    if failure is not None:
        ex.status, ex.error = failure.status, failure.message
        ex.decision = "block" if failure.code == "output_blocked" else "error"
    try:
        with anyio.CancelScope(shield=True):
            await pipe.finish(ex)
    except ApiError as err:
        failure = err
    if failure is not None:
        yield failure
        return
    for chunk in got.ending(ex):
        yield chunk


async def _relay(
    pipe: Pipeline, ex: Exchange, got: _Collected, attempts: list[Attempt]
) -> AsyncIterator[Chunk | ApiError]:
    """The upstream stream through the output guard; an ``ApiError`` item ends it."""
    engine = pipe.rt.guards
    guard = engine.stream_guard(ex)
    try:
        async for chunk in pipe.generate.stream(ex, attempts):
            got.absorb(chunk, ex)
            if not chunk.content:
                continue
            safe, outcome = guard.feed(chunk.content)
            if safe:
                ex.first_token = ex.first_token or time.perf_counter()
                yield _emit(engine, ex, safe)
            failure = _stopped(ex, outcome)
            if failure:
                yield failure
                return
        safe, outcome = guard.flush()
        failure = _stopped(ex, outcome)
        if safe and failure is None:
            ex.first_token = ex.first_token or time.perf_counter()
            yield _emit(engine, ex, safe)
        borderline = ex.annotations.get("caveat")
        if borderline and failure is None and got.parts:  # known before the answer: sent too
            yield Chunk(content="\n\n" + str(borderline))
        if failure is not None:
            yield failure
    except ApiError as err:
        yield err


async def _record_cancelled(
    pipe: Pipeline, ex: Exchange, got: _Collected, attempts: list[Attempt]
) -> None:
    """Price what the model produced before the caller left, and record it (shielded from
    the cancellation that brought us here)."""
    pipe.generate.settle(ex, got.completion(ex.route or ""), attempts)
    ex.status, ex.decision = CLIENT_CLOSED, "cancelled"
    ex.error = "the client disconnected before the stream ended"
    try:
        with anyio.CancelScope(shield=True):
            await pipe.record(ex)
    except Exception:
        log.exception("recording the cancelled stream %s failed", ex.id)
