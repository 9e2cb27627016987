"""The ``local`` provider: offline and weightless, it answers by extracting sentences
from the passages the retrieve stage found. With no passages it says so, never guesses."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator
from typing import Any

from stanchion.providers.base import ChatRequest, Chunk, Completion, Usage
from stanchion.providers.tokens import count_message_tokens, count_tokens, message_text

NO_ANSWER = "I don't have that in the approved documents."
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "do",
        "does",
        "did",
        "how",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "can",
        "i",
        "my",
        "me",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "there",
        "from",
        "by",
        "at",
        "as",
        "if",
        "not",
        "no",
        "yes",
        "we",
        "our",
        "us",
        "about",
        "any",
        "have",
        "has",
    }
)


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def answer_from_passages(question: str, passages: list[str]) -> str:
    """Extract the sentences that best answer the question, each cited by passage number.

    Sentences are scored by the IDF-weighted share of the question's (stemmed) terms they
    cover, counting the passage's headings as context; a second sentence is added only when
    it scores close to the best one and brings terms the first lacks.
    """
    from stanchion.knowledge.text import terms as stemmed

    wanted = set(stemmed(question))
    candidates: list[tuple[int, int, str, set[str]]] = []
    for pi, passage in enumerate(passages):
        heading: set[str] = set()
        for si, raw in enumerate(_SENTENCE.split(passage)):
            sentence = raw.strip()
            if sentence.startswith("#"):
                heading |= set(stemmed(sentence))
            elif len(sentence) >= 3 and not sentence.startswith("|---"):
                candidates.append((pi, si, sentence, set(stemmed(sentence)) | heading))
    if not wanted or not candidates:
        return NO_ANSWER
    n = len(candidates)
    idf = {t: math.log(1 + n / (1 + sum(t in c[3] for c in candidates))) for t in wanted}
    total = sum(idf.values()) or 1.0
    scored = sorted(
        ((sum(idf[t] for t in wanted & c[3]) / total - 0.002 * len(c[2]), c) for c in candidates),
        key=lambda x: -x[0],
    )
    best_score, best = scored[0]
    if best_score <= 0:
        return NO_ANSWER
    chosen = [best]
    for score, cand in scored[1:4]:
        if score >= 0.75 * best_score and (wanted & cand[3]) - best[3]:
            chosen.append(cand)
            break
    chosen.sort(key=lambda c: (c[0], c[1]))
    return " ".join(f"{c[2]} [{c[0] + 1}]" for c in chosen)


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
