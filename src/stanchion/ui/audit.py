"""The audit log, filterable by actor and action, with the chain's verification on request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import CryptoError
from stanchion.store.audit import AuditReport, open_detail, verify
from stanchion.store.audit_query import list_events
from stanchion.ui.web import Console, PageError, Viewer, rt_of


def _before(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise PageError(400, "the page cursor is malformed")
    return int(raw)


def _readable(conn: Any, stored: str) -> str:
    """An event's detail opened (details are sealed at rest) as compact JSON; one that will
    not open (a damaged row, a key no longer bound) says so instead of showing ciphertext."""
    try:
        return orjson.dumps(open_detail(conn, stored)).decode()
    except (CryptoError, orjson.JSONDecodeError):
        return "(sealed: cannot be opened with the bound key)"


async def audit_log(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    params = request.query_params
    actor = (params.get("actor") or "").strip()[:200] or None
    action = (params.get("action") or "").strip()[:100] or None
    before = _before(params.get("before"))
    check = params.get("verify") == "1"

    def read() -> tuple[list[dict[str, Any]], int | None, AuditReport | None]:
        with rt.store.engine.connect() as conn:
            rows, cursor = list_events(conn, actor=actor, action=action, before=before)
            for r in rows:
                r["detail"] = _readable(conn, r["detail"])
            return rows, cursor, verify(conn) if check else None

    rows, cursor, report = await rt.store.run(read)
    keep = {k: v for k, v in (("actor", actor), ("action", action)) if v}
    next_href = "?" + urlencode({**keep, "before": str(cursor)}) if cursor is not None else None
    return ui.html(
        request,
        "audit.html",
        viewer=viewer,
        page="audit",
        rows=rows,
        keep=keep,
        next_href=next_href,
        report=report,
        verify_href="?" + urlencode({**keep, "verify": "1"}),
    )
