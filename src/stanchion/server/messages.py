"""``POST /v1/messages``: Anthropic's Messages API inbound, so Anthropic SDK clients work
unchanged: the key comes in ``x-api-key`` (or as a bearer token), the request is translated
to a chat request at the edge and the answer back into a message or its event stream.
Errors carry OpenAI's JSON with Anthropic's ``"type": "error"`` beside it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import ApiError
from stanchion.pipeline.exchange import Principal
from stanchion.server.edge import open_exchange, relay
from stanchion.server.http import error_response, json_response, read_json, runtime, trace_headers
from stanchion.server.replies import MessageEvents, answer_of, anthropic_error, messages_json
from stanchion.server.shapes import MessagesRequest, parse_open
from stanchion.server.sse import EventStream
from stanchion.server.translate import messages_to_chat, relayed_calls

KEPT_HEADERS = ("retry-after", "connection")


async def _principal(request: Request) -> Principal:
    rt = runtime(request)
    header = request.headers.get("authorization")
    key = request.headers.get("x-api-key")
    if header is None and key is not None:
        header = f"Bearer {key}"
    principal = await rt.keys.principal(header)
    rt.access.require(principal, "chat")
    return principal


async def create_message(request: Request) -> Response:
    """Create a message (Anthropic's Messages API), guarded and traced."""
    try:
        return await _create(request)
    except ApiError as err:
        kept = {k: v for k, v in error_response(err).headers.items() if k in KEPT_HEADERS}
        return json_response(anthropic_error(err.body()), err.status, kept)


async def _create(request: Request) -> Response:
    rt = runtime(request)
    principal = await _principal(request)
    body = await read_json(request, rt.spec.limits.max_body_bytes)
    req = parse_open(MessagesRequest, body)
    ex = open_exchange(request, rt, principal, messages_to_chat(req), "messages")
    route = ex.route or req.model
    pipe = request.app.state.pipeline
    headers = trace_headers(ex.id)
    if not req.stream:
        await pipe.run(ex)
        answer = answer_of(ex, relayed_calls(ex.completion, ex.decision))
        return json_response(messages_json(ex, route, answer), headers=headers)
    await pipe.prepare(ex)
    return EventStream(
        relay(pipe.stream(ex), MessageEvents(ex, route), ex),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache"},
    )


create_message.permission = "chat"  # type: ignore[attr-defined]
