"""Models, health, readiness, metrics and traces."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from stanchion.errors import NotFound
from stanchion.pipeline.exchange import Principal
from stanchion.runtime import Runtime
from stanchion.server.http import guarded, json_response, public, runtime
from stanchion.store.traces import read_trace
from stanchion.telemetry.backlog import publish_backlog

log = logging.getLogger("stanchion.server")


async def list_models(request: Request, _p: Principal) -> Response:
    """The app's routes, as OpenAI model objects."""
    rt = runtime(request)
    created = int(rt.clock())
    names = [r.name for r in rt.spec.models.routes]
    if rt.spec.app not in names:
        names.insert(0, rt.spec.app)
    data = [
        {"id": n, "object": "model", "created": created, "owned_by": rt.spec.app} for n in names
    ]
    return json_response({"object": "list", "data": data})


@public
async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return json_response({"status": "ok"})


@public
async def readyz(request: Request) -> Response:
    """Readiness: the database answers and the trace writer is alive."""
    rt = runtime(request)
    gate = getattr(request.app.state, "gate", None)
    if gate is not None and gate.draining:
        return json_response({"status": "unavailable", "reason": "draining"}, 503)

    def ping() -> None:
        with rt.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await rt.store.run(ping)
    except Exception as exc:
        # Anyone may ask: the driver's message (host, port, database name) stays in the log.
        log.warning("readiness: the database is unreachable: %s", type(exc).__name__)
        return json_response({"status": "unavailable", "reason": "database unreachable"}, 503)
    if issues := rt.health_issues():  # serving, but not all of what the labels name
        return json_response({"status": "degraded", "issues": issues})
    w = rt.traces
    return json_response(
        {
            "status": "ready",
            "traces_written": w.written,
            "traces_failed": w.failed,
            "traces_dead_letters": w.dead,
            "traces_waiting": w.spool.pending() if w.spool is not None else 0,
        }
    )


async def metrics(request: Request, _p: Principal) -> Response:
    """Prometheus text format."""
    rt = runtime(request)
    await rt.store.run(publish_backlog, rt.metrics, rt.store, rt.spec.app, rt.clock)
    body = await asyncio.to_thread(rt.metrics.render)  # every worker's files: not on the loop
    return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)


MAX_TRACE_ID = 64


async def app_trace(rt: Runtime, trace_id: str) -> dict[str, Any] | None:
    """This app's trace ``trace_id``, or None (never another app's, in a shared database)."""
    if len(trace_id) > MAX_TRACE_ID:
        return None
    return await rt.store.run(read_trace, rt.store, rt.cipher, trace_id, rt.spec.app)


def caller_view(trace: dict[str, Any]) -> dict[str, Any]:
    """What the trace's own caller sees: upstream error details (exception names, hosts)
    stay with operators holding ``traces.read``."""
    annotations = dict(trace.get("annotations") or {})
    if "attempts" in annotations:
        annotations["attempts"] = [
            {"route": a.get("route"), "status": a.get("status")}
            for a in annotations["attempts"]
            if isinstance(a, dict)
        ]
    return {**trace, "annotations": annotations}


async def get_trace(request: Request, principal: Principal) -> Response:
    """One trace of this app, decrypted: its owner or a role with ``traces.read`` may read
    it. Another caller's trace answers 404 like a missing one, so its existence stays
    hidden."""
    rt = runtime(request)
    trace = await app_trace(rt, request.path_params["trace_id"])
    if trace is None or not rt.access.may_read(principal, trace["key_id"], trace["user"]):
        raise NotFound("no such trace")
    if not rt.access.allowed(principal, "traces.read"):
        trace = caller_view(trace)
    return json_response(trace)


list_models_ep = guarded("models.read", list_models)
metrics_ep = guarded("reports.read", metrics)
get_trace_ep = guarded("chat", get_trace)
