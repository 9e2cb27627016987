"""The ``scripted`` provider: plays a fixed list of replies and failures, for tests.

routes:
  - name: flaky
    provider: scripted
    options:
      replies:
        - {error: 503, retry_after: 0.01}
        - "Refunds take 5 business days."
        - {tool_calls: [{name: lookup_order, arguments: {order_id: A-1}}]}
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.errors import ProviderError
from stanchion.providers.tokens import count_message_tokens, count_tokens, message_text
from stanchion.providers.toolcalls import call, stream_deltas


class ScriptedProvider:
    name = "scripted"

    def __init__(self, *, options: dict[str, Any], **_: Any) -> None:
        replies = options.get("replies") or [{"echo": True}]
        self._replies = itertools.cycle(replies)
        self.calls = 0

    async def _next(self, request: ChatRequest) -> str | list[dict[str, Any]]:
        self.calls += 1
        step = next(self._replies)
        if isinstance(step, str):
            return step
        if step.get("tool_calls"):
            return [
                call(str(c.get("id", f"call_{i}")), str(c["name"]), _arguments(c.get("arguments")))
                for i, c in enumerate(step["tool_calls"])
            ]
        if step.get("delay"):
            await asyncio.sleep(float(step["delay"]))
        if "error" in step:
            status = int(step["error"])
            raise ProviderError(status, f"scripted failure {status}", step.get("retry_after"))
        if step.get("echo"):
            return message_text(request.messages[-1]) if request.messages else ""
        return str(step.get("content", ""))

    async def complete(self, request: ChatRequest) -> Completion:
        got = await self._next(request)
        text, calls = (got, []) if isinstance(got, str) else ("", got)
        usage = Usage(count_message_tokens(request.messages), count_tokens(text), counted=True)
        done = Completion(content=text, model="scripted", usage=usage, provider=self.name)
        if calls:
            done.tool_calls, done.finish_reason = calls, "tool_calls"
        return done

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        done = await self.complete(request)
        if done.content:
            for i, word in enumerate(done.content.split(" ")):
                yield Chunk(content=word if i == 0 else " " + word, model=done.model)
        for i, tc in enumerate(done.tool_calls):
            args = tc["function"]["arguments"]
            pieces = [args[j : j + 8] for j in range(0, len(args), 8)]
            for delta in stream_deltas(i, tc, pieces):
                yield Chunk(tool_calls=[delta], model=done.model)
        yield Chunk(finish_reason=done.finish_reason, usage=done.usage, model=done.model)

    async def aclose(self) -> None:
        return None


def _arguments(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value if value is not None else {})
