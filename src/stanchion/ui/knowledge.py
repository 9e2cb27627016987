"""Knowledge: documents and their versions, drafts awaiting approval (approve or retire,
with a diff against the approved version), through ``knowledge.versions``."""

from __future__ import annotations

import difflib
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stanchion.knowledge import versions as kv
from stanchion.knowledge.ingest import INGEST_EVENT
from stanchion.server.registry_routes import in_tx
from stanchion.store.audit_query import latest_event
from stanchion.ui.web import HEADERS, Console, PageError, Viewer, form, rt_of

STATUSES = ("draft", "approved", "retired")


async def documents(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUSES:
        raise PageError(400, f"status must be one of {', '.join(STATUSES)}")
    found = await in_tx(rt, kv.list_versions, rt.spec.app, status, rt.cipher)
    drafts = sum(1 for v in found if v.status == "draft")
    last = await in_tx(rt, latest_event, INGEST_EVENT, rt.spec.app)
    return ui.html(
        request,
        "knowledge.html",
        viewer=viewer,
        page="knowledge",
        versions=found,
        status=status or "",
        statuses=STATUSES,
        drafts=drafts,
        ingest=last,
    )


def _version(raw: str | None) -> int:
    if not raw or not raw.isdigit() or len(raw) > 9:
        raise PageError(400, "The version is a whole number.")
    return int(raw)


def _doc(raw: str | None) -> str:
    if not raw or len(raw) > 500:
        raise PageError(400, "Name a document.")
    return raw


async def document(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    doc_id = _doc(request.query_params.get("doc"))
    version = _version(request.query_params.get("version"))

    def read(conn: Connection) -> tuple[kv.VersionInfo, str, Any]:
        info, text = kv.show(conn, rt.spec.app, doc_id, version, rt.cipher)
        approved = [
            v
            for v in kv.list_versions(conn, rt.spec.app, "approved")
            if v.doc_id == doc_id and v.version != version
        ]
        base = (
            kv.show(conn, rt.spec.app, doc_id, approved[0].version, rt.cipher) if approved else None
        )
        return info, text, base

    try:
        info, text, base = await in_tx(rt, read)
    except kv.VersionError as exc:
        raise PageError(404, str(exc)) from None
    lines: list[str] = []
    if base is not None:
        lines = list(
            difflib.unified_diff(
                base[1].splitlines(),
                text.splitlines(),
                f"{doc_id} v{base[0].version} (approved)",
                f"{doc_id} v{info.version}",
                lineterm="",
            )
        )
    return ui.html(
        request,
        "document.html",
        viewer=viewer,
        page="knowledge",
        info=info,
        text=text,
        lines=lines,
        base=base[0] if base else None,
    )


async def change(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    data = form(request)
    action = {"approve": kv.approve, "retire": kv.retire}.get(data.get("action", ""))
    if action is None:
        raise PageError(400, "Choose approve or retire.")
    doc_id = _doc(data.get("doc"))
    version = _version(data.get("version"))
    try:
        await in_tx(rt, action, rt.spec.app, doc_id, version, viewer.principal.user)
    except kv.VersionError as exc:
        raise PageError(409, str(exc)) from None
    return RedirectResponse("/ui/knowledge", 303, headers=HEADERS)
