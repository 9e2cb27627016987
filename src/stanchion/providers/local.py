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


_DURATION = (
    r"\b(\d+|one|two|three|four|five|six|seven|a|an)\s+(to\s+\d+\s+)?(business\s+)?"
    r"(second|minute|hour|day|week|month|year)s?\b|\b(within|until|once|after|before|"
    r"immediately|same day)\b"
)
_ANSWER_TYPES = (
    (
        re.compile(r"\b(how (long|fast|soon|quickly)|when|until)\b", re.I),
        re.compile(_DURATION, re.I),
    ),
    (
        re.compile(r"\b(how much|price|cost|fee|charge)\b", re.I),
        re.compile(r"\d+(\.\d+)?\s*(USD|EUR|GBP|dollars?)|[$€£]\s*\d|\bfree\b", re.I),
    ),
    (re.compile(r"\bhow many\b", re.I), re.compile(r"\b\d+|\b(one|two|three|four|five)\b", re.I)),
    (
        re.compile(r"\bwhere\b", re.I),
        re.compile(r"\b(on|from|at|under|in) (the|your|any) |@|\bpage\b", re.I),
    ),
)
_PRONOUN = re.compile(r"^(It|They|This|These|That|Those|He|She)\b")


def _answer_type(question: str) -> re.Pattern[str] | None:
    """The pattern an answer sentence should match: a duration for 'how long', a price for
    'how much', a number for 'how many', a place for 'where'."""
    for asks, answer in _ANSWER_TYPES:
        if asks.search(question):
            return answer
    return None


def _matches(term: str, found: set[str]) -> bool:
    """Equal stems, or one a short extension of the other ('wir'/'wire', 'tak'/'take')."""
    if term in found:
        return True
    return len(term) >= 3 and any(
        len(f) >= 3
        and 0 < abs(len(f) - len(term)) <= 2
        and (f.startswith(term) or term.startswith(f))
        for f in found
    )


_Candidate = tuple[int, int, str, set[str]]


def _candidates(passages: list[str]) -> list[_Candidate]:
    """(passage, position, sentence, its terms + its section's headings) per sentence."""
    from stanchion.knowledge.text import terms as stemmed

    out: list[_Candidate] = []
    for pi, passage in enumerate(passages):
        heading: set[str] = set()
        for si, raw in enumerate(_SENTENCE.split(passage)):
            sentence = raw.strip()
            if sentence.startswith("#"):
                heading |= set(stemmed(sentence))
            elif len(sentence) >= 3 and not sentence.startswith("|---"):
                out.append((pi, si, sentence, set(stemmed(sentence)) | heading))
    return out


def _with_antecedent(chosen: list[_Candidate], candidates: list[_Candidate]) -> list[_Candidate]:
    """A sentence opening with a pronoun ('It does not...') brings the one before it."""
    by_place = {(c[0], c[1]): c for c in candidates}
    out = list(chosen)
    for c in chosen:
        before = by_place.get((c[0], c[1] - 1))
        if _PRONOUN.match(c[2]) and before is not None and before not in out:
            out.append(before)
    return out


def answer_from_passages(question: str, passages: list[str]) -> str:
    """Extract the sentences that best answer the question, each cited by passage number.

    Sentences are scored by the IDF-weighted share of the question's (stemmed) terms they
    cover, counting the passage's headings as context, plus a bonus when they hold the kind
    of answer asked for (a duration for 'how long', a price for 'how much'...). Up to two
    more sentences scoring close to the best join it when they add question terms, or hold
    the asked-for kind of answer in the same passage ('card ... PayPal refunds take').
    """
    from stanchion.knowledge.text import terms as stemmed

    wanted = set(stemmed(question))
    candidates = _candidates(passages)
    if not wanted or not candidates:
        return NO_ANSWER
    n = len(candidates)
    idf = {t: math.log(1 + n / (1 + sum(_matches(t, c[3]) for c in candidates))) for t in wanted}
    total = sum(idf.values()) or 1.0
    kind = _answer_type(question)

    def score(c: _Candidate) -> float:
        covered = sum(idf[t] for t in wanted if _matches(t, c[3])) / total
        typed = 0.25 if kind is not None and kind.search(c[2]) else 0.0
        return covered + typed * (covered > 0) - 0.002 * len(c[2])

    scored = sorted(((score(c), c) for c in candidates), key=lambda x: -x[0])
    best_score, best = scored[0]
    if best_score <= 0:
        return NO_ANSWER
    chosen, seen = [best], {t for t in wanted if _matches(t, best[3])}
    for s, cand in scored[1:5]:
        if len(chosen) == 3 or s < 0.75 * best_score:
            break
        new = {t for t in wanted if _matches(t, cand[3])} - seen
        same_kind = kind is not None and cand[0] == best[0] and bool(kind.search(cand[2]))
        if new or same_kind:
            chosen.append(cand)
            seen |= new
    chosen = _with_antecedent(chosen, candidates)
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
