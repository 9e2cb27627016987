"""The evidence of the injection guard's signals, and where a signal's words stand.

Helpers of :mod:`stanchion.guards.injection`: a match must begin a word, a sentence or a
line (:func:`starts_well`); a condition of a signal is looked for only where its heads
stand, and only the heads whose key the text holds (:func:`occurs`); evidence adds up as a
noisy OR (:func:`added`) and is widened to the line that holds it (:func:`line_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stanchion.guards.anchors import Anchor, any_accepted
from stanchion.guards.injection_grammar import Kind, Start

_BEFORE_SENTENCE = frozenset(".!?\n:")


def starts_well(text: str, start: int, where: Start) -> bool:
    """Whether a match begins a word, a sentence or a line (an optional 'please' allowed)."""
    if where == "any":
        return True
    if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    if where == "word":
        return True
    before = text[max(0, start - 80) : start].rstrip(" \t")
    if before.endswith("please"):
        before = before[:-6].rstrip(" \t")
    if not before:
        return True
    return before[-1] == "\n" or (where == "sentence" and before[-1] in _BEFORE_SENTENCE)


@dataclass(slots=True)
class Evidence:
    score: float
    kind: Kind
    start: int
    end: int


# A condition's heads: by key bit, as they are, or None when unknown.
Condition = Anchor | tuple[str, ...] | None


def occurs(text: str, pattern: re.Pattern[str], starts: Condition, mask: int = -1) -> bool:
    """``pattern.search(text) is not None``: every match starts at one of ``starts`` (its
    heads; None when unknown), so the pattern is tried only where one of them stands; of an
    :class:`Anchor`, only the heads whose key bit is in ``mask`` (the needle mask of a text
    that ``text`` is part of: the others are not in it)."""
    if starts is None:
        return pattern.search(text) is not None
    if isinstance(starts, Anchor):
        return any_accepted(text, pattern, starts.present(mask), _any_match)
    return any_accepted(text, pattern, starts, _any_match)


def _any_match(match: re.Match[str]) -> bool:
    return True


def line_of(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a match to its line: redacting an injection removes the whole instruction."""
    while start < end and text[start] in "\n .!?":
        start += 1
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end if end > start and text[end - 1] != "\n" else end - 1)
    return line_start, len(text) if line_end < 0 else line_end


def added(
    evidence: Evidence | None, name: str, weight: float, span: tuple[int, int], fired: set[str]
) -> Evidence | None:
    """A signal found outside the table adds its weight to the rest (noisy OR)."""
    fired.add(name)
    if evidence is None:
        return Evidence(weight, "injection", *span)
    evidence.score = 1.0 - (1.0 - evidence.score) * (1.0 - weight)
    return evidence


def stronger(a: Evidence | None, b: Evidence | None, limit: int) -> Evidence | None:
    if b is not None:
        b.start, b.end = min(b.start, limit), min(b.end, limit)
    if a is None or (b is not None and b.score > a.score):
        return b
    return a
