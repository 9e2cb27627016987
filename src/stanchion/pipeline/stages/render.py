from __future__ import annotations

from typing import Any

from stanchion.guards import GuardEngine
from stanchion.knowledge.base import Passage
from stanchion.pipeline.exchange import Exchange
from stanchion.registry.cache import LabelCache

SOURCES_HEADER = (
    "Answer only from the numbered sources below and cite each fact with its marker, "
    "like [1]. If the sources do not contain the answer, say so."
)


def _heading(p: Passage) -> str:
    if p.source == "catalog":
        return f"Catalog: {p.title}"
    return f"{p.title} — {p.section}" if p.section and p.section != p.title else p.title


def sources_block(ex: Exchange) -> str:
    """The numbered sources a model answers from: document passages, and catalog rows
    ("[3] Catalog: Lumen Hub") when the question names a product."""
    parts = [SOURCES_HEADER]
    for i, p in enumerate(ex.passages, 1):
        parts.append(f"[{i}] {_heading(p)}\n{p.text}")
    return "\n\n".join(parts)


class Render:
    """Build the messages the model sees: the app's system prompt, sources, the conversation.

    The sources go in a message of their own, so that ``ex.system_prompt`` is exactly the
    app's confidential instructions (what leakage checks protect) and not the documents the
    answer is meant to quote. The prompt version comes from the label cache (no database
    read), per user during a canary; ``ex.prompt_id`` names the exact version.
    """

    name = "render"

    def __init__(self, labels: LabelCache, engine: GuardEngine, prompt: str = "system") -> None:
        self.labels, self.engine, self.prompt = labels, engine, prompt

    async def __call__(self, ex: Exchange) -> None:
        rendered: list[dict[str, Any]] = []
        prompt = self.labels.prompt(self.prompt, ex.principal.user if ex.principal else "")
        if prompt:
            ex.system_prompt = prompt.text
            canary = self.engine.canary(ex)
            text = f"{prompt.text}\n{canary}" if canary else prompt.text
            rendered.append({"role": "system", "content": text})
        if ex.passages:
            rendered.append({"role": "system", "content": sources_block(ex)})
        rendered.extend(ex.messages)
        ex.rendered = rendered
        ex.prompt_id = prompt.id if prompt else None
