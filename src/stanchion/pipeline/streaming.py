"""Streaming: chunks pass through the output stream guard (sentence-buffered) on their way
to the caller; a block stops the stream with an error event. Once the stream ends, the
remaining stages run and the exchange is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from stanchion.errors import ApiError, Forbidden
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import Chunk, Completion, Usage
from stanchion.providers.router import Attempt

if TYPE_CHECKING:
    from stanchion.pipeline.pipeline import Pipeline


async def stream_answer(pipe: Pipeline, ex: Exchange) -> AsyncIterator[Chunk | ApiError]:
    """Yield chunks for the caller; the last item may be an ``ApiError`` (sent as an event)."""
    if ex.decision != "pass":
        await pipe.finish(ex)
        yield Chunk(content=ex.response_text, model=ex.route or "")
        yield Chunk(finish_reason="stop")
        return
    engine = pipe.rt.guards
    guard = engine.stream_guard(ex)
    ex.annotations["streamed"] = True
    parts: list[str] = []
    usage: Usage | None = None
    finish, model = "stop", ""
    attempts: list[Attempt] = []
    failure: ApiError | None = None
    try:
        async for chunk in pipe.generate.stream(ex, attempts):
            ex.route = chunk.route or ex.route
            model = chunk.model or model
            usage = chunk.usage or usage
            finish = chunk.finish_reason or finish
            if not chunk.content:
                continue
            parts.append(chunk.content)
            emit, outcome = guard.feed(chunk.content)
            if emit:
                yield Chunk(content=engine.restore(emit, ex) if ex.pseudonyms else emit)
            if outcome is not None:
                ex.findings.extend(outcome.findings)
                if outcome.action == "block":
                    failure = Forbidden("the answer was stopped by the output policy",
                                        code="output_blocked")
                    break
        if failure is None:
            emit, outcome = guard.flush()
            if outcome is not None:
                ex.findings.extend(outcome.findings)
                if outcome.action == "block":
                    failure = Forbidden("the answer was stopped by the output policy",
                                        code="output_blocked")
            if emit and failure is None:
                yield Chunk(content=engine.restore(emit, ex) if ex.pseudonyms else emit)
    except ApiError as err:
        failure = err
    completion = Completion(content="".join(parts), model=model, usage=usage or Usage(),
                            finish_reason=finish, route=ex.route or "")
    pipe.generate.settle(ex, completion, attempts)
    if failure is not None:
        ex.status, ex.error = failure.status, failure.message
        ex.decision = "block" if failure.code == "output_blocked" else "error"
    await pipe.finish(ex)
    if failure is not None:
        yield failure
        return
    yield Chunk(finish_reason=finish, model=model)
