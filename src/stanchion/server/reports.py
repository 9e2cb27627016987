"""Reports over the rollups: the KPIs against their targets (``GET /admin/reports/kpis``),
and the alerts raised (``GET /admin/alerts``)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stanchion.alerts.deliver import list_events
from stanchion.errors import BadRequest
from stanchion.pipeline.exchange import Principal
from stanchion.reports.kpis import BY, kpi_report
from stanchion.reports.topics import topic_report
from stanchion.server.http import guarded, json_response, runtime

PERIOD = re.compile(r"([1-9][0-9]{0,4})([hd])")
MAX_PERIOD = 3660 * 86_400
UNIT = {"h": 3600, "d": 86_400}


def period_seconds(text: str) -> float:
    """``24h``, ``7d``, ``90d``: whole hours or days, at most ten years; else a 400."""
    m = PERIOD.fullmatch(text)
    seconds = int(m.group(1)) * UNIT[m.group(2)] if m else 0
    if not 0 < seconds <= MAX_PERIOD:
        raise BadRequest(
            "period must be hours or days, like 24h or 7d (at most 3660d)", param="period"
        )
    return float(seconds)


async def kpis(request: Request, _p: Principal) -> Response:
    """Every KPI of the spec against its target over ``?period=`` (default 7d), with the
    previous period; ``?by=version|route|cohort`` adds a group per key."""
    rt = runtime(request)
    period = period_seconds(request.query_params.get("period", "7d"))
    by = request.query_params.get("by") or None
    if by is not None and by not in BY:
        raise BadRequest(f"by must be one of {', '.join(BY)}", param="by")
    until = rt.clock()

    def run() -> dict[str, Any]:
        with rt.store.engine.connect() as conn:
            return kpi_report(conn, rt.spec, until - period, until, by=by).to_record()

    return json_response({"app": rt.spec.app, **await rt.store.run(run)})


async def topics(request: Request, _p: Principal) -> Response:
    """Refused and low-rated questions over ``?period=`` (default 7d) clustered into themes
    with counts and example questions. Content: ``traces.read`` only."""
    rt = runtime(request)
    period = period_seconds(request.query_params.get("period", "7d"))
    until = rt.clock()

    def run() -> list[dict[str, Any]]:
        with rt.store.engine.connect() as conn:
            themes = topic_report(conn, rt.cipher, rt.spec.app, until - period, until)
            return [t.to_record() for t in themes]

    return json_response({"app": rt.spec.app, "data": await rt.store.run(run)})


async def alerts(request: Request, _p: Principal) -> Response:
    """The latest alerts raised (firing, resolved, test) and their delivery."""
    rt = runtime(request)

    def run() -> list[dict[str, Any]]:
        with rt.store.engine.connect() as conn:
            return list_events(conn, rt.spec.app, 100)

    return json_response({"app": rt.spec.app, "data": await rt.store.run(run)})


kpis_ep = guarded("reports.read", kpis)
topics_ep = guarded("traces.read", topics)
alerts_ep = guarded("reports.read", alerts)


def routes() -> list[Route]:
    return [
        Route("/admin/reports/kpis", kpis_ep, methods=["GET"], name="report_kpis"),
        Route("/admin/reports/topics", topics_ep, methods=["GET"], name="report_topics"),
        Route("/admin/alerts", alerts_ep, methods=["GET"], name="alerts_list"),
    ]
