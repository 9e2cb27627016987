from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from typing import Any

from stanchion.agents.schemas import check
from stanchion.cache import ResponseCache
from stanchion.errors import ApiError
from stanchion.knowledge.query.glossary import with_builtin
from stanchion.pipeline.cascade import Cascade
from stanchion.pipeline.exchange import Exchange
from stanchion.pipeline.stages.structured import response_schema, retry_messages
from stanchion.pipeline.stages.tools import model_params
from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.router import Attempt, Router
from stanchion.providers.tokens import count_message_tokens, count_tokens
from stanchion.registry.cache import LabelCache
from stanchion.spec.model import AppSpec

log = logging.getLogger("stanchion.upstream")
_PUBLIC = {
    "upstream_timeout": "the model did not answer in time",
    "rate_limit_exceeded": "the model provider is busy; retry later",
    "upstream_rejected": "the model provider refused this request",
}


def public_error(err: ApiError, trace_id: str) -> ApiError:
    """The same failure (class, status, code, retry-after) with a message that names no
    upstream host, exception or body: those go to the log, under the trace id the client
    is given."""
    log.warning("trace %s: %s", trace_id, err.message)
    what = _PUBLIC.get(err.code or "", "the model provider failed")
    return type(err)(
        f"{what} (trace {trace_id}; the details are in the server log)",
        code=err.code,
        param=err.param,
        retry_after=err.retry_after,
    )


class Generate:
    """Call the route the request resolved to, through the router (retries, fallbacks).

    The route's version comes from the label cache (per user during a canary) and is
    recorded as ``annotations["model_version"]``. The provider gets the standalone question
    and its parts (``annotations["query"]`` / ``["parts"]`` from the retrieve stage); a
    completion the provider marks refused (nothing in the passages answers) is declined
    with the app's no-evidence reply, as the retrieve stage would have.
    """

    name = "generate"

    def __init__(
        self,
        router: Router,
        spec: AppSpec,
        labels: LabelCache,
        cache: ResponseCache | None = None,
        cascade: Cascade | None = None,
    ) -> None:
        self.router, self.labels, self.cache, self.cascade = router, labels, cache, cascade
        self.prices = {r.name: (r.price.input, r.price.output) for r in spec.models.routes}
        self.no_evidence = spec.knowledge.no_evidence.reply if spec.knowledge else None
        self.glossary = with_builtin(spec.knowledge.glossary) if spec.knowledge else {}
        self.retry_invalid_json = spec.structured_outputs.on_invalid == "retry"

    def _request(self, ex: Exchange) -> ChatRequest:
        req = ex.request
        return ChatRequest(
            model=req.model,
            messages=ex.rendered,
            stream=req.stream,
            include_usage=req.include_usage,
            params=model_params(ex),
            user=req.user,
            context=[p.text for p in ex.passages],
            titles=[p.title for p in ex.passages],
            sources=[p.source for p in ex.passages],
            question=str(ex.annotations.get("query") or ""),
            parts=[str(p) for p in ex.annotations.get("parts") or []],
            part_decisions=_decisions(ex.annotations),
            glossary=self.glossary,
        )

    def _target(self, ex: Exchange) -> str:
        """The router key for this request's route version (the route name by default)."""
        name = ex.route or ""
        picked = self.labels.model(name, ex.principal.user if ex.principal else "")
        if picked is None:
            return name
        ex.annotations["model_version"] = picked[1]
        return picked[0]

    def settle(self, ex: Exchange, completion: Completion, attempts: list[Attempt]) -> None:
        """Fill usage the provider did not report, and price the answer by its route."""
        if attempts:
            ex.annotations["attempts"] = [asdict(a) for a in attempts]
        usage = completion.usage
        if usage.prompt_tokens == 0 and usage.completion_tokens == 0:
            completion.usage = Usage(
                count_message_tokens(ex.rendered), count_tokens(completion.content), counted=True
            )
        ex.completion = completion
        if completion.refused:
            self._decline(ex)
        if completion.route and completion.route != ex.route:
            fallback = self.labels.models.get(completion.route)
            ex.annotations["model_version"] = fallback.stable_id if fallback else None
        ex.route = completion.route or ex.route
        price_in, price_out = self.prices.get(ex.route or "", (0.0, 0.0))
        u = completion.usage
        ex.cost = (u.prompt_tokens * price_in + u.completion_tokens * price_out) / 1_000_000

    async def __call__(self, ex: Exchange) -> None:
        attempts: list[Attempt] = []
        target = self._target(ex)
        if self.cache is not None and await self._cached(ex, self.cache, target):
            return
        try:
            request = self._request(ex)
            completion = await self.router.complete(target, request, attempts)
            completion = await self._retry_structured(ex, target, request, completion, attempts)
            if self.cascade is not None:

                async def stronger(route: str) -> Completion:
                    return await self.router.complete(route, request, attempts)

                completion = await self.cascade.run(ex, completion, stronger)
        except ApiError as err:
            raise public_error(err, ex.id) from None
        finally:
            if attempts:
                ex.annotations["attempts"] = [asdict(a) for a in attempts]
        self.settle(ex, completion, attempts)
        if self.cascade is not None and "cascade" in ex.annotations:
            ex.cost += float(ex.annotations["cascade"].pop("cost", 0.0))
        if self.cache is not None:
            await self.cache.store(ex, target, completion)

    async def _cached(self, ex: Exchange, cache: ResponseCache, target: str) -> bool:
        """Answer from the cache: no upstream call, no tokens, no cost (what the first
        answer cost is in ``annotations["saved"]``)."""
        hit = await cache.lookup(ex, target)
        if hit is None:
            return False
        ex.completion, ex.cost = hit[1], 0.0
        ex.route = hit[1].route or ex.route
        return True

    async def _retry_structured(
        self,
        ex: Exchange,
        target: str,
        request: ChatRequest,
        first: Completion,
        attempts: list[Attempt],
    ) -> Completion:
        """One more call when the JSON answer misses its ``response_format`` schema; both
        calls are paid for."""
        schema = response_schema(request.params)
        if schema is None or not self.retry_invalid_json or first.tool_calls:
            return first
        problem = check(schema, first.content)
        if problem is None:
            return first
        ex.annotations["structured"] = {"retried": True, "first_problem": problem}
        again = replace(request, messages=retry_messages(request.messages, first.content, problem))
        second = await self.router.complete(target, again, attempts)
        a, b = first.usage, second.usage
        second.usage = Usage(
            a.prompt_tokens + b.prompt_tokens, a.completion_tokens + b.completion_tokens, b.counted
        )
        return second

    def _decline(self, ex: Exchange) -> None:
        ex.decision = "refuse"
        ex.annotations["responder_refused"] = True
        if self.no_evidence and not ex.annotations.get("streamed"):
            ex.reply = self.no_evidence

    async def open_stream(
        self, ex: Exchange, attempts: list[Attempt]
    ) -> tuple[AsyncIterator[Chunk], Chunk]:
        """The upstream stream and its first chunk (``Router.open_stream``); a failure to
        open it is made public. What the stream raises later is the reader's to translate
        (``streaming.py``)."""
        try:
            return await self.router.open_stream(self._target(ex), self._request(ex), attempts)
        except ApiError as err:
            raise public_error(err, ex.id) from None


def _decisions(annotations: dict[str, Any]) -> list[str]:
    """The planner's decision per part; a one-part message's is its own decision. A part
    refused for naming what the passages lack ("do you ship to Peru": its features name
    what is missing) is a "veto": no responder answers it, however much else it shares."""
    per_part = annotations.get("part_answerability")
    if isinstance(per_part, list):
        return [_decision(p) if isinstance(p, dict) else "" for p in per_part]
    whole, parts = annotations.get("answerability"), annotations.get("parts")
    if isinstance(whole, dict) and isinstance(parts, list) and len(parts) == 1:
        return [str(whole.get("decision", ""))]
    return []


def _decision(record: dict[str, Any]) -> str:
    decision = str(record.get("decision", ""))
    features = record.get("features")
    vetoed = isinstance(features, dict) and bool(features.get("missing"))
    return "veto" if decision == "refuse" and vetoed else decision
