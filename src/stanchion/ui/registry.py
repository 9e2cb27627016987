"""Prompts and models: versions, labels, a diff of any two, approvals outstanding, and the
approve / reject / move actions, through the same registry functions as
``/admin/registry/{kind}`` (and the same permissions)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stanchion.registry import labels, versions
from stanchion.registry.validate import stored_verifier
from stanchion.reports.versions import version_report
from stanchion.server.registry_routes import KINDS, in_tx
from stanchion.ui.web import HEADERS, Console, PageError, Viewer, form, rt_of

SHOWN = 50  # newest versions listed per kind
REPORT_SECONDS = 86_400.0  # the side-by-side report reads every trace of its period


def _kind(request: Request) -> tuple[str, str]:
    path = request.path_params["kind"]
    if path not in KINDS:
        raise PageError(404, "No such registry: use prompts or models.")
    return path, KINDS[path]


async def registry_page(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    path, kind = _kind(request)
    rules = rt.spec.registry

    def read(conn: Connection) -> dict[str, Any]:
        found = versions.list_versions(conn, rt.cipher, rt.spec.app, kind)[-SHOWN:]
        outstanding = {
            v.id: {
                label: labels.missing_approvals(conn, rt.spec.app, kind, v.id, label, rules)
                for label in rules.protected
            }
            for v in found
        }
        return {
            "versions": list(reversed(found)),
            "labels": labels.list_labels(conn, rt.spec.app, kind),
            "history": labels.label_history(conn, rt.spec.app, kind),
            "outstanding": outstanding,
        }

    data = await in_tx(rt, read)
    report: list[Any] = []
    if viewer.can("reports.read"):
        now = rt.clock()
        report = await in_tx(rt, version_report, rt.spec.app, now - REPORT_SECONDS, now + 1)
    return ui.html(
        request,
        "registry.html",
        report=report,
        viewer=viewer,
        page=f"registry/{path}",
        kind=path,
        rules=rules,
        diff=None,
        **data,
    )


async def diff_page(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    path, kind = _kind(request)
    a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
    if not a or not b or len(a) > 200 or len(b) > 200:
        raise PageError(400, "Pick two versions to compare.")

    def read(conn: Connection) -> tuple[versions.Version, versions.Version]:
        return (
            versions.resolve_ref(conn, rt.cipher, rt.spec.app, kind, a),
            versions.resolve_ref(conn, rt.cipher, rt.spec.app, kind, b),
        )

    va, vb = await in_tx(rt, read)
    lines = versions.diff(va, vb).splitlines()
    return ui.html(
        request,
        "diff.html",
        viewer=viewer,
        page=f"registry/{path}",
        kind=path,
        a=va,
        b=vb,
        lines=lines,
    )


async def decide(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    path, kind = _kind(request)
    data = form(request)
    choice, label = data.get("decision"), data.get("label", "")
    if choice not in ("approve", "reject"):
        raise PageError(400, "Choose approve or reject.")
    await in_tx(
        rt,
        labels.decide,
        rt.spec.app,
        kind,
        data.get("version", ""),
        label,
        user=viewer.principal.user,
        role=viewer.principal.role,
        approve=choice == "approve",
        comment=data.get("comment", "")[:2000],
        rules=rt.spec.registry,
    )
    return RedirectResponse(f"/ui/registry/{quote(path)}", 303, headers=HEADERS)


def _percent(raw: str | None) -> int | None:
    if not raw:
        return None
    # ASCII and at most three digits before int(): str.isdigit() passes "²", which int()
    # refuses, and int() refuses more than 4300 digits; both were a 500
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or int(raw) > 100:
        raise PageError(400, "The canary share is a whole percentage, 0 to 100.")
    return int(raw)


async def move(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    path, kind = _kind(request)
    data = form(request)
    pct = _percent(data.get("canary_percent"))

    def run(conn: Connection) -> labels.LabelState:
        v = versions.resolve_ref(conn, rt.cipher, rt.spec.app, kind, data.get("version", ""))
        return labels.move(
            conn,
            rt.spec.app,
            kind,
            data.get("label", ""),
            v.id,
            actor=viewer.principal.user,
            rules=rt.spec.registry,
            canary_percent=pct,
            verify=stored_verifier(
                conn,
                rt.cipher,
                rt.spec.app,
                kind,
                egress=rt.router.egress,
                secret=rt.settings.env_value,
            ),
        )

    await in_tx(rt, run)
    await rt.labels.refresh_after_move()
    return RedirectResponse(f"/ui/registry/{quote(path)}", 303, headers=HEADERS)
