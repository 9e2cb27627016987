from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict

from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.router import Attempt, Router
from stanchion.providers.tokens import count_message_tokens, count_tokens
from stanchion.spec.model import AppSpec


class Generate:
    """Call the route the request resolved to, through the router (retries, fallbacks)."""

    name = "generate"

    def __init__(self, router: Router, spec: AppSpec) -> None:
        self.router = router
        self.prices = {r.name: (r.price.input, r.price.output) for r in spec.models.routes}

    def _request(self, ex: Exchange) -> ChatRequest:
        req = ex.request
        return ChatRequest(
            model=req.model, messages=ex.rendered, stream=req.stream,
            include_usage=req.include_usage, params=req.params, user=req.user,
            context=[p.text for p in ex.passages],
        )

    def settle(self, ex: Exchange, completion: Completion, attempts: list[Attempt]) -> None:
        """Fill usage the provider did not report, and price the answer by its route."""
        if attempts:
            ex.annotations["attempts"] = [asdict(a) for a in attempts]
        usage = completion.usage
        if usage.prompt_tokens == 0 and usage.completion_tokens == 0:
            completion.usage = Usage(count_message_tokens(ex.rendered),
                                     count_tokens(completion.content), counted=True)
        ex.completion = completion
        ex.route = completion.route or ex.route
        price_in, price_out = self.prices.get(ex.route or "", (0.0, 0.0))
        u = completion.usage
        ex.cost = (u.prompt_tokens * price_in + u.completion_tokens * price_out) / 1_000_000

    async def __call__(self, ex: Exchange) -> None:
        attempts: list[Attempt] = []
        try:
            completion = await self.router.complete(ex.route or "", self._request(ex), attempts)
        finally:
            if attempts:
                ex.annotations["attempts"] = [asdict(a) for a in attempts]
        self.settle(ex, completion, attempts)

    def stream(self, ex: Exchange, attempts: list[Attempt]) -> AsyncIterator[Chunk]:
        return self.router.stream(ex.route or "", self._request(ex), attempts)
