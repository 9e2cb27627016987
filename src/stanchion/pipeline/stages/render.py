from __future__ import annotations

from typing import Any

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
    """Build the messages the model sees: the app's system prompt, sources, the conversation."""

    name = "render"

    def __init__(self, prompt: PromptVersion | None) -> None:
        self.prompt = prompt

    async def __call__(self, ex: Exchange) -> None:
        system = [self.prompt.text] if self.prompt else []
        if ex.passages:
            system.append(sources_block(ex))
        rendered: list[dict[str, Any]] = []
        if system:
            rendered.append({"role": "system", "content": "\n\n".join(system)})
        rendered.extend(ex.messages)
        ex.rendered = rendered
        ex.prompt_id = self.prompt.id if self.prompt else None
