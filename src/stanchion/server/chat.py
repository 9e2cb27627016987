"""``POST /v1/chat/completions``: parse and check the body, then hand it to the pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from stanchion.errors import ApiError, BadRequest, NotFound, Unprocessable
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import ChatRequest, Chunk
from stanchion.runtime import Runtime
from stanchion.server.http import json_response, read_json, runtime
from stanchion.server.sse import ChunkWriter, completion_json
from stanchion.telemetry.logs import TRACE_ID

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
PASSED_PARAMS: dict[str, type | tuple[type, ...]] = {
    "temperature": (int, float),
    "top_p": (int, float),
    "max_tokens": int,
    "max_completion_tokens": int,
    "stop": (str, list),
    "presence_penalty": (int, float),
    "frequency_penalty": (int, float),
    "seed": int,
    "n": int,
    "response_format": dict,
    "logit_bias": dict,
    "tools": list,
    "tool_choice": (str, dict),
    "parallel_tool_calls": bool,
    "reasoning_effort": str,
    "metadata": dict,
}
IGNORED = frozenset(
    {
        "stream",
        "stream_options",
        "model",
        "messages",
        "user",
        "store",
        "logprobs",
        "top_logprobs",
        "service_tier",
    }
)


def _check_messages(messages: Any, max_messages: int) -> list[dict[str, Any]]:
    if messages is None:
        raise BadRequest("missing required field: messages", param="messages")
    if not isinstance(messages, list):
        raise Unprocessable("messages must be an array of message objects", param="messages")
    if not messages:
        raise BadRequest("messages must contain at least one message", param="messages")
    if len(messages) > max_messages:
        raise BadRequest(f"too many messages ({len(messages)} > {max_messages})", param="messages")
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise Unprocessable(f"{where} must be an object", param=where)
        if m.get("role") not in ROLES:
            raise Unprocessable(
                f"{where}.role must be one of {sorted(ROLES)}", param=f"{where}.role"
            )
        content = m.get("content")
        if content is None and m.get("role") != "assistant":
            raise BadRequest(f"{where}.content is required", param=f"{where}.content")
        if content is not None and not isinstance(content, (str, list)):
            raise Unprocessable(
                f"{where}.content must be a string or an array of parts", param=f"{where}.content"
            )
    return messages


def _check_params(body: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in body.items():
        kind = PASSED_PARAMS.get(key)
        if kind is None:
            if key not in IGNORED:
                raise BadRequest(f"unrecognized request argument: {key}", param=key)
            continue
        if value is None:
            continue
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int, float))):
            raise Unprocessable(f"{key} has the wrong type", param=key)
        params[key] = value
    return params


def parse_chat(body: Any, rt: Runtime) -> tuple[ChatRequest, str]:
    """Validate an OpenAI chat request; returns it and the route it names."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("missing required field: model", param="model")
    route = rt.resolve_model(model)
    if route is None:
        raise NotFound(
            f"the model {model!r} does not exist for this app",
            code="model_not_found",
            param="model",
        )
    messages = _check_messages(body.get("messages"), rt.spec.limits.max_messages)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise Unprocessable("stream must be a boolean", param="stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise Unprocessable("stream_options must be an object", param="stream_options")
    user = body.get("user")
    request = ChatRequest(
        model=model,
        messages=messages,
        stream=stream,
        include_usage=bool(options.get("include_usage")),
        params=_check_params(body),
        user=user if isinstance(user, str) else None,
    )
    return request, route


async def chat_completions(request: Request) -> Response:
    rt = runtime(request)
    body = await read_json(request, rt.spec.limits.max_body_bytes)
    chat, route = parse_chat(body, rt)
    now = rt.clock()
    ex = Exchange(
        id=rt.new_id(),
        app=rt.spec.app,
        started=now,
        request=chat,
        authorization=request.headers.get("authorization"),
        messages=list(chat.messages),
        route=route,
    )
    TRACE_ID.set(ex.id)  # on every log line of this request
    pipe = request.app.state.pipeline
    headers = {"x-stanchion-trace-id": ex.id}
    if not chat.stream:
        await pipe.run(ex)
        return json_response(completion_json(ex, route, int(now)), headers=headers)
    await pipe.prepare(ex)
    writer = ChunkWriter(ex, route, int(now))
    return StreamingResponse(
        _events(pipe.stream(ex), writer, ex),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache"},
    )


async def _events(
    items: AsyncIterator[Chunk | ApiError], writer: ChunkWriter, ex: Exchange
) -> AsyncIterator[bytes]:
    async for item in items:
        if isinstance(item, ApiError):
            yield writer.error(item.body())
            yield writer.done()
            return
        if item.content:
            yield writer.delta(item.content)
        if item.finish_reason:
            if not writer.started:
                yield writer.delta("")
            yield writer.finish(item.finish_reason)
    if ex.request.include_usage and ex.completion is not None:
        yield writer.usage(ex.completion.usage)
    yield writer.done()
