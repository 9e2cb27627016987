"""Evals: the experiments, one experiment's examples with their pass/fail reasons, and two
experiments compared, through ``evals.experiments`` (permission ``reports.read``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from stanchion.evals import experiments
from stanchion.server.registry_routes import in_tx
from stanchion.ui.web import Console, PageError, Viewer, rt_of

SUMMARY = ("accuracy", "groundedness", "refusals", "block_rate", "errors", "p95_ms", "cost")


def _id(raw: str | None) -> str:
    if not raw or len(raw) > 40:
        raise PageError(404, "No such experiment.")
    return raw


async def experiment_list(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    found = await in_tx(rt, experiments.list_experiments, rt.spec.app, 100)
    return ui.html(
        request, "evals.html", viewer=viewer, page="evals", experiments=found, summary=SUMMARY
    )


async def experiment_page(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    exp = await in_tx(rt, experiments.load, rt.cipher, rt.spec.app, _id(request.path_params["exp"]))
    failed = sum(1 for r in exp.results if not r.passed)
    return ui.html(request, "experiment.html", viewer=viewer, page="evals", exp=exp, failed=failed)


async def compare_page(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    a, b = _id(request.query_params.get("a")), _id(request.query_params.get("b"))

    def read(conn: Connection) -> tuple[Any, Any]:
        return (
            experiments.load(conn, rt.cipher, rt.spec.app, a),
            experiments.load(conn, rt.cipher, rt.spec.app, b),
        )

    ea, eb = await in_tx(rt, read)
    return ui.html(
        request,
        "compare.html",
        viewer=viewer,
        page="evals",
        a=ea,
        b=eb,
        cmp=experiments.compare(ea, eb),
    )
