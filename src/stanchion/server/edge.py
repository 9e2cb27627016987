"""What the routes that translate shapes share: the translated chat body is validated as a
chat request (``server/chat.py``'s ``parse_chat``), an Exchange is opened, and the one
pipeline runs it (JSON) or streams it, each item handed to the route's event writer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from starlette.requests import Request

from stanchion.errors import ApiError
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import Chunk, Usage
from stanchion.runtime import Runtime
from stanchion.server.chat import parse_chat
from stanchion.server.http import new_exchange
from stanchion.server.sse import Last
from stanchion.server.translate import delta_fields
from stanchion.telemetry.logs import TRACE_ID


class Events(Protocol):
    def start(self) -> bytes: ...

    def delta(self, text: str) -> bytes: ...

    def tool_delta(self, delta: dict[str, Any]) -> bytes: ...

    def finish(self, reason: str, usage: Usage) -> bytes: ...

    def error(self, body: dict[str, Any]) -> bytes: ...


def open_exchange(
    request: Request, rt: Runtime, principal: Principal, body: dict[str, Any], endpoint: str
) -> Exchange:
    """The exchange for a translated chat ``body``; ``endpoint`` is kept on the trace."""
    chat, route = parse_chat(body, rt)
    ex = new_exchange(request, rt, principal, chat, route, {"endpoint": endpoint})
    TRACE_ID.set(ex.id)
    return ex


async def relay(
    items: AsyncIterator[Chunk | ApiError], events: Events, ex: Exchange
) -> AsyncIterator[bytes]:
    """The pipeline's stream in the route's event shape; an error ends it with an event. The
    finish (the last item) and the error are the body's ``Last`` bytes."""
    yield events.start()
    end = b""
    async for item in items:
        if isinstance(item, ApiError):
            yield Last(end + events.error(item.body()))
            return
        out, end = end, b""
        if item.content:
            out += events.delta(item.content)
        for delta in getattr(item, "tool_calls", None) or []:
            out += events.tool_delta(delta_fields(delta))
        if item.finish_reason:
            usage = ex.completion.usage if ex.completion is not None else Usage()
            end = events.finish(item.finish_reason, usage)
        if out:
            yield out
    if end:
        yield Last(end)
