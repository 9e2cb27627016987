"""``POST /v1/responses``: OpenAI's Responses API through the chat pipeline. The request is
translated to a chat request at the edge (``server/translate.py``), the answer back into a
Responses object or its event stream (``server/replies.py``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stanchion.server.edge import open_exchange, relay
from stanchion.server.http import authenticate, json_response, read_json, runtime, trace_headers
from stanchion.server.replies import ResponseEvents, answer_of, response_json
from stanchion.server.shapes import ResponsesRequest, parse_open
from stanchion.server.sse import EventStream
from stanchion.server.translate import relayed_calls, responses_to_chat

TEXT = {"type": "text"}


def _echo(req: ResponsesRequest) -> dict[str, Any]:
    """The request's settings, as the Responses object repeats them."""
    fmt = req.text.format if req.text and req.text.format else None
    choice = req.tool_choice
    return {
        "instructions": req.instructions,
        "max_output_tokens": req.max_output_tokens,
        "metadata": dict(req.metadata or {}),
        "parallel_tool_calls": req.parallel_tool_calls is not False,
        "previous_response_id": None,
        "reasoning": None,
        "store": False,
        "temperature": req.temperature,
        "top_p": req.top_p,
        "text": {"format": fmt.model_dump(by_alias=True, exclude_none=True) if fmt else TEXT},
        "tool_choice": choice if isinstance(choice, str) or choice is None else choice.model_dump(),
        "tools": [t.model_dump(exclude_none=True) for t in req.tools or []],
        "truncation": req.truncation or "disabled",
        "user": req.user,
    }


async def create_response(request: Request) -> Response:
    """Create a model response (OpenAI's Responses API), guarded and traced."""
    rt = runtime(request)
    principal = await authenticate(request, "chat")
    body = await read_json(request, rt.spec.limits.max_body_bytes)
    req = parse_open(ResponsesRequest, body)
    ex = open_exchange(request, rt, principal, responses_to_chat(req), "responses")
    route, created = ex.route or req.model, int(ex.started)
    pipe = request.app.state.pipeline
    headers = trace_headers(ex.id)
    echo = _echo(req)
    if not req.stream:
        await pipe.run(ex)
        answer = answer_of(ex, relayed_calls(ex.completion, ex.decision))
        return json_response(response_json(ex, route, created, echo, answer), headers=headers)
    await pipe.prepare(ex)
    events = ResponseEvents(ex, route, created, echo)
    return EventStream(
        relay(pipe.stream(ex), events, ex),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache"},
    )


create_response.permission = "chat"  # type: ignore[attr-defined]
