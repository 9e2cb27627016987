"""Birth dates: a date is personal data when a birth word is near it.

The date pattern starts with a word boundary, so a plain ``finditer`` tries it at every
position of the text. Every date starts at a run of digits or at a month name, so
:func:`date_matches` tries it only there and gives the same matches (same spans, same order)
as ``finditer`` over the whole text::

    [m.group(0) for m in date_matches("born 4 May 1990, moved 2001-03-04")]
    # ['4 May 1990', '2001-03-04']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stanchion.guards.context import ContextWords

Match = tuple[int, int, float]

DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
    r"[a-z]*\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?\s+\d{4})"
)
_DATE = re.compile(r"\b" + DATE + r"\b", re.IGNORECASE)
DOB_CONTEXT = ContextWords(["born", "birth", "dob", "d.o.b", "birthday", "date of birth", "b."])
# Without a birth word somewhere in the text no date is a birth date; ASCII text is tested
# with ``in`` on its lower-case copy (a few microseconds), other text with the pattern.
_GATE = re.compile(r"(?i)born|birth|dob|d\.o\.b|b\. ")
_GATE_NEEDLES = ("born", "birth", "dob", "d.o.b", "b. ")
# Where a date can start in ASCII text: the first digit of a run, the first letter of a month.
_DIGITS = re.compile(r"[0-9]+")
_MONTHS = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")


def date_matches(text: str) -> Iterator[re.Match[str]]:
    """``_DATE.finditer(text)``, trying the pattern only where a date can start."""
    if not text.isascii():
        yield from _DATE.finditer(text)
        return
    starts = [m.start() for m in _DIGITS.finditer(text)]
    starts += [m.start() for m in _MONTHS.finditer(text.lower())]
    cursor = 0
    for start in sorted(starts):
        if start < cursor:
            continue
        m = _DATE.match(text, start)
        if m is not None:
            cursor = m.end()
            yield m


def birth_word(text: str) -> bool:
    if text.isascii():
        lower = text.lower()
        return any(needle in lower for needle in _GATE_NEEDLES)
    return _GATE.search(text) is not None


class DateOfBirthRecogniser:
    """A date is personal data when it is a birth date: it needs a birth word nearby."""

    type = "pii.date_of_birth"

    def find(self, text: str) -> Iterator[Match]:
        if not birth_word(text):
            return
        for m in date_matches(text):
            if DOB_CONTEXT.has_raise(text, m.start(), m.end()):
                yield m.start(), m.end(), 0.85
