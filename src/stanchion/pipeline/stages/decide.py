from __future__ import annotations

from collections.abc import Awaitable, Callable

from stanchion.guards import ACTION_RANK, GuardEngine
from stanchion.pipeline.exchange import Exchange

Hold = Callable[[Exchange, str | None], Awaitable[None]]

HOLD_MESSAGE = "This answer is waiting for a human review before it can be shown."


class Decide:
    """Turn the findings into one decision, and the text the caller gets.

    A held answer is handed to ``hold`` (the review queue, encrypted) and the caller gets
    the hold message until a reviewer releases it.
    """

    name = "decide"

    def __init__(self, engine: GuardEngine, block_message: str, hold: Hold | None = None) -> None:
        self.engine, self.block_message, self.hold = engine, block_message, hold

    async def __call__(self, ex: Exchange) -> None:
        strongest = max((ACTION_RANK[f.action] for f in ex.findings), default=0)
        if ex.decision == "pass":
            if strongest >= ACTION_RANK["block"]:
                ex.decision = "block"
            elif strongest >= ACTION_RANK["hold"]:
                ex.decision = "hold"
            elif strongest >= ACTION_RANK["redact"]:
                ex.decision = "redact"
        if ex.decision == "block":
            ex.reply = ex.reply or self.block_message
        elif ex.decision == "hold":
            held = ex.response_text if ex.completion else None
            if self.hold is not None:
                await self.hold(ex, held)
            ex.annotations["held"] = True
            ex.reply = HOLD_MESSAGE
        elif ex.pseudonyms and not ex.annotations.get("streamed"):
            ex.reply = self.engine.restore(ex.response_text, ex)
