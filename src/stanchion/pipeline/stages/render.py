from __future__ import annotations

from typing import Any

from stanchion.guards import GuardEngine
from stanchion.pipeline.exchange import Exchange
from stanchion.registry.prompts import PromptVersion

SOURCES_HEADER = (
    "Answer only from the numbered sources below and cite each fact with its marker, "
    "like [1]. If the sources do not contain the answer, say so."
)


def sources_block(ex: Exchange) -> str:
    parts = [SOURCES_HEADER]
    for i, p in enumerate(ex.passages, 1):
        heading = f"{p.title} — {p.section}" if p.section and p.section != p.title else p.title
        parts.append(f"[{i}] {heading}\n{p.text}")
    return "\n\n".join(parts)


class Render:
    """Build the messages the model sees: the app's system prompt, sources, the conversation.

    The sources go in a message of their own, so that ``ex.system_prompt`` is exactly the
    app's confidential instructions (what leakage checks protect) and not the documents the
    answer is meant to quote.
    """

    name = "render"

    def __init__(self, prompt: PromptVersion | None, engine: GuardEngine) -> None:
        self.prompt, self.engine = prompt, engine

    async def __call__(self, ex: Exchange) -> None:
        rendered: list[dict[str, Any]] = []
        if self.prompt:
            ex.system_prompt = self.prompt.text
            canary = self.engine.canary(ex)
            text = f"{self.prompt.text}\n{canary}" if canary else self.prompt.text
            rendered.append({"role": "system", "content": text})
        if ex.passages:
            rendered.append({"role": "system", "content": sources_block(ex)})
        rendered.extend(ex.messages)
        ex.rendered = rendered
        ex.prompt_id = self.prompt.id if self.prompt else None
