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
from stanchion.pipeline.stages.generate import public_error
from stanchion.providers.base import Chunk, Completion, Usage
from stanchion.providers.errors import ProviderError
from stanchion.providers.router import Attempt, translate
from stanchion.providers.toolcalls import CallAssembler, stream_deltas

if TYPE_CHECKING:
    from stanchion.guards.stream import StreamGuard
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
    refused: bool = False  # the provider found nothing to answer with (settle declines)
    calls: CallAssembler = field(default_factory=CallAssembler)

    def absorb(self, chunk: Chunk, ex: Exchange) -> None:
        ex.route = chunk.route or ex.route
        self.model = chunk.model or self.model
        self.usage = chunk.usage or self.usage
        self.finish = chunk.finish_reason or self.finish
        if chunk.content:
            self.parts.append(chunk.content)
        if chunk.refused:
            self.refused = True
        for delta in chunk.tool_calls:  # held back until the whole call is checked
            self.calls.feed(delta)

    def completion(self, route: str) -> Completion:
        return Completion(
            content="".join(self.parts),
            model=self.model,
            usage=self.usage or Usage(),
            finish_reason=self.finish,
            route=route,
            refused=self.refused,
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
    ex.first_token = ex.first_token or time.perf_counter()
    return Chunk(content=engine.restore(text, ex) if ex.pseudonyms else text)


def _tail(engine: GuardEngine, guard: StreamGuard, ex: Exchange, got: _Collected) -> list[Chunk]:
    """What the guard held back at the end of a stream that ran to its end (raises the
    output policy's stop), and a borderline answer's caveat (known before the answer)."""
    safe, outcome = guard.flush()
    failure = _stopped(ex, outcome)
    if failure is not None:
        raise failure
    out = [_emit(engine, ex, safe)] if safe else []
    borderline = ex.annotations.get("caveat")
    if borderline and got.parts:
        out.append(Chunk(content="\n\n" + str(borderline)))
    return out


def stream_answer(pipe: Pipeline, ex: Exchange) -> AsyncIterator[Chunk | ApiError]:
    """The chunks for the caller; the last item may be an ``ApiError`` (sent as an event).

    Each upstream chunk passes through one loop (``_relay``): read from the provider (past
    the router's first chunk), gathered for the trace, released through the output stream
    guard. A caller that goes away mid-stream still leaves a trace and its spend: the
    exchange is recorded as ``cancelled`` with the tokens the model produced so far and
    their cost.
    """
    return _relay(pipe, ex) if ex.decision == "pass" else _decided(pipe, ex)


async def _decided(pipe: Pipeline, ex: Exchange) -> AsyncIterator[Chunk | ApiError]:
    """The app's own reply to a request decided before generation (refused, blocked)."""
    await pipe.finish(ex)
    yield Chunk(content=ex.response_text, model=ex.route or "")
    yield Chunk(finish_reason="stop")


async def _relay(pipe: Pipeline, ex: Exchange) -> AsyncIterator[Chunk | ApiError]:
    ex.annotations["streamed"] = True
    ex.stage_starts["generate"] = time.perf_counter()
    got, attempts = _Collected(), list[Attempt]()
    engine = pipe.rt.guards
    guard = engine.stream_guard(ex)
    failure: ApiError | None = None
    chunks: AsyncIterator[Chunk] | None = None
    try:
        chunks, chunk = await pipe.generate.open_stream(ex, attempts)
        while True:
            got.absorb(chunk, ex)
            if chunk.content:
                safe, outcome = guard.feed(chunk.content)
                if safe:
                    yield _emit(engine, ex, safe)
                if outcome is not None and (failure := _stopped(ex, outcome)):
                    break
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                break
        if failure is None:
            for held in _tail(engine, guard, ex, got):
                yield held
    except ProviderError as exc:
        failure = public_error(translate(exc), ex.id)
    except ApiError as err:  # the stream did not open (made public), or the policy's stop
        failure = err
    except (asyncio.CancelledError, GeneratorExit):
        await _record_cancelled(pipe, ex, got, attempts)
        raise
    finally:
        await _release(chunks)
    for item in await _finish(pipe, ex, got, attempts, failure):
        yield item


async def _release(chunks: AsyncIterator[Chunk] | None) -> None:
    """Close the provider's stream now (a stop, an error, the caller gone): its upstream
    response is released at once, not when the collector finalises the generator."""
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()


async def _finish(
    pipe: Pipeline, ex: Exchange, got: _Collected, attempts: list[Attempt], failure: ApiError | None
) -> list[Chunk | ApiError]:
    """Price the answer, run the remaining stages and record it (shielded: the client
    leaving now does not stop the record); the items that end the stream."""
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
        return [failure]
    return list(got.ending(ex))


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
