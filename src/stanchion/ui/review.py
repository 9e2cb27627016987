"""The review queue: held answers and low ratings; claim, then approve, edit or reject.

Every action goes through ``evals.review`` (one conditional update each, audited), the
same functions as ``/admin/review``.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stanchion.evals import review
from stanchion.server.registry_routes import in_tx
from stanchion.store.traces import read_trace
from stanchion.ui.traces import passages_with_text
from stanchion.ui.web import HEADERS, Console, PageError, Viewer, form, rt_of

STATUSES = ("open", "approved", "edited", "rejected")


async def queue(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    status = request.query_params.get("status", "open")
    if status not in STATUSES:
        raise PageError(400, f"status must be one of {', '.join(STATUSES)}")
    items = await in_tx(rt, review.list_items, rt.cipher, rt.spec.app, status, 200)
    now = rt.clock()
    oldest = max((now - i.created_at for i in items), default=0.0) if status == "open" else 0.0
    return ui.html(
        request,
        "review.html",
        viewer=viewer,
        page="review",
        items=items,
        status=status,
        statuses=STATUSES,
        oldest_minutes=oldest / 60,
        now=now,
    )


def _trace_id(request: Request) -> str:
    trace_id: str = request.path_params["trace_id"]
    if len(trace_id) > 40:
        raise PageError(404, "This trace is not in the review queue.")
    return trace_id


async def item_page(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    trace_id = _trace_id(request)
    item = await in_tx(rt, review.get_item, rt.cipher, rt.spec.app, trace_id)
    if item is None:
        raise PageError(404, "This trace is not in the review queue.")
    passages: list[dict[str, Any]] = []
    if viewer.can("traces.read"):
        trace = await rt.store.run(read_trace, rt.store, rt.cipher, trace_id)
        found = ((trace or {}).get("response") or {}).get("passages") or []
        passages = await rt.store.run(passages_with_text, rt, found, item.answer or "")
    return ui.html(
        request,
        "review_item.html",
        viewer=viewer,
        page="review",
        item=item,
        is_open=item.status in review.OPEN,
        mine=item.claimed_by == viewer.principal.user,
        passages=passages,
    )


async def claim(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    trace_id = _trace_id(request)
    form(request)
    await in_tx(rt, review.claim, rt.cipher, rt.spec.app, trace_id, viewer.principal.user)
    return RedirectResponse(f"/ui/review/{quote(trace_id)}", 303, headers=HEADERS)


async def decide(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    trace_id = _trace_id(request)
    data = form(request)
    action = data.get("action", "")
    if action not in review.FINAL:
        raise PageError(400, "Choose approve, edit or reject.")
    await in_tx(
        rt,
        review.decide,
        rt.cipher,
        rt.spec.app,
        trace_id,
        viewer.principal.user,
        cast(review.Action, action),
        text=data.get("content") if action == "edit" else None,
        note=data.get("note", "")[:2000],
    )
    return RedirectResponse("/ui/review", 303, headers=HEADERS)
