"""The playground: ask the app through the real pipeline (in process), see the answer with
its citations, and rate it 1-5 with a comment and a correction."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stanchion.errors import ApiError
from stanchion.evals.feedback import LOW_SCORE, record
from stanchion.evals.review import enqueue
from stanchion.pipeline.exchange import Exchange
from stanchion.pipeline.pipeline import Pipeline
from stanchion.pipeline.stages.authenticate import Authenticate
from stanchion.providers.base import ChatRequest
from stanchion.server.feedback import _low_item, find_trace, parse_rating
from stanchion.store.trace_query import trace_ratings
from stanchion.ui.web import HEADERS, Console, PageError, Viewer, form, rt_of

MAX_QUESTION = 8_000


def session_pipeline(request: Request) -> Pipeline:
    """The app's pipeline, entered after authentication: the session already proved the key
    (and checked it is live) on this very request."""
    state = request.app.state
    pipe: Pipeline | None = getattr(state, "ui_pipeline", None)
    if pipe is None:
        full: Pipeline = state.pipeline
        before = [s for s in full.before if not isinstance(s, Authenticate)]
        pipe = dataclasses.replace(full, before=before)
        state.ui_pipeline = pipe
    return pipe


async def ask(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    question = form(request).get("question", "").strip()
    if not question:
        raise PageError(400, "Write a question first.")
    if len(question) > MAX_QUESTION:
        raise PageError(400, f"The question is over {MAX_QUESTION} characters.")
    route = rt.spec.models.default
    messages = [{"role": "user", "content": question}]
    ex = Exchange(
        id=rt.new_id(),
        app=rt.spec.app,
        started=rt.clock(),
        request=ChatRequest(model=route, messages=messages),
        principal=viewer.principal,
        messages=list(messages),
        route=route,
    )
    try:
        await session_pipeline(request).run(ex)
    except ApiError as exc:
        return await _show(ui, request, viewer, None, error=exc.message, question=question)
    return RedirectResponse(f"/ui/playground?trace={quote(ex.id)}", 303, headers=HEADERS)


async def playground(ui: Console, request: Request, viewer: Viewer) -> Response:
    trace_id = request.query_params.get("trace")
    if trace_id is not None and (not trace_id or len(trace_id) > 40):
        raise PageError(404, "No such answer.")
    return await _show(ui, request, viewer, trace_id)


async def _show(
    ui: Console,
    request: Request,
    viewer: Viewer,
    trace_id: str | None,
    error: str = "",
    question: str = "",
) -> Response:
    rt = rt_of(request)
    shown: dict[str, Any] | None = None
    mine: list[dict[str, Any]] = []
    if trace_id:
        trace = await find_trace(rt, trace_id)
        if trace is None or trace["app"] != rt.spec.app:
            raise PageError(404, "No such answer.")
        if trace["key_id"] != viewer.principal.key_id:
            raise PageError(403, "This answer was given to someone else.")
        shown = _view(trace)

        def ratings() -> list[dict[str, Any]]:
            with rt.store.engine.connect() as conn:
                return trace_ratings(conn, rt.spec.app, trace_id)

        mine = [r for r in await rt.store.run(ratings) if r["user"] == viewer.principal.user]
    return ui.html(
        request,
        "playground.html",
        viewer=viewer,
        page="playground",
        shown=shown,
        rating=mine[0]["score"] if mine else None,
        error=error,
        question=question,
        goal=rt.spec.goal.statement,
        description=rt.spec.description,
        training=_training(rt.spec.rollout.training if rt.spec.rollout else None),
    )


def _training(material: str | None) -> dict[str, str] | None:
    """The rollout's training material for pilot users: a link when it is a web address
    (http or https only: no ``javascript:``), else its text."""
    if not material:
        return None
    is_link = material.startswith(("https://", "http://")) and " " not in material
    return {"href": material if is_link else "", "text": material}


def _view(trace: dict[str, Any]) -> dict[str, Any]:
    messages = (trace.get("request") or {}).get("messages") or []
    response = trace.get("response") or {}
    question = next((m.get("content") for m in messages if m.get("role") == "user"), "")
    return {
        "id": trace["id"],
        "question": question if isinstance(question, str) else "",
        "answer": response.get("content") or "",
        "passages": response.get("passages") or [],
        "decision": trace["decision"],
    }


async def rate(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    data = form(request)
    score = data.get("score", "")
    if score not in {"1", "2", "3", "4", "5"}:
        raise PageError(400, "Pick a score from 1 to 5.")
    body = {
        "trace_id": data.get("trace_id", ""),
        "score": int(score),
        "comment": data.get("comment") or None,
        "correction": data.get("correction") or None,
    }
    rating = parse_rating(body, viewer.principal, rt.spec.app)
    trace = await find_trace(rt, rating.trace_id)
    if trace is None or trace["app"] != rt.spec.app:
        raise PageError(404, "No such answer.")
    if trace["user"] != viewer.principal.user:
        raise PageError(403, "You can rate only answers given to you.")

    def run() -> None:
        with rt.store.engine.begin() as conn:
            record(conn, rt.cipher, rating)
            if rating.score <= LOW_SCORE:
                enqueue(conn, rt.cipher, _low_item(trace))

    await rt.store.run(run)
    return RedirectResponse(f"/ui/playground?trace={quote(rating.trace_id)}", 303, headers=HEADERS)
