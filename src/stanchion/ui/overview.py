"""The overview: each KPI of the spec against its target, with its trend and its traces."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from stanchion.reports.kpis import KpiReport, kpi_report
from stanchion.ui.charts import sparkline
from stanchion.ui.web import Console, Viewer, rt_of

PERIODS = {"24h": 86_400.0, "7d": 7 * 86_400.0, "30d": 30 * 86_400.0, "90d": 90 * 86_400.0}
DEFAULT_PERIOD = "7d"


def period_of(request: Request) -> str:
    period = request.query_params.get("period", DEFAULT_PERIOD)
    return period if period in PERIODS else DEFAULT_PERIOD


async def overview(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    period = period_of(request)
    until = rt.clock()
    since = until - PERIODS[period]

    def read() -> KpiReport:
        with rt.store.engine.connect() as conn:  # rollups only: never the raw traces
            return kpi_report(conn, rt.spec, since, until)

    report = await rt.store.run(read)
    cards = [
        {
            "kpi": k,
            "spark": sparkline(k.trend),
            "href": "/ui/traces?"
            + urlencode({"since": f"{since:.0f}", "until": f"{until:.0f}", **k.link}),
        }
        for k in report.kpis
    ]
    return ui.html(
        request,
        "overview.html",
        viewer=viewer,
        page="overview",
        cards=cards,
        report=report,
        period=period,
        periods=list(PERIODS),
        goal=rt.spec.goal.statement,
        app=rt.spec.app,
    )
