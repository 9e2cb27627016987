"""The sentence that states the least duration, for a question that asks for the quickest
("what's the fastest delivery": "Express shipping takes 1 to 2 business days" over the
sentences that share the question's words but give longer times, or none).

>>> least_duration("Express shipping takes 1 to 2 business days.")
1.0
>>> least_duration("A label arrives within one hour."), least_duration("Call us.")
(None, None)
"""

from __future__ import annotations

import re

# "quickest", "fastest", "soonest", "earliest": the least time is asked
LEAST_TIME = re.compile(r"\b(?:quickest|fastest|soonest|earliest|shortest)\b", re.I)
_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0}
_DURATION = re.compile(
    r"(?<![\w.,])(\d{1,6}(?:\.\d{1,3})?)(?:\s?(?:to|-|\u2013)\s?\d{1,6}(?:\.\d{1,3})?)?"
    r"\s?(?:business\s|working\s|calendar\s)?(minute|hour|day|week|month|year)s?\b",
    re.I,
)
EXTREME = 0.15  # the score's bonus for the sentence stating the least duration


def least_duration(sentence: str) -> float | None:
    """The least duration a sentence states in digits, in days (a range by its low end)."""
    found = [float(m.group(1)) * _DAYS[m.group(2).lower()] for m in _DURATION.finditer(sentence)]
    return min(found) if found else None


def quickest(question: str, sentences: list[tuple[int, str]]) -> frozenset[int]:
    """Of (key, text) pairs, the keys of those stating the least duration, when the
    question asks for the quickest and more than one states a duration."""
    if not LEAST_TIME.search(question):
        return frozenset()
    stated = [(d, k) for k, text in sentences if (d := least_duration(text)) is not None]
    if len(stated) < 2:
        return frozenset()
    least = min(d for d, _ in stated)
    return frozenset(k for d, k in stated if d == least)
