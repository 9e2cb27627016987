"""The model cascade: a cheaper route answers first; when its answer is weak (the provider
declined, or the grounding check finds it unsupported by the passages or contradicting the
catalog) the route's ``cascade`` route answers instead.

Each answer records what the cascade did against the same request sent to the stronger
route alone (``annotations["saved"]``, by ``cascade``): for a kept answer, the stronger
route's price of the same tokens minus what the cheap one cost; for an escalated one, the
cheap call's cost as a negative saving.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from stanchion.knowledge.build import Knowledge
from stanchion.pipeline.exchange import Exchange
from stanchion.pipeline.stages.guard_output import mask_citations
from stanchion.providers.base import Completion
from stanchion.providers.tokens import message_text
from stanchion.spec.model import AppSpec

Call = Callable[[str], Awaitable[Completion]]


class Cascade:
    def __init__(self, spec: AppSpec, knowledge: Knowledge | None) -> None:
        self.knowledge = knowledge
        self.next = {r.name: r.cascade for r in spec.models.routes if r.cascade}
        self.prices = {r.name: (r.price.input, r.price.output) for r in spec.models.routes}

    def weak(self, ex: Exchange, completion: Completion) -> str | None:
        """Why this answer should go to the stronger route; None when it is good enough."""
        if completion.refused:
            return "declined"
        if self.knowledge is None or not ex.passages:
            return None
        question = next(
            (message_text(m) for m in reversed(ex.messages) if m.get("role") == "user"), ""
        )
        v = self.knowledge.validate(mask_citations(completion.content), ex.passages, question)
        if not v.grounded:
            return f"groundedness {v.score:.2f}"
        if v.findings:
            return v.findings[0].type
        return None

    def _cost(self, route: str, completion: Completion) -> float:
        p_in, p_out = self.prices.get(route, (0.0, 0.0))
        u = completion.usage
        return (u.prompt_tokens * p_in + u.completion_tokens * p_out) / 1_000_000

    async def run(self, ex: Exchange, completion: Completion, call: Call) -> Completion:
        """The answer to keep: ``completion``, or the stronger route's (through ``call``)."""
        cheap = completion.route or ex.route or ""
        strong = self.next.get(cheap)
        if strong is None:
            return completion
        reason = self.weak(ex, completion)
        saved = ex.annotations.setdefault("saved", [])
        cost = self._cost(cheap, completion)
        u = completion.usage
        if reason is None:
            ex.annotations["cascade"] = {"from": cheap, "to": strong, "escalated": False}
            saved.append({"by": "cascade", "cost": self._cost(strong, completion) - cost})
            return completion
        ex.annotations["cascade"] = {
            "from": cheap, "to": strong, "escalated": True, "reason": reason, "cost": cost
        }  # fmt: skip
        saved.append({"by": "cascade", "cost": -cost, "prompt_tokens": -u.prompt_tokens,
                      "completion_tokens": -u.completion_tokens})  # fmt: skip
        better = await call(strong)
        better.route = better.route or strong
        return better
