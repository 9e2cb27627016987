"""``n > 1`` on chat completions: n exchanges through the whole pipeline side by side, each
guarded, priced and recorded on its own (its own trace id), answered as one completion with
n choices. The upstream is asked for one choice per call, so that every choice passes the
output guards and the review queue alone; the prompt is billed once per choice.

Streaming with ``n > 1`` is refused (400): one stream carries one guarded answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import BadRequest
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest, Usage
from stanchion.runtime import Runtime
from stanchion.server.http import json_response
from stanchion.server.sse import completion_json, extension, usage_json

MAX_CHOICES = 8


def choices_asked(body: Any) -> int:
    """The ``n`` of a chat body (1 when absent); the schema has checked its type and range."""
    n = body.get("n") if isinstance(body, dict) else None
    return n if isinstance(n, int) and not isinstance(n, bool) else 1


async def several_choices(
    request: Request, rt: Runtime, principal: Principal, chat: ChatRequest, route: str, n: int
) -> Response:
    if chat.stream:
        raise BadRequest("n > 1 cannot be streamed; send stream: false", param="n")
    now = rt.clock()
    exchanges = [
        Exchange(
            id=rt.new_id(),
            app=rt.spec.app,
            started=now,
            request=chat,
            authorization=request.headers.get("authorization"),
            principal=principal,
            messages=list(chat.messages),
            route=route,
            annotations={"choice": i, "choices": n},
        )
        for i in range(n)
    ]
    pipe = request.app.state.pipeline
    await asyncio.gather(*(pipe.run(ex) for ex in exchanges))
    answers = [completion_json(ex, route, int(now)) for ex in exchanges]
    body = answers[0]
    body["choices"] = [{**a["choices"][0], "index": i} for i, a in enumerate(answers)]
    usage = Usage()
    for ex in exchanges:
        if ex.completion is not None:
            usage.prompt_tokens += ex.completion.usage.prompt_tokens
            usage.completion_tokens += ex.completion.usage.completion_tokens
    body["usage"] = usage_json(usage)
    body["stanchion"] = {**extension(exchanges[0]), "choices": [extension(ex) for ex in exchanges]}
    return json_response(body, headers={"x-stanchion-trace-id": exchanges[0].id})
