"""The ``scripted`` provider: plays a fixed list of replies and failures, for tests.

routes:
  - name: flaky
    provider: scripted
    options:
      replies:
        - {error: 503, retry_after: 0.01}
        - "Refunds take 5 business days."
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.errors import ProviderError
from stanchion.providers.tokens import count_message_tokens, count_tokens, message_text


class ScriptedProvider:
    name = "scripted"

    def __init__(self, *, options: dict[str, Any], **_: Any) -> None:
        replies = options.get("replies") or [{"echo": True}]
        self._replies = itertools.cycle(replies)
        self.calls = 0

    async def _next(self, request: ChatRequest) -> str:
        self.calls += 1
        step = next(self._replies)
        if isinstance(step, str):
            return step
        if step.get("delay"):
            await asyncio.sleep(float(step["delay"]))
        if "error" in step:
            status = int(step["error"])
            raise ProviderError(status, f"scripted failure {status}", step.get("retry_after"))
        if step.get("echo"):
            return message_text(request.messages[-1]) if request.messages else ""
        return str(step.get("content", ""))

    async def complete(self, request: ChatRequest) -> Completion:
        text = await self._next(request)
        usage = Usage(count_message_tokens(request.messages), count_tokens(text), counted=True)
        return Completion(content=text, model="scripted", usage=usage, provider=self.name)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        done = await self.complete(request)
        for i, word in enumerate(done.content.split(" ")):
            yield Chunk(content=word if i == 0 else " " + word, model=done.model)
        yield Chunk(finish_reason="stop", usage=done.usage, model=done.model)

    async def aclose(self) -> None:
        return None
