"""Context trimming: the retrieved passages cut to a token budget before the prompt is
rendered, the lowest-scoring first, so the model is sent what matters most and never more
than ``limits.context_tokens``. What was cut is recorded as saved prompt tokens (and their
price on the request's route) in ``annotations["saved"]``, by ``trim``."""

from __future__ import annotations

from stanchion.pipeline.exchange import Exchange
from stanchion.providers.tokens import count_tokens
from stanchion.spec.model import AppSpec


class Trim:
    name = "trim"

    def __init__(self, spec: AppSpec, budget: int) -> None:
        self.budget = budget
        self.prices = {r.name: r.price.input for r in spec.models.routes}

    async def __call__(self, ex: Exchange) -> None:
        if not ex.passages:
            return
        sizes = [count_tokens(p.text) for p in ex.passages]
        if sum(sizes) <= self.budget:
            return
        keep, used = set(), 0
        for i in sorted(range(len(sizes)), key=lambda i: -ex.passages[i].score):
            if used + sizes[i] <= self.budget:
                keep.add(i)
                used += sizes[i]
        cut = sum(sizes) - used
        ex.passages = [p for i, p in enumerate(ex.passages) if i in keep]
        price = self.prices.get(ex.route or "", 0.0)
        ex.annotations.setdefault("saved", []).append(
            {"by": "trim", "prompt_tokens": cut, "cost": cut * price / 1_000_000}
        )
