"""Request and response plumbing shared by the routes: bodies, JSON, permissions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import ApiError, BadRequest, PayloadTooLarge
from stanchion.pipeline.exchange import Principal
from stanchion.runtime import Runtime

Handler = Callable[[Request, Principal], Awaitable[Response]]
PUBLIC = "public"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def error_response(err: ApiError) -> Response:
    headers = {}
    if err.retry_after is not None:
        headers["retry-after"] = str(max(int(err.retry_after + 0.999), 0))
    return json_response(err.body(), err.status, headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int) -> Any:
    body = await read_body(request, limit)
    if not body:
        raise BadRequest("the request body is empty; send a JSON object")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"the request body is not valid JSON: {exc}", code="invalid_json"
        ) from None


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def guarded(permission: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler so that it runs only for a principal holding ``permission``."""

    async def endpoint(request: Request) -> Response:
        rt = runtime(request)
        principal = await rt.keys.principal(request.headers.get("authorization"))
        rt.access.require(principal, permission)
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
