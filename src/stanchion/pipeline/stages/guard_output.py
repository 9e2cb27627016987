from __future__ import annotations

from stanchion.guards import GuardEngine
from stanchion.pipeline.exchange import Exchange


class GuardOutput:
    """Scan the model's answer; a redaction replaces the text the caller will get."""

    name = "guard_output"

    def __init__(self, engine: GuardEngine) -> None:
        self.engine = engine

    async def __call__(self, ex: Exchange) -> None:
        if ex.completion is None or ex.decision != "pass" or ex.annotations.get("streamed"):
            return
        content = ex.completion.content
        out = self.engine.scan(content, "output", ex)
        ex.findings.extend(out.findings)
        if out.text != content:
            ex.reply = out.text
