"""The ``local`` provider: offline and weightless, it answers by extracting sentences
from the passages the retrieve stage found. With no passages it says so, never guesses."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.tokens import count_message_tokens, count_tokens, message_text

NO_ANSWER = "I don't have that in the approved documents."
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_STOP = frozenset(
    "a an the and or of to in on for with is are was were be do does did how what when where "
    "which who why can i my me you your it its this that there from by at as if not no yes "
    "we our us about any have has".split()
)


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def answer_from_passages(question: str, passages: list[str]) -> str:
    """Pick the sentences that share most terms with the question, cited by passage number."""
    wanted = _terms(question)
    scored: list[tuple[float, int, int, str]] = []
    for pi, passage in enumerate(passages):
        for si, sentence in enumerate(s.strip() for s in _SENTENCE.split(passage)):
            if len(sentence) < 3 or sentence.startswith("#"):
                continue
            overlap = len(wanted & _terms(sentence))
            if overlap:
                scored.append((overlap / (1 + 0.01 * len(sentence)), pi, si, sentence))
    if not scored:
        return NO_ANSWER
    best = sorted(scored, reverse=True)[:2]
    best.sort(key=lambda t: (t[1], t[2]))
    return " ".join(f"{s} [{pi + 1}]" for _, pi, _, s in best)


class LocalProvider:
    name = "local"

    def __init__(self, *, options: dict[str, Any], **_: Any) -> None:
        self.words_per_chunk = int(options.get("words_per_chunk", 4))

    def _answer(self, request: ChatRequest) -> Completion:
        question = next(
            (message_text(m) for m in reversed(request.messages) if m.get("role") == "user"), ""
        )
        text = answer_from_passages(question, request.context) if request.context else NO_ANSWER
        usage = Usage(count_message_tokens(request.messages), count_tokens(text), counted=True)
        return Completion(content=text, model="local-extractive", usage=usage, provider=self.name)

    async def complete(self, request: ChatRequest) -> Completion:
        return self._answer(request)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        done = self._answer(request)
        words = done.content.split(" ")
        for i in range(0, len(words), self.words_per_chunk):
            piece = " ".join(words[i : i + self.words_per_chunk])
            yield Chunk(content=piece if i == 0 else " " + piece, model=done.model)
            await asyncio.sleep(0)
        yield Chunk(finish_reason="stop", usage=done.usage, model=done.model)

    async def aclose(self) -> None:
        return None
