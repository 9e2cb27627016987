"""Request and response plumbing shared by the routes: bodies, JSON, permissions."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from stanchion.errors import (
    ApiError,
    BadRequest,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
)
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest
from stanchion.runtime import Runtime, new_trace_id
from stanchion.server.schemas import MAX_DEPTH, check_depth, parse
from stanchion.telemetry.logs import TRACE_ID

Handler = Callable[[Request, Principal], Awaitable[Response]]
PUBLIC = "public"
M = TypeVar("M", bound=BaseModel)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What clients send for a JSON body, taken without parsing (the SDKs send the first)
JSON_TYPES = frozenset({b"application/json", b"application/json; charset=utf-8"})
JSON_SUFFIX = re.compile(r"application/[!#$&^_.+\w-]+\+json", re.ASCII)
# Scope key set by ``server/protocol.py`` when a request's whole body had arrived before
# the app started.
BODY_IN = "stanchion.body_in"
# On every answer, errors included, so a caller can quote it (``error_response``).
TRACE_HEADER = "x-stanchion-trace-id"
# The same id under the name OpenAI's SDKs read (``completion._request_id``, an
# ``APIStatusError``'s ``request_id``), so a user of the official client can quote it too.
REQUEST_ID_HEADER = "x-request-id"


def trace_headers(trace_id: str) -> dict[str, str]:
    """The headers that name an answer's trace: ours and the SDKs' request id."""
    return {TRACE_HEADER: trace_id, REQUEST_ID_HEADER: trace_id}


def answer_id() -> str:
    """The id an answer names: the request's trace once its exchange exists, else a fresh
    one (an error before the pipeline ran)."""
    return TRACE_ID.get() or new_trace_id()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``data`` as JSON, with the trace id header (the request's once its exchange exists,
    else a fresh one) unless ``headers`` name it already."""
    if headers is None or TRACE_HEADER not in headers:
        headers = {**trace_headers(answer_id()), **(headers or {})}
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def error_response(err: ApiError, trace_id: str | None = None) -> Response:
    """The error in OpenAI's shape, with the trace id header every answer carries
    (``json_response``; ``trace_id`` names it when the caller logged one). Every error the
    app and the server's protocol answer is made here (``deadlines.wire_error`` writes the
    protocol's)."""
    headers = trace_headers(trace_id) if trace_id else {}
    if err.retry_after is not None:
        headers["retry-after"] = str(max(int(err.retry_after + 0.999), 0))
    if isinstance(err, RequestTimeout):
        headers["connection"] = "close"
    return json_response(err.body(), err.status, headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) as soon as it passes ``limit`` bytes, and (408) when it
    does not arrive in full within the ``body_timeout_seconds`` setting: a client that
    declares more than it sends does not hold a connection. A body the protocol had whole
    before the app started (``BODY_IN``) is one receive that cannot wait: no timeout."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit}")
    receive = request.receive
    message = await receive() if request.scope.get(BODY_IN) else None
    if message is not None and message["type"] == "http.request" and not message.get("more_body"):
        return _within(message.get("body", b""), 0, limit)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(runtime(request).settings.body_timeout_seconds):
            while True:
                if message is None:
                    message = await receive()
                if message["type"] != "http.request":
                    raise ClientDisconnect()
                chunks.append(_within(message.get("body", b""), size, limit))
                size += len(chunks[-1])
                if not message.get("more_body", False):
                    break
                message = None
    except TimeoutError:
        raise RequestTimeout("the request body did not arrive in time") from None
    return b"".join(chunks)


def _within(body: bytes, before: int, limit: int) -> bytes:
    """``body``, refused when with the ``before`` bytes already read it passes ``limit``."""
    if before + len(body) > limit:
        raise PayloadTooLarge(f"request body is over the limit of {limit} bytes")
    return body


def check_json_type(headers: list[tuple[bytes, bytes]]) -> None:
    """A body declared (in a scope's raw ``headers``) as anything but JSON is refused (415,
    with OpenAI's code for it, ``unsupported_content_type``), before it is read: a form or
    text parsed as JSON anyway hides the client's mistake (``curl -d`` sends a form unless
    told otherwise). A missing type is taken as JSON, as an HTTP client given raw bytes
    sends none; ``application/json`` with parameters (``charset=utf-8``) and
    ``application/*+json`` are JSON."""
    for name, value in headers:
        if name == b"content-type":
            if value not in JSON_TYPES:
                _refuse_unless_json(value.decode("latin-1"))
            return


def _refuse_unless_json(declared: str) -> None:
    media = declared.partition(";")[0].strip().lower()
    if not media or media == "application/json" or JSON_SUFFIX.fullmatch(media):
        return
    raise UnsupportedMediaType(
        f"Unsupported content type: {declared[:100]!r}. This route only accepts"
        " 'application/json' requests: send the header 'Content-Type: application/json'",
        code="unsupported_content_type",
    )


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON (``check_json_type``): valid, and nested no deeper than
    ``schemas.MAX_DEPTH`` (400); a compressed one, which is never decoded, is a 415 rather
    than a puzzling parse error."""
    check_json_type(request.scope["headers"])
    body = await read_body(request, limit)
    if not body:
        raise BadRequest("the request body is empty; send a JSON object")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if request.headers.get("content-encoding", "identity").strip().lower() != "identity":
            raise UnsupportedMediaType(
                "a compressed request body (Content-Encoding) is not supported; send it as is",
                code="unsupported_content_encoding",
            ) from None
        raise BadRequest(
            f"the request body is not valid JSON: {exc}", code="invalid_json"
        ) from None
    if body.count(b"{") + body.count(b"[") > MAX_DEPTH:
        check_depth(value)
    return value


async def read_model(request: Request, model: type[M], limit: int) -> M:
    """The body, validated as ``model`` (400/422 in OpenAI's shape naming the field)."""
    return parse(model, await read_json(request, limit))


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def authenticate(request: Request, permission: str) -> Principal:
    """The caller, holding ``permission`` (401/403); before any of the body is read."""
    rt = runtime(request)
    principal = await rt.keys.principal(request.headers.get("authorization"))
    rt.access.require(principal, permission)
    return principal


def check_params(request: Request) -> None:
    """Path and query values are names and ids: no control characters (400). A NUL would
    otherwise reach PostgreSQL, which refuses it in text (a 500)."""
    values = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in values:
        if isinstance(value, str) and CONTROL.search(value):
            raise BadRequest(f"{name} must not contain control characters", param=name)


def guarded(permission: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler so that it runs only for a principal holding ``permission``."""

    async def endpoint(request: Request) -> Response:
        principal = await authenticate(request, permission)
        check_params(request)
        return await handler(request, principal)

    endpoint.permission = permission  # type: ignore[attr-defined]
    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def public(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    handler.permission = PUBLIC  # type: ignore[attr-defined]
    return handler


def new_exchange(
    request: Request,
    rt: Runtime,
    principal: Principal,
    chat: ChatRequest,
    route: str,
    annotations: dict[str, Any],
) -> Exchange:
    """A request's exchange, before any stage has run."""
    return Exchange(
        id=rt.new_id(),
        app=rt.spec.app,
        started=rt.clock(),
        request=chat,
        authorization=request.headers.get("authorization"),
        principal=principal,
        messages=list(chat.messages),
        route=route,
        annotations=annotations,
    )
