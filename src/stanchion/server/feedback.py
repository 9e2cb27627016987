"""``POST /v1/feedback``: rate an answer 1-5, once per user and trace.

    client.post("/feedback", body={"trace_id": r.model_extra["stanchion"]["trace_id"],
                                   "score": 5, "comment": "clear"}, cast_to=object)

Traces are written by a batching thread shortly after the answer; a rating that arrives
first waits for its trace (up to ``TRACE_WAIT`` seconds) instead of failing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import BadRequest, NotFound, Unprocessable
from stanchion.evals.feedback import LOW_SCORE, Rating, record
from stanchion.evals.review import NewItem, enqueue
from stanchion.pipeline.exchange import Principal
from stanchion.providers.tokens import message_text
from stanchion.runtime import Runtime
from stanchion.server.http import guarded, json_response, read_model, runtime
from stanchion.server.misc import MAX_TRACE_ID, app_trace
from stanchion.server.schemas import Feedback as FeedbackBody

TRACE_WAIT = 3.0
MAX_TEXT = 10_000


async def find_trace(rt: Runtime, trace_id: str) -> dict[str, Any] | None:
    """This app's trace, waiting briefly for the writer when it is not stored yet."""
    deadline = asyncio.get_running_loop().time() + TRACE_WAIT
    delay = 0.02
    while True:
        trace = await app_trace(rt, trace_id)
        if trace is not None or asyncio.get_running_loop().time() >= deadline:
            return trace
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)


def parse_rating(body: Any, principal: Principal, app: str) -> Rating:
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    trace_id, score = body.get("trace_id"), body.get("score")
    if not isinstance(trace_id, str) or not trace_id:
        raise BadRequest(
            "trace_id is required (the stanchion.trace_id of the answer)", param="trace_id"
        )
    if len(trace_id) > MAX_TRACE_ID:
        raise BadRequest(f"trace_id is over {MAX_TRACE_ID} characters", param="trace_id")
    if score is None:
        raise BadRequest("score is required: an integer from 1 to 5", param="score")
    if not isinstance(score, int) or isinstance(score, bool):
        raise Unprocessable("score must be an integer from 1 to 5", param="score")
    if not 1 <= score <= 5:
        raise BadRequest(f"score must be from 1 to 5, not {score}", param="score")
    texts = {}
    for field in ("comment", "correction"):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            raise Unprocessable(f"{field} must be a string", param=field)
        if value is not None and len(value) > MAX_TEXT:
            raise BadRequest(f"{field} is over {MAX_TEXT} characters", param=field)
        texts[field] = value or None
    return Rating(
        trace_id,
        app,
        principal.user,
        principal.key_id,
        score,
        texts["comment"],
        texts["correction"],
    )


def _low_item(trace: dict[str, Any]) -> NewItem:
    messages = (trace.get("request") or {}).get("messages") or []
    question = next((message_text(m) for m in reversed(messages) if m.get("role") == "user"), None)
    return NewItem(
        trace["id"],
        trace["app"],
        "low_rating",
        trace["key_id"],
        trace["user"],
        trace["prompt_id"],
        question,
        (trace.get("response") or {}).get("content"),
    )


async def post_feedback(request: Request, principal: Principal) -> Response:
    """Rate an answer you received (1-5); rating it again replaces your earlier rating."""
    rt = runtime(request)
    body = await read_model(request, FeedbackBody, 50_000)
    rating = parse_rating(body.model_dump(), principal, rt.spec.app)
    trace = await find_trace(rt, rating.trace_id)
    # Someone else's answer is "not found" like a missing one: a 403 would confirm it exists.
    if trace is None or trace["user"] != principal.user:
        raise NotFound(f"no answer of yours has trace id {rating.trace_id!r}", param="trace_id")

    def run() -> tuple[bool, bool]:
        with rt.store.engine.begin() as conn:
            replaced = record(conn, rt.cipher, rating)
            queued = rating.score <= LOW_SCORE and enqueue(conn, rt.cipher, _low_item(trace))
            return replaced, queued

    replaced, queued = await rt.store.run(run)
    rt.metrics.inc("stanchion_ratings_total", (("app", rt.spec.app), ("score", str(rating.score))))
    return json_response(
        {
            "trace_id": rating.trace_id,
            "score": rating.score,
            "replaced": replaced,
            "queued_for_review": queued,
        },
        200 if replaced else 201,
    )


post_feedback_ep = guarded("feedback", post_feedback)
