"""The ``local`` provider: offline and weightless, it answers by extracting sentences
from the passages the retrieve stage found (``answer.py``: the sentences that answer each
part of the question, of the kind asked for). With no passages, or none that answers, it
says so and marks the completion refused; it never guesses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.local.answer import MISSING, NO_ANSWER, Answer, answer
from stanchion.providers.local.sentences import Analyzer
from stanchion.providers.tokens import count_message_tokens, count_tokens, message_text

__all__ = ["MISSING", "NO_ANSWER", "LocalProvider", "answer_from_passages"]

_SHARED = Analyzer()


def answer_from_passages(question: str, passages: list[str], parts: list[str] | None = None) -> str:
    """The extractive answer to ``question`` (or each of ``parts``) from ``passages``.

    >>> answer_from_passages("How much is express?", ["Express shipping costs 14.99 USD."])
    'Express shipping costs 14.99 USD. [1]'
    """
    return answer(question, passages, parts=parts, analyzer=_SHARED).text


class LocalProvider:
    name = "local"

    def __init__(self, *, options: dict[str, Any], **_: Any) -> None:
        self.words_per_chunk = int(options.get("words_per_chunk", 4))
        self.analyzer = Analyzer()

    def _answer(self, request: ChatRequest) -> Completion:
        turns = [
            (str(m.get("role")), message_text(m))
            for m in request.messages
            if m.get("role") in ("user", "assistant")
        ]
        last = next((i for i in range(len(turns) - 1, -1, -1) if turns[i][0] == "user"), -1)
        question = request.question or (turns[last][1] if last >= 0 else "")
        found = (
            answer(
                question,
                request.context,
                parts=request.parts,
                titles=request.titles or None,
                sources=request.sources or None,
                decisions=request.part_decisions or None,
                history=turns[:last] if last > 0 else None,
                glossary=request.glossary or None,
                analyzer=self.analyzer,
            )
            if request.context
            else Answer(NO_ANSWER, True)
        )
        text = found.text
        usage = Usage(count_message_tokens(request.messages), count_tokens(text), counted=True)
        return Completion(
            content=text,
            model="local-extractive",
            usage=usage,
            provider=self.name,
            refused=found.refused,
        )

    async def complete(self, request: ChatRequest) -> Completion:
        return self._answer(request)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        done = self._answer(request)
        words = done.content.split(" ")
        for i in range(0, len(words), self.words_per_chunk):
            piece = " ".join(words[i : i + self.words_per_chunk])
            yield Chunk(content=piece if i == 0 else " " + piece, model=done.model)
            await asyncio.sleep(0)
        yield Chunk(finish_reason="stop", usage=done.usage, model=done.model, refused=done.refused)

    async def aclose(self) -> None:
        return None
