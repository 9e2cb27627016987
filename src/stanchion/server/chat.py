"""``POST /v1/chat/completions``: authenticate, validate the body (``server/schemas.py``),
then hand it to the pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stanchion.agents.schemas import schema_problem
from stanchion.errors import ApiError, BadRequest, NotFound
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import ChatRequest, Chunk
from stanchion.runtime import Runtime
from stanchion.server.choices import choices_asked, several_choices
from stanchion.server.http import authenticate, json_response, read_json, runtime, trace_headers
from stanchion.server.schemas import ChatCompletionRequest, JsonSchemaResponse, parse
from stanchion.server.sse import ChunkWriter, EventStream, Last, completion_json
from stanchion.telemetry.logs import TRACE_ID

# Fields the gateway checks but does not forward: it answers with one plain choice.
NOT_FORWARDED = frozenset(
    {"model", "messages", "stream", "stream_options", "user", "n", "store", "logprobs"}
    | {"top_logprobs", "service_tier"}
)


def parse_chat(body: Any, rt: Runtime) -> tuple[ChatRequest, str]:
    """Validate an OpenAI chat request; returns it and the route it names."""
    limits = rt.spec.limits
    chat = parse(ChatCompletionRequest, body)
    chat.check_limits(body, limits.max_tokens)
    route = rt.resolve_model(chat.model)
    if route is None:
        raise NotFound(
            f"the model {chat.model!r} does not exist for this app",
            code="model_not_found",
            param="model",
        )
    if len(chat.messages) > limits.max_messages:
        raise BadRequest(
            f"too many messages ({len(chat.messages)} > {limits.max_messages})", param="messages"
        )
    _check_schemas(chat)
    # The validated body is forwarded as the client sent it (the model's fields are
    # checked, not rewritten), so unknown fields reach the upstream unchanged.
    params = {k: v for k, v in body.items() if v is not None and k not in NOT_FORWARDED}
    options = chat.stream_options
    request = ChatRequest(
        model=chat.model,
        messages=body["messages"],
        stream=chat.stream,
        include_usage=bool(options and options.include_usage),
        params=params,
        user=chat.user,
    )
    return request, route


def _check_schemas(chat: ChatCompletionRequest) -> None:
    """Tool parameter and response schemas must compile (offline, no remote ``$ref``)."""
    for i, tool in enumerate(chat.tools or []):
        params = tool.function.parameters
        if params is not None and (problem := schema_problem(params)):
            raise BadRequest(
                f"invalid JSON Schema: {problem}", param=f"tools[{i}].function.parameters"
            )
    fmt = chat.response_format
    schema = fmt.json_schema.schema_ if isinstance(fmt, JsonSchemaResponse) else None
    if schema is not None and (problem := schema_problem(schema)):
        raise BadRequest(
            f"invalid JSON Schema: {problem}", param="response_format.json_schema.schema"
        )


async def chat_completions(request: Request) -> Response:
    """Chat completion, OpenAI's wire format (JSON or server-sent events)."""
    rt = runtime(request)
    principal = await authenticate(request, "chat")
    body = await read_json(request, rt.spec.limits.max_body_bytes)
    chat, route = parse_chat(body, rt)
    if (n := choices_asked(body)) > 1:
        return await several_choices(request, rt, principal, chat, route, n)
    now = rt.clock()
    ex = Exchange(
        id=rt.new_id(),
        app=rt.spec.app,
        started=now,
        request=chat,
        authorization=request.headers.get("authorization"),
        principal=principal,
        messages=list(chat.messages),
        route=route,
    )
    TRACE_ID.set(ex.id)  # on every log line of this request
    pipe = request.app.state.pipeline
    headers = trace_headers(ex.id)
    if not chat.stream:
        await pipe.run(ex)
        return json_response(completion_json(ex, route, int(now)), headers=headers)
    await pipe.prepare(ex)
    writer = ChunkWriter(ex, route, int(now))
    return EventStream(
        _events(pipe.stream(ex), writer, ex),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache"},
    )


async def _events(
    items: AsyncIterator[Chunk | ApiError], writer: ChunkWriter, ex: Exchange
) -> AsyncIterator[bytes]:
    """The pipeline's items as OpenAI's chunks. The finish is held back and leaves with the
    usage and ``[DONE]`` as the body's ``Last`` bytes: nothing is awaited between them, and
    one write costs less than three."""
    end = b""
    async for item in items:
        if isinstance(item, ApiError):
            yield Last(end + writer.error(item.body()) + writer.done())
            return
        out, end = end, b""
        if item.content:
            out += writer.delta(item.content)
        if item.tool_calls:
            out += writer.tool_calls(item.tool_calls)
        if item.finish_reason:
            if not writer.started:
                out += writer.delta("")
            end = writer.finish(item.finish_reason)
        if out:
            yield out
    if ex.request.include_usage and ex.completion is not None:
        end += writer.usage(ex.completion.usage)
    yield Last(end + writer.done())
