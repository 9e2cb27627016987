"""The review queue API (role ``reviewer``: permission ``review``), and the answer a held
request's caller polls until a reviewer releases it."""

from __future__ import annotations

from typing import cast

from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import BadRequest, NotFound
from stanchion.evals import review
from stanchion.pipeline.exchange import Principal
from stanchion.server.http import guarded, json_response, read_model, runtime
from stanchion.server.misc import app_trace
from stanchion.server.registry_routes import in_tx
from stanchion.server.schemas import ReviewDecision

STATUSES = ("open", "pending", "claimed", "approved", "edited", "rejected")


async def queue_list(request: Request, _p: Principal) -> Response:
    """Queued traces, oldest first: ``?status=open`` (default), or any one status."""
    rt = runtime(request)
    status = request.query_params.get("status", "open")
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {list(STATUSES)}", param="status")
    items = await in_tx(rt, review.list_items, rt.cipher, rt.spec.app, status)
    return json_response({"data": [i.to_record() for i in items]})


async def queue_show(request: Request, _p: Principal) -> Response:
    rt = runtime(request)
    item = await in_tx(rt, review.get_item, rt.cipher, rt.spec.app, request.path_params["trace_id"])
    if item is None:
        raise NotFound("this trace is not in the review queue")
    return json_response(item.to_record())


async def queue_claim(request: Request, principal: Principal) -> Response:
    rt = runtime(request)
    item = await in_tx(
        rt, review.claim, rt.cipher, rt.spec.app, request.path_params["trace_id"], principal.user
    )
    return json_response(item.to_record())


async def queue_decide(request: Request, principal: Principal) -> Response:
    """``approve`` releases the held answer, ``edit`` releases ``content``, ``reject`` not."""
    rt = runtime(request)
    action = request.path_params["action"]
    if action not in review.FINAL:
        raise NotFound(f"no review action {action!r}; use approve, edit or reject")
    body = ReviewDecision()
    if request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers:
        body = await read_model(request, ReviewDecision, 200_000)
    text, note = body.content, body.note or ""
    item = await in_tx(
        rt,
        review.decide,
        rt.cipher,
        rt.spec.app,
        request.path_params["trace_id"],
        principal.user,
        cast(review.Action, action),
        text=text,
        note=note,
    )
    return json_response(item.to_record())


async def answer(request: Request, principal: Principal) -> Response:
    """What the caller of a trace may see now: ``held``, ``released``, ``rejected`` or
    ``answered`` (never held); poll it after a held answer."""
    rt = runtime(request)
    trace_id = request.path_params["trace_id"]
    item = await in_tx(rt, review.get_item, rt.cipher, rt.spec.app, trace_id)
    owner = (item.key_id, item.user) if item else None
    recorded = None
    if item is None or item.reason not in review.HELD:
        trace = await app_trace(rt, trace_id)
        if trace is None:
            raise NotFound("no such trace")
        owner = (trace["key_id"], trace["user"])
        recorded = (trace.get("response") or {}).get("content")
    assert owner is not None
    # Both records are this app's; another caller's trace is "not found" like a missing one.
    if not rt.access.may_read(principal, *owner):
        raise NotFound("no such trace")
    return json_response({"trace_id": trace_id, **review.client_view(item, recorded)})


queue_list_ep = guarded("review", queue_list)
queue_show_ep = guarded("review", queue_show)
queue_claim_ep = guarded("review", queue_claim)
queue_decide_ep = guarded("review", queue_decide)
answer_ep = guarded("chat", answer)
