from __future__ import annotations

from stanchion.guards import GuardEngine
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.tokens import message_text

STOPPING = ("block", "hold")


class GuardInput:
    """Scan what the caller sent; tool output counts as context (indirect injection)."""

    name = "guard_input"

    def __init__(self, engine: GuardEngine) -> None:
        self.engine = engine

    async def __call__(self, ex: Exchange) -> None:
        for i, message in enumerate(ex.messages):
            role = message.get("role")
            if role not in ("user", "tool"):
                continue
            text = message_text(message)
            if not text:
                continue
            out = self.engine.scan(text, "context" if role == "tool" else "input", ex)
            ex.findings.extend(out.findings)
            if out.text != text:
                ex.messages[i] = {**message, "content": out.text}
            if out.action in STOPPING:
                ex.decision = out.action  # type: ignore[assignment]
                ex.reply = out.reply
                return
