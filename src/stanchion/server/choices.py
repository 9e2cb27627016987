"""``n > 1`` on chat completions: n exchanges through the whole pipeline side by side, each
guarded, priced and recorded on its own (its own trace id), answered as one completion with
n choices. The upstream is asked for one choice per call, so that every choice passes the
output guards and the review queue alone; the prompt is billed once per choice.

Streamed, the n answers interleave as OpenAI interleaves them (each chunk names its choice
``index``); a choice the output policy stops ends alone with ``finish_reason:
"content_filter"`` and its decision, while the others go on. Any other failure ends the
stream with an error event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import ApiError, InternalError
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest, Chunk, Usage
from stanchion.runtime import Runtime
from stanchion.server.http import json_response, new_exchange, trace_headers
from stanchion.server.sse import EventStream, completion_json, extension, usage_json
from stanchion.server.translate import delta_fields

log = logging.getLogger("stanchion.server")


def choices_asked(body: Any) -> int:
    """The ``n`` of a chat body (1 when absent); the schema has checked its type and range."""
    n = body.get("n") if isinstance(body, dict) else None
    return n if isinstance(n, int) and not isinstance(n, bool) else 1


async def several_choices(
    request: Request, rt: Runtime, principal: Principal, chat: ChatRequest, route: str, n: int
) -> Response:
    exchanges = [
        new_exchange(request, rt, principal, chat, route, {"choice": i, "choices": n})
        for i in range(n)
    ]
    now = exchanges[0].started
    pipe = request.app.state.pipeline
    if chat.stream:
        await _all(pipe.prepare, exchanges, pipe)
        return EventStream(
            _interleaved(pipe, exchanges, route, int(now)),
            media_type="text/event-stream",
            headers={**trace_headers(exchanges[0].id), "cache-control": "no-cache"},
        )
    await _all(pipe.run, exchanges)
    answers = [completion_json(ex, route, int(now)) for ex in exchanges]
    body = answers[0]
    body["choices"] = [{**a["choices"][0], "index": i} for i, a in enumerate(answers)]
    body["usage"] = _usage(exchanges)
    body["stanchion"] = {**extension(exchanges[0]), "choices": [extension(ex) for ex in exchanges]}
    return json_response(body, headers=trace_headers(exchanges[0].id))


async def _all(step: Any, exchanges: list[Exchange], pipe: Any = None) -> None:
    """Run ``step`` for every choice to its end; the first failure is the answer (each
    failed choice is recorded by the pipeline). With ``pipe``, choices that were prepared
    for a stream that will not start are recorded as failed too, so that the budget they
    reserved is settled."""
    results = await asyncio.gather(*(step(ex) for ex in exchanges), return_exceptions=True)
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure is None:
        return
    if pipe is not None and isinstance(failure, ApiError):
        for ex, result in zip(exchanges, results, strict=True):
            if not isinstance(result, BaseException):
                ex.status, ex.error, ex.decision = failure.status, failure.message, "error"
                await pipe.record(ex)
    raise failure


def _usage(exchanges: list[Exchange]) -> dict[str, int]:
    usage = Usage()
    for ex in exchanges:
        if ex.completion is not None:
            usage.prompt_tokens += ex.completion.usage.prompt_tokens
            usage.completion_tokens += ex.completion.usage.completion_tokens
    return usage_json(usage)


def _chunk(head: dict[str, Any], index: int, delta: dict[str, Any], **more: Any) -> bytes:
    choice = {"index": index, "delta": delta, "finish_reason": None, "logprobs": None}
    choice.update(more.pop("choice", {}))
    return b"data: " + orjson.dumps({**head, "choices": [choice], **more}) + b"\n\n"


def _item(head: dict[str, Any], ex: Exchange, i: int, item: Chunk | ApiError) -> bytes:
    """One pipeline item of choice ``i`` as a chunk; a stopped answer ends that choice."""
    if isinstance(item, ApiError):
        finish = {"finish_reason": "content_filter"}
        return _chunk(head, i, {}, choice=finish, stanchion=extension(ex))
    delta: dict[str, Any] = {"content": item.content} if item.content else {}
    calls = getattr(item, "tool_calls", None)
    if calls:
        delta["tool_calls"] = [delta_fields(c) for c in calls]
    out = _chunk(head, i, delta) if delta else b""
    if item.finish_reason:
        finish = {"finish_reason": item.finish_reason}
        out += _chunk(head, i, {}, choice=finish, stanchion=extension(ex))
    return out


async def _interleaved(
    pipe: Any, exchanges: list[Exchange], route: str, created: int
) -> AsyncIterator[bytes]:
    head = {
        "id": f"chatcmpl-{exchanges[0].id}",
        "object": "chat.completion.chunk",
        "created": created,
        "model": route,
    }
    queue: asyncio.Queue[tuple[int, Chunk | ApiError | None]] = asyncio.Queue()

    async def pump(i: int, ex: Exchange) -> None:
        try:
            async for item in pipe.stream(ex):
                queue.put_nowait((i, item))
        except Exception:
            log.exception("choice %d of stream %s failed", i, ex.id)
            queue.put_nowait((i, InternalError(f"internal error (trace id {ex.id})")))
        finally:
            queue.put_nowait((i, None))

    tasks = [asyncio.create_task(pump(i, ex)) for i, ex in enumerate(exchanges)]
    try:
        for i in range(len(exchanges)):
            yield _chunk(head, i, {"role": "assistant", "content": ""})
        left = len(exchanges)
        while left:
            i, item = await queue.get()
            if item is None:
                left -= 1
            elif isinstance(item, ApiError) and item.code != "output_blocked":
                yield b"data: " + orjson.dumps(item.body()) + b"\n\n"
                break
            else:
                yield _item(head, exchanges[i], i, item)
        else:
            if exchanges[0].request.include_usage:
                yield b"data: " + orjson.dumps({**head, "choices": [], "usage": _usage(exchanges)})
                yield b"\n\n"
        yield b"data: [DONE]\n\n"
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
