from __future__ import annotations

import re

from stanchion.guards import GuardEngine
from stanchion.knowledge.build import Knowledge
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.tokens import message_text

CITATION = re.compile(r"\[\d{1,3}\]")


def mask_citations(text: str) -> str:
    """Blank out ``[n]`` markers (same length, so spans still index the answer)."""
    return CITATION.sub(lambda m: " " * len(m.group()), text)


class GuardOutput:
    """Scan the model's answer, and check it against its sources and the catalog.

    A redaction replaces the text the caller gets; a caveat is appended to it. A streamed
    answer was scanned sentence by sentence on its way out, so only the grounding check
    runs here, and its findings go to the trace.
    """

    name = "guard_output"

    def __init__(self, engine: GuardEngine, knowledge: Knowledge | None) -> None:
        self.engine, self.knowledge = engine, knowledge

    async def __call__(self, ex: Exchange) -> None:
        if ex.completion is None or ex.decision != "pass":
            return
        content = ex.completion.content
        streamed = bool(ex.annotations.get("streamed"))
        if not streamed:
            out = self.engine.scan(content, "output", ex)
            ex.findings.extend(out.findings)
            if out.text != content:
                ex.reply = out.text
        if self.knowledge is None or (not content.strip() and ex.completion.tool_calls):
            return  # a turn that only calls tools has no claims to ground
        question = next(
            (message_text(m) for m in reversed(ex.messages) if m.get("role") == "user"), ""
        )
        v = await self.knowledge.acheck(mask_citations(content), ex.passages, question)
        ex.findings.extend(v.findings)
        ex.annotations["groundedness"] = round(v.score, 4)
        ex.annotations["grounded"] = v.grounded
        if v.caveat and not streamed:
            ex.reply = (ex.reply if ex.reply is not None else content) + "\n\n" + v.caveat
        borderline = ex.annotations.get("caveat")
        if borderline and not streamed:
            ex.reply = (ex.reply if ex.reply is not None else content) + "\n\n" + borderline
