from __future__ import annotations

from collections.abc import Callable

from stanchion.errors import BadRequest, RateLimited
from stanchion.limits import Counters, Reservation, TokenHold
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.tokens import count_message_tokens, count_tokens
from stanchion.registry.cache import LabelCache
from stanchion.spec.model import AppSpec

MINUTE, DAY = 60, 86_400


def route_prices(spec: AppSpec) -> dict[str, tuple[float, float]]:
    """The dearest (input, output) price per 1M tokens a request to each route can incur:
    the route's own or any of its fallbacks'."""
    own = {r.name: (r.price.input, r.price.output) for r in spec.models.routes}
    out = {}
    for r in spec.models.routes:
        chain = [own[r.name], *(own[f] for f in r.fallbacks if f in own)]
        out[r.name] = (max(p[0] for p in chain), max(p[1] for p in chain))
    return out


class Admit:
    """Per-key request rate (sliding minute), the app's daily budget (reserved before the
    model is called, settled by ``record``), and the ceiling on both token fields."""

    name = "admit"

    def __init__(
        self,
        counters: Counters,
        spec: AppSpec,
        clock: Callable[[], float],
        labels: LabelCache | None = None,
        context_tokens: int = 0,
    ) -> None:
        self.counters, self.limits, self.clock = counters, spec.limits, clock
        self.prices = route_prices(spec)
        self.labels, self.context_tokens = labels, context_tokens
        self._prompt_tokens: dict[str, int] = {}

    def _overhead(self, ex: Exchange) -> int:
        """Tokens the render stage adds: the system prompt (counted once per version) and
        the most the sources can take."""
        user = ex.principal.user if ex.principal else ""
        prompt = self.labels.prompt("system", user) if self.labels else None
        if prompt is None:
            return self.context_tokens
        n = self._prompt_tokens.get(prompt.id)
        if n is None:
            n = self._prompt_tokens[prompt.id] = count_tokens(prompt.text) + 8
        return n + self.context_tokens

    def _asked(self, ex: Exchange) -> int:
        ceiling = self.limits.max_tokens
        asked = ceiling
        for name in ("max_completion_tokens", "max_tokens"):
            value = ex.request.params.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                if value > ceiling:
                    raise BadRequest(
                        f"{name} {value} is above this app's limit of {ceiling}", param=name
                    )
                asked = min(asked, value)
        return asked

    def estimate(self, ex: Exchange, out_tokens: int) -> float:
        """The most this request should cost: its prompt and the output it may ask for."""
        price_in, price_out = self.prices.get(ex.route or "", (0.0, 0.0))
        if not price_in and not price_out:
            return 0.0
        prompt = count_message_tokens(ex.messages) + self._overhead(ex)
        return (prompt * price_in + out_tokens * price_out) / 1_000_000

    async def _tokens(self, ex: Exchange, out_tokens: int) -> TokenHold | None:
        """Count the request against its key's tokens per minute (429 past it)."""
        tpm = self.limits.tokens_per_minute
        if not tpm or ex.principal is None:
            return None
        asked = count_message_tokens(ex.messages) + self._overhead(ex) + out_tokens
        wait, hold = await self.counters.take_tokens(f"tpm:{ex.principal.key_id}", tpm, asked)
        if hold is None:
            raise RateLimited(
                f"rate limit of {tpm} tokens per minute reached for this key",
                code="tokens_per_minute_exceeded",
                retry_after=round(wait, 1),
            )
        return hold

    async def __call__(self, ex: Exchange) -> None:
        out_tokens = self._asked(ex)
        rpm = self.limits.requests_per_minute if ex.principal else None
        budget = self.limits.daily_budget
        tokens = await self._tokens(ex, out_tokens)
        if not rpm and not budget:
            if tokens is not None:
                ex.reservation = Reservation("-", "spend", int(self.clock() // DAY), 0.0, tokens)
            return
        amount = self.estimate(ex, out_tokens) if budget else 0.0
        key = f"rpm:{ex.principal.key_id}" if ex.principal else ""
        ex.reservation = await self._admit(key, rpm or 0, amount, budget or 0.0, tokens)

    async def _admit(
        self, key: str, rpm: int, amount: float, budget: float, tokens: TokenHold | None
    ) -> Reservation | None:
        got = await self.counters.admit(key, rpm, MINUTE, amount, budget, DAY)
        refused = got.wait or (budget and got.reservation is None)
        if refused and tokens is not None:  # the tokens were never used
            await self.counters.settle(Reservation("-", "spend", 0, 0.0, tokens), 0.0, 0)
        if got.wait:
            raise RateLimited(
                f"rate limit of {rpm} requests per minute reached for this key",
                retry_after=round(got.wait, 1),
            )
        if budget and got.reservation is None and got.in_flight:
            # Not spent: requests in flight hold their estimates (the output they may ask
            # for) and settle at their real cost, so this one may fit in a moment.
            raise RateLimited(
                f"this app's daily budget of {budget:g} is held by requests in flight; "
                "retry shortly",
                code="budget_reserved",
                retry_after=1,
            )
        if budget and got.reservation is None:
            raise RateLimited(
                f"this app's daily budget of {budget:g} is spent",
                code="budget_exceeded",
                retry_after=DAY - self.clock() % DAY,
            )
        held = got.reservation
        if tokens is None:
            return held
        if held is None:
            return Reservation("-", "spend", int(self.clock() // DAY), 0.0, tokens)
        return Reservation(held.id, held.key, held.bucket, held.amount, tokens)
