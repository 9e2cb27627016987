"""``create_app``: the ASGI application for one app spec. Nothing is built at import time."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from stanchion import __version__
from stanchion.errors import ApiError, BadRequest, InternalError, NotFound, ServiceUnavailable
from stanchion.pipeline.pipeline import build_pipeline
from stanchion.providers.embedding import Embeddings
from stanchion.runtime import Runtime, build_runtime, new_trace_id
from stanchion.server import admin, misc, rollout_routes, versioning
from stanchion.server import reports as report_routes
from stanchion.server.chat import chat_completions
from stanchion.server.deadlines import DEADLINES
from stanchion.server.embeddings import create_embeddings
from stanchion.server.gate import GateMiddleware, build_gate
from stanchion.server.http import error_response, json_response, public
from stanchion.server.messages import create_message
from stanchion.server.openapi import openapi_document
from stanchion.server.responses import create_response
from stanchion.settings import Settings
from stanchion.store.db import unreachable
from stanchion.transport import Hsts, hsts_value
from stanchion.ui import console_mount

log = logging.getLogger("stanchion.server")
chat_completions.permission = "chat"  # type: ignore[attr-defined]


def routes() -> list[Route]:
    return [
        Route("/v1/chat/completions", chat_completions, methods=["POST"], name="chat_completions"),
        Route("/v1/embeddings", create_embeddings, methods=["POST"], name="embeddings"),
        Route("/v1/responses", create_response, methods=["POST"], name="responses"),
        Route("/v1/messages", create_message, methods=["POST"], name="messages"),
        Route("/v1/models", misc.list_models_ep, methods=["GET"], name="list_models"),
        Route("/v1/traces/{trace_id}", misc.get_trace_ep, methods=["GET"], name="get_trace"),
        Route("/healthz", misc.healthz, methods=["GET"], name="healthz"),
        Route("/readyz", misc.readyz, methods=["GET"], name="readyz"),
        Route("/metrics", misc.metrics_ep, methods=["GET"], name="metrics"),
        Route("/admin/keys", admin.keys_list_ep, methods=["GET"], name="list_keys"),
        Route("/admin/keys", admin.keys_create_ep, methods=["POST"], name="create_key"),
        Route("/admin/keys/{key_id}", admin.keys_revoke_ep, methods=["DELETE"], name="revoke_key"),
        Route("/admin/audit/verify", admin.audit_verify_ep, methods=["GET"], name="audit_verify"),
        Route("/openapi.json", openapi_json, methods=["GET"], name="openapi"),
        *versioning.routes(),
        *rollout_routes.routes(),
        *report_routes.routes(),
    ]


@public
async def openapi_json(request: Request) -> Response:
    """This document."""
    return json_response(request.app.state.openapi)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(NotFound(f"no route {request.method} {request.url.path}"))
    err = ApiError(str(exc.detail))
    err.status, err.type, err.code = exc.status_code, "invalid_request_error", "http_error"
    response = error_response(err)
    if exc.status_code == 405:
        response.headers["allow"] = _allowed(request)
    return response


def _allowed(request: Request) -> str:
    """Every method the path answers, across the routes that share it (RFC 9110)."""
    path = request.url.path
    methods = {
        m
        for route in request.app.routes
        if isinstance(route, Route) and route.path_regex.match(path)
        for m in route.methods or ()
    }
    return ", ".join(sorted(methods))


async def _gone(request: Request, exc: Exception) -> Response:
    """The client went away before its body was read: nothing to log as a fault (an
    error with a stack per dropped connection is a log flood anyone can cause), and an
    answer nobody reads."""
    log.info("client disconnected before its request was read: %s", request.url.path)
    return error_response(BadRequest("the client disconnected", code="client_disconnected"))


async def _unexpected(request: Request, exc: Exception) -> Response:
    """500, or 503 when the store is away; either way with an id that the log line carries."""
    rt = getattr(request.app.state, "runtime", None)
    trace_id = rt.new_id() if rt is not None else new_trace_id()
    where = f"{request.method} {request.url.path}"
    err: ApiError
    if unreachable(exc):
        log.error("store unreachable on %s (trace id %s): %s", where, trace_id, type(exc).__name__)
        err = ServiceUnavailable(
            f"the store is unreachable; retry later (trace id {trace_id})", retry_after=5
        )
    else:
        log.exception("unhandled error on %s (trace id %s)", where, trace_id)
        err = InternalError(f"internal error (trace id {trace_id}, in the server log)")
    return error_response(err, trace_id)


class AppState(State):
    """starlette's ``app.state`` whose values are also plain attributes. ``State`` keeps them
    in a dict that its ``__getattr__`` reads, and Python calls that only after the normal
    look-up has failed and built its AttributeError message (some 3,000 instructions a
    read; a chat request reads the runtime, pipeline and gate six times)."""

    def __setattr__(self, key: str, value: Any) -> None:
        super().__setattr__(key, value)
        object.__setattr__(self, key, value)

    def __delattr__(self, key: str) -> None:
        super().__delattr__(key)
        object.__delattr__(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self.__setattr__(key, value)

    def __delitem__(self, key: str) -> None:
        self.__delattr__(key)


def create_app(spec_file: Path, settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """Build the app; the runtime (store, providers, writer) is built when the server starts."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        rt = runtime or build_runtime(spec_file, settings)
        await rt.start()
        app.state.runtime = rt
        app.state.pipeline = build_pipeline(rt)
        app.state.embeddings = Embeddings(rt.router, rt.settings.env_value)
        app.state.gate = build_gate(rt.spec.limits, rt.metrics)
        watcher = asyncio.create_task(app.state.gate.watch(rt.settings.drain_file))
        # Everything built so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise stall the event loop under load.
        gc.collect()
        gc.freeze()
        try:
            # the server's protocol reads the gate from the lifespan state (intake.py)
            # (and the HSTS value its early refusals carry over direct TLS, as Hsts adds it)
            # and the bounds on a request's head and body it enforces (deadlines.py)
            hsts = rt.spec.edge.hsts_seconds
            yield {
                "gate": app.state.gate,
                "hsts": hsts_value(hsts) if hsts else None,
                DEADLINES: {
                    "head": rt.settings.head_timeout_seconds,
                    "body": rt.settings.body_timeout_seconds,
                },
            }
        finally:
            watcher.cancel()
            await app.state.embeddings.aclose()
            await rt.aclose()

    table = routes()
    app = Starlette(
        # the console (/ui) is not part of the API document; it is matched after every API
        # route, so a chat request never reaches it
        routes=[*table, *([console_mount()] if settings.ui else [])],
        lifespan=lifespan,
        middleware=[Middleware(GateMiddleware)],
        exception_handlers={
            ApiError: _api_error,
            ClientDisconnect: _gone,
            HTTPException: _http_error,
            # Handled here, not re-raised to the server (which would log it twice and
            # close the connection): a store that went away is an expected condition.
            SQLAlchemyError: _unexpected,
            Exception: _unexpected,
        },
    )
    # A redirect to the slashed path would be built from the Host header (an open
    # redirect to any host the client names): a wrong path is a 404 instead.
    app.router.redirect_slashes = False
    app.state = AppState()
    app.add_middleware(Hsts)
    app.state.openapi = openapi_document(table, __version__)
    return app
