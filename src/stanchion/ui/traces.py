"""Traces: a filtered, keyset-paginated list, and one trace as a page.

A role with ``traces.read`` sees every trace; any other role sees only the traces of its
own key (the same rule as ``GET /v1/traces/{id}``), and only those are decrypted for it.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from stanchion.evals.review import ReviewItem, get_item
from stanchion.knowledge import versions as kv
from stanchion.store.trace_query import (
    DECISIONS,
    TraceFilter,
    TracePage,
    TraceSearch,
    list_traces,
    search_traces,
    trace_ratings,
)
from stanchion.store.traces import read_trace
from stanchion.ui.charts import waterfall
from stanchion.ui.citations import segments
from stanchion.ui.web import Console, PageError, Viewer, rt_of

TEXT_FIELDS = ("user", "prompt", "model", "finding")
PAGE_SIZE = 50


def _number(params: Any, name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise PageError(400, f"{name} must be a number") from None
    if not math.isfinite(value) or value < 0:
        raise PageError(400, f"{name} must be a finite, non-negative number")
    return value


def _cursor(raw: str | None) -> tuple[float, str] | None:
    if not raw:
        return None
    at, _, tid = raw.partition(":")
    try:
        value = float(at)
    except ValueError:
        raise PageError(400, "the page cursor is malformed") from None
    if not tid or len(tid) > 40 or not math.isfinite(value):
        raise PageError(400, "the page cursor is malformed")
    return value, tid


def parse_filter(params: Any) -> tuple[TraceFilter, dict[str, str]]:
    """The filter from the query string (hostile input), and the params to keep in links."""
    texts = {}
    for name in TEXT_FIELDS:
        value = (params.get(name) or "").strip()
        if len(value) > 200:
            raise PageError(400, f"{name} is too long")
        texts[name] = value or None
    decision = params.get("decision") or None
    if decision is not None and decision not in DECISIONS:
        raise PageError(400, f"decision must be one of {', '.join(DECISIONS)}")
    rating = params.get("rating") or None
    if rating is not None and rating not in ("low", "high", "any"):
        raise PageError(400, "rating must be low, high or any")
    grounded = {"yes": True, "no": False, None: None, "": None}.get(params.get("grounded"), "bad")
    if grounded == "bad":
        raise PageError(400, "grounded must be yes or no")
    f = TraceFilter(
        since=_number(params, "since"),
        until=_number(params, "until"),
        decision=decision,
        min_latency_ms=_number(params, "min_latency"),
        rating=rating,
        grounded=grounded,  # type: ignore[arg-type]
        before=_cursor(params.get("before")),
        **texts,
    )
    keep = {
        k: str(params[k])
        for k in (*TEXT_FIELDS, "since", "until", "decision", "min_latency", "rating", "grounded")
        if params.get(k)
    }
    text = " ".join((params.get("q") or "").split())
    if len(text) > 200:
        raise PageError(400, "q is too long")
    if text:
        keep["q"] = text
    return f, keep


async def trace_list(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    f, keep = parse_filter(request.query_params)
    everyone = viewer.can("traces.read")
    if not everyone:
        f = TraceFilter(**{**_fields(f), "user": None, "key_id": viewer.principal.key_id})

    text = keep.get("q", "")

    def read() -> TracePage | TraceSearch:
        with rt.store.engine.connect() as conn:
            if text:  # the sealed content is opened only for traces the viewer may read
                return search_traces(conn, rt.cipher, rt.spec.app, f, text, PAGE_SIZE)
            return list_traces(conn, rt.spec.app, f, PAGE_SIZE)

    page = await rt.store.run(read)
    next_href = None
    if page.next is not None:
        next_href = "?" + urlencode({**keep, "before": f"{page.next[0]!r}:{page.next[1]}"})
    return ui.html(
        request,
        "traces.html",
        viewer=viewer,
        page="traces",
        rows=page.rows,
        keep=keep,
        next_href=next_href,
        everyone=everyone,
        decisions=DECISIONS,
        scanned=page.scanned if isinstance(page, TraceSearch) else None,
    )


def _fields(f: TraceFilter) -> dict[str, Any]:
    return {name: getattr(f, name) for name in f.__slots__}


def _may_read(viewer: Viewer, trace: dict[str, Any]) -> bool:
    return viewer.can("traces.read") or trace["key_id"] == viewer.principal.key_id


async def trace_page(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    trace_id = request.path_params["trace_id"]
    if len(trace_id) > 40:
        raise PageError(404, "No such trace.")

    def read() -> tuple[dict[str, Any] | None, list[dict[str, Any]], ReviewItem | None]:
        trace = read_trace(rt.store, rt.cipher, trace_id)
        with rt.store.engine.connect() as conn:
            ratings = trace_ratings(conn, rt.spec.app, trace_id)
            item = get_item(conn, rt.cipher, rt.spec.app, trace_id)
        return trace, ratings, item

    trace, ratings, item = await rt.store.run(read)
    if trace is None or trace["app"] != rt.spec.app:
        raise PageError(404, "No such trace.")
    if not _may_read(viewer, trace):
        raise PageError(403, "This trace belongs to another caller.")
    response = trace.get("response") or {}
    answers = response.get("content") or ""
    if item is not None and item.answer and viewer.can("traces.read"):
        answers += "\n" + item.answer  # a held answer's citations count too
    passages = await rt.store.run(passages_with_text, rt, response.get("passages") or [], answers)
    for r in ratings:
        for col in ("comment", "correction"):
            blob = r.pop(f"{col}_enc")
            r[col] = rt.cipher.decrypt_text(bytes(blob)) if blob is not None else None
    request_messages = (trace.get("request") or {}).get("messages") or []
    return ui.html(
        request,
        "trace.html",
        viewer=viewer,
        page="traces",
        t=trace,
        messages=[_message(m) for m in request_messages],
        answer=response.get("content"),
        passages=passages,
        bars=waterfall(trace.get("timings") or {}, width=360),
        ratings=ratings,
        item=item,
        model_version=(trace.get("annotations") or {}).get("model_version"),
        groundedness=(trace.get("annotations") or {}).get("groundedness"),
    )


def _message(m: Any) -> dict[str, str]:
    from stanchion.providers.tokens import message_text

    if not isinstance(m, dict):
        return {"role": "?", "text": str(m)}
    return {"role": str(m.get("role", "?")), "text": message_text(m)}


def passages_with_text(
    rt: Any, passages: list[dict[str, Any]], answer: str
) -> list[dict[str, Any]]:
    """Each passage with its text (cut from the document version it came from), whether the
    answer cites it (``[n]``) and its pieces, the cited spans marked; a document since
    deleted just has no text."""
    texts: dict[tuple[str, int], str | None] = {}
    out = []
    with rt.store.engine.connect() as conn:
        for n, p in enumerate(passages, 1):
            key = (str(p.get("doc_id")), int(p.get("version") or 0))
            if key not in texts:
                try:
                    texts[key] = kv.show(conn, rt.spec.app, key[0], key[1], rt.cipher)[1]
                except kv.VersionError:
                    texts[key] = None
            doc = texts[key]
            start, end = int(p.get("start") or 0), int(p.get("end") or 0)
            text = doc[start:end] if doc else None
            cited = f"[{n}]" in answer
            pieces = segments(text, answer, n) if text and cited else [(text or "", False)]
            out.append({**p, "text": text, "cited": cited, "pieces": pieces})
    return out
