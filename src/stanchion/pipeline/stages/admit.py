from __future__ import annotations

from collections.abc import Callable

from stanchion.errors import BadRequest, RateLimited
from stanchion.limits import Counters
from stanchion.pipeline.exchange import Exchange
from stanchion.spec.model import Limits

MINUTE, DAY = 60, 86_400


class Admit:
    """Per-key request rate, the app's daily budget, and the ceiling on ``max_tokens``."""

    name = "admit"

    def __init__(self, counters: Counters, limits: Limits, clock: Callable[[], float]) -> None:
        self.counters, self.limits, self.clock = counters, limits, clock

    async def __call__(self, ex: Exchange) -> None:
        asked = ex.request.params.get("max_completion_tokens") or ex.request.params.get(
            "max_tokens"
        )
        if isinstance(asked, int) and asked > self.limits.max_tokens:
            raise BadRequest(
                f"max_tokens {asked} is above this app's limit of {self.limits.max_tokens}",
                param="max_tokens",
            )
        rpm = self.limits.requests_per_minute
        key = f"rpm:{ex.principal.key_id}" if ex.principal else None
        if rpm and key and await self.counters.hit(key, MINUTE) > rpm:
            wait = MINUTE - self.clock() % MINUTE
            raise RateLimited(
                f"rate limit of {rpm} requests per minute reached for this key",
                retry_after=round(wait, 1),
            )
        budget = self.limits.daily_budget
        if budget and await self.counters.total("spend", DAY) >= budget:
            raise RateLimited(
                f"this app's daily budget of {budget:g} is spent",
                code="budget_exceeded",
                retry_after=DAY - self.clock() % DAY,
            )
