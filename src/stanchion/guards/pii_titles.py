"""Titles: an honorific before a name ("Mr.", "Dr") and a job title where a title stands.

Read from the text next to each listed title word (``Listed.at``); a job title is cut into
words (``window``) only where the text around it allows a match, and the words before it
that modify it are remembered by the window they were read from::

    [text[s:e] for s, e, _ in TitleRecogniser().find(text := "Anna Berg, the film director,")]
    # ['film director']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from stanchion.guards.pii_lexicon import HONORIFICS, TITLE
from stanchion.guards.pii_names import COMMON_WORDS
from stanchion.guards.pii_words import (
    _MARGIN,
    listed,
    next_word_start,
    window,
    window_bounds,
    word_end,
)

Match = tuple[int, int, float]

_LINE_BREAK = re.compile(r"[\n|]")


def modifiers_start(text: str, toks: Sequence[tuple[int, int, str]], i: int) -> int:
    """The first of up to three words before token ``i`` that modify it: each one space
    before the next, none a stop word ("the film director", not "the")."""
    first = i
    while first > i - 4 and first > 0:
        gap = text[toks[first - 1][1] : toks[first][0]]
        if gap != " " or toks[first - 1][2].rstrip(".").lower() in _MODIFIER_STOPS:
            break
        first -= 1
    return first


class TitleRecogniser:
    """An honorific before a name ("Mr.", "Dr"), a job title on a line of its own or in
    ", the <title>," apposition."""

    type = "pii.title"

    def __init__(self) -> None:
        self._spans: dict[tuple[int, str, int], tuple[int, int]] = {}

    def find(self, text: str) -> Iterator[Match]:
        for start, bare in listed(text).at(TITLE):
            end = word_end(text, start, bare)
            if end - start > 18:
                continue
            if bare in HONORIFICS:
                following = next_word_start(text, end, 2)
                if following >= 0:
                    if text[following].isupper() or not text[start].isupper():
                        yield start, end, 0.85
                    continue
            if _job_may_stand(text, start, end):
                found = self._job(*self._modified(text, start, end - start), text)
                if found is not None:
                    yield found

    def _modified(self, text: str, start: int, length: int) -> tuple[int, int]:
        """The span of the job title at ``start`` with the words before it that modify it
        (at most three, one space apart, none of them common): read from the words of its
        ``window``, and remembered by what the window holds (a text names the same job in the
        same words again: "film director" in each copy of a passage)."""
        if not _may_be_modified(text, start):
            return start, start + length
        for margin in (_NEAR, _MARGIN):
            lo, hi = window_bounds(text, start, length, margin)
            key = (margin, text[lo:hi], start - lo)
            known = self._spans.get(key)
            if known is None:
                if len(self._spans) > 20_000:
                    self._spans.clear()
                w, i = window(text, start, length, margin)
                toks = w.tokens
                first = modifiers_start(text, toks, i)
                if margin == _NEAR and first == 0:
                    continue  # the walk reached the near window's edge: read the wide one
                known = self._spans[key] = (toks[first][0] - lo, toks[i][1] - lo)
            return lo + known[0], lo + known[1]
        raise AssertionError("the wide window always gives a span")

    @staticmethod
    def _job(start: int, end: int, text: str) -> Match | None:
        before = text[max(0, start - 8) : start]
        after = text[end : end + 2]
        on_own_line = (not before.strip(" ") or _LINE_BREAK.search(before[-2:])) and (
            not after.strip(" ") or _LINE_BREAK.match(after.lstrip(" ") or "\n")
        )
        if on_own_line:
            return start, end, 0.7
        if (
            before.rstrip().lower().endswith((", the", "as a", "as an", "as the"))
            and after[:1] in ",."
        ):
            return start, end, 0.65
        return None


_APPOSITION = (", the", "as a", "as the")
_MODIFIER_STOPS = COMMON_WORDS - {"assistant"}
# The near window (characters each side) holds the three modifiers of most job titles; where
# the walk over them reaches its first word, the wide window (``pii_words._MARGIN``) is read.
_NEAR = 40


def _may_be_modified(text: str, start: int) -> bool:
    """Whether a word can modify the job title at ``start``, read without cutting words.

    ``_modified`` takes the word before only when exactly one space lies between: so the
    character before must be a space and the one before that the end of a word (a letter or
    digit, or its trailing period). When that word is plain ASCII letters after a space or
    the text's start, it is the whole token, and a common one stops the span there too
    ("actor, director" and "the director" end here: most job titles of a text)."""
    if start < 2 or text[start - 1] != " ":
        return False
    k = start - 2
    if not (text[k].isalnum() or text[k] == "."):
        return False
    while k >= 0 and text[k] in _ASCII_LETTERS:
        k -= 1
    if k == start - 2 or (k >= 0 and text[k] != " "):
        return True
    return text[k + 1 : start - 1].lower() not in _MODIFIER_STOPS


_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _job_may_stand(text: str, start: int, end: int) -> bool:
    """What ``_job`` asks of the text around a job title, read without cutting words: after
    it nothing or a line break, or "," or "." with an apposition cue not far before it (the
    title's modifiers, at most three words, stand between)."""
    after = text[end : end + 2]
    if not after.strip(" ") or _LINE_BREAK.match(after.lstrip(" ") or "\n"):
        return True
    if after[:1] not in ",.":
        return False
    before = text[max(0, start - 80) : start].lower()
    return any(cue in before for cue in _APPOSITION)
