"""``POST /v1/embeddings``: OpenAI's embeddings API on the app's routes. The inputs pass the
same stages as a chat prompt before any upstream sees them (key, role, rate and budget,
input guards: a redaction is embedded as redacted, a block or hold is a 400), the call goes
through the route's retries and fallbacks (``providers/embedding.py``), and the exchange is
priced (input tokens at the route's input price) and recorded as a trace."""

from __future__ import annotations

import base64
import struct
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import ApiError, BadRequest, NotFound
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.pipeline.pipeline import Pipeline, run_stages
from stanchion.pipeline.stages.generate import public_error
from stanchion.providers.base import ChatRequest, Completion, Usage
from stanchion.providers.embedding import Embedded, Embeddings
from stanchion.providers.router import Attempt
from stanchion.providers.tokens import count_tokens, message_text
from stanchion.runtime import Runtime
from stanchion.server.http import authenticate, json_response, read_json, runtime, trace_headers
from stanchion.server.shapes import EmbeddingsRequest, parse_open
from stanchion.telemetry.logs import TRACE_ID

BEFORE = ("authenticate", "authorize", "admit", "guard_input")


def _exchange(rt: Runtime, principal: Principal, req: EmbeddingsRequest, route: str) -> Exchange:
    messages = [{"role": "user", "content": t} for t in req.texts()]
    params = {k: v for k, v in (("dimensions", req.dimensions),) if v is not None}
    chat = ChatRequest(model=req.model, messages=messages, params=params, user=req.user)
    return Exchange(
        id=rt.new_id(),
        app=rt.spec.app,
        started=rt.clock(),
        request=chat,
        principal=principal,
        messages=[dict(m) for m in messages],
        route=route,
        annotations={"endpoint": "embeddings"},
    )


def _settle(rt: Runtime, ex: Exchange, out: Embedded, texts: list[str]) -> None:
    tokens = out.prompt_tokens or sum(count_tokens(t) for t in texts)
    usage = Usage(tokens, 0, counted=not out.prompt_tokens)
    ex.route = out.route or ex.route
    route = rt.spec.route(ex.route or "")
    ex.completion = Completion(content="", model=out.model, usage=usage, route=ex.route or "")
    ex.cost = tokens * (route.price.input if route else 0.0) / 1_000_000
    ex.annotations["vectors"] = [len(out.vectors), len(out.vectors[0]) if out.vectors else 0]


async def _embed(pipe: Pipeline, service: Embeddings, ex: Exchange, dims: int | None) -> Embedded:
    await run_stages(ex, [s for s in pipe.before if s.name in BEFORE])
    if ex.decision != "pass":
        ex.status, ex.error = 400, "the input was stopped by the input policy"
        raise BadRequest(ex.error, code="input_blocked", param="input")
    if not service.serves(ex.route or ""):
        raise BadRequest(
            f"the model {ex.request.model!r} does not serve embeddings",
            code="model_not_supported",
            param="model",
        )
    texts = [message_text(m) for m in ex.messages]
    attempts: list[Attempt] = []
    try:
        return await service.embed(ex.route or "", texts, dims, attempts)
    except ApiError as err:
        raise public_error(err, ex.id) from None
    finally:
        if attempts:
            ex.annotations["attempts"] = [asdict(a) for a in attempts]


def _encode(vector: list[float], fmt: str | None) -> Any:
    if fmt == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


async def create_embeddings(request: Request) -> Response:
    """Create embeddings for text inputs, guarded, priced and traced."""
    rt = runtime(request)
    principal = await authenticate(request, "chat")
    req = parse_open(EmbeddingsRequest, await read_json(request, rt.spec.limits.max_body_bytes))
    route = rt.resolve_model(req.model)
    if route is None:
        raise NotFound(
            f"the model {req.model!r} does not exist for this app",
            code="model_not_found",
            param="model",
        )
    ex = _exchange(rt, principal, req, route)
    TRACE_ID.set(ex.id)
    pipe: Pipeline = request.app.state.pipeline
    try:
        out = await _embed(pipe, request.app.state.embeddings, ex, req.dimensions)
        _settle(rt, ex, out, [message_text(m) for m in ex.messages])
        await run_stages(ex, [s for s in pipe.after if s.name == "decide"])
    except ApiError as err:
        ex.status, ex.error = err.status, err.message
        ex.decision = ex.decision if ex.decision != "pass" else "error"
        await pipe.record(ex)
        raise
    await pipe.record(ex)
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(v, req.encoding_format)}
        for i, v in enumerate(out.vectors)
    ]
    usage = ex.completion.usage if ex.completion else Usage()
    body = {
        "object": "list",
        "data": data,
        "model": ex.route,
        "usage": {"prompt_tokens": usage.prompt_tokens, "total_tokens": usage.prompt_tokens},
        "stanchion": {
            "trace_id": ex.id,
            "decision": ex.decision,
            "findings": [f.to_record() for f in ex.findings],
        },
    }
    return json_response(body, headers=trace_headers(ex.id))


create_embeddings.permission = "chat"  # type: ignore[attr-defined]
