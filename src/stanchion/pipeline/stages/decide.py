from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson

from stanchion.guards import ACTION_RANK, GuardEngine
from stanchion.pipeline.exchange import Exchange

Hold = Callable[[Exchange, str | None], Awaitable[None]]


class Decide:
    """Turn the findings into one decision, and the text the caller gets.

    A held answer is handed to ``hold`` (the review queue, encrypted) and the caller gets
    the hold message until a reviewer releases it. Tool calls leave only with an answer
    that is not blocked or held; held ones wait in the queue with it (as JSON, reason
    ``tool_call``), and the caller polls for them as for a held answer.
    """

    name = "decide"

    def __init__(self, engine: GuardEngine, hold: Hold | None = None) -> None:
        self.engine, self.hold = engine, hold
        self.block_message = engine.policy.block_message
        self.hold_message = engine.policy.hold_message

    async def __call__(self, ex: Exchange) -> None:
        strongest = max((ACTION_RANK[f.action] for f in ex.findings), default=0)
        if ex.decision == "pass":
            if strongest >= ACTION_RANK["block"]:
                ex.decision = "block"
            elif strongest >= ACTION_RANK["hold"]:
                ex.decision = "hold"
            elif strongest >= ACTION_RANK["redact"]:
                ex.decision = "redact"
        if ex.decision in ("block", "hold") and ex.tool_calls:
            ex.annotations["tool_stopped"] = True
        if ex.decision == "block":
            ex.reply = ex.reply or self.block_message
            ex.tool_calls = []
        elif ex.decision == "hold":
            held = ex.response_text if ex.completion else None
            if ex.tool_calls:
                ex.annotations["tool_hold"] = True
                content = self.engine.restore(held or "", ex) or None
                held = orjson.dumps({"content": content, "tool_calls": ex.tool_calls}).decode()
                ex.tool_calls = []
            if self.hold is not None:
                await self.hold(ex, held)
            ex.annotations["held"] = True
            ex.reply = self.hold_message
        elif ex.pseudonyms and not ex.annotations.get("streamed"):
            ex.reply = self.engine.restore(ex.response_text, ex)
