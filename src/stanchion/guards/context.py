"""Context words: a match near "phone" is more likely a phone number than one near "order"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

WINDOW = 48


@dataclass(slots=True)
class ContextWords:
    """Words before a match that raise (``boost``) or lower (``damp``) its score."""

    raise_words: Iterable[str] = ()
    lower_words: Iterable[str] = ()
    boost: float = 0.3
    damp: float = 0.35
    _raise: re.Pattern[str] | None = field(init=False, default=None)
    _lower: re.Pattern[str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._raise = _words_pattern(self.raise_words)
        self._lower = _words_pattern(self.lower_words)

    def adjust(self, text: str, start: int, end: int, score: float) -> float:
        """The score after looking at the words just before (and just after) the match."""
        before = text[max(0, start - WINDOW) : start]
        around = before + " " + text[end : end + 16]
        if self._raise is not None and self._raise.search(around):
            score += self.boost
        if self._lower is not None and self._lower.search(before):
            score -= self.damp
        return max(0.0, min(1.0, score))

    def has_raise(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - WINDOW) : start] + " " + text[end : end + 16]
        return self._raise is not None and self._raise.search(before) is not None


def _words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    listed = sorted({w.lower() for w in words if w}, key=len, reverse=True)
    if not listed:
        return None
    return re.compile(r"(?i)\b(?:" + "|".join(re.escape(w) for w in listed) + r")")
