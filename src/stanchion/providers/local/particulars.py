"""The particulars a message tells rather than asks about: the numbers and dates of its
circumstances, with the noun a number counts ("Our book club is 12 people and we need
somewhere to meet once a month", "I'm flying to New York for a week in March"). A message
that asks nothing outright wants the rule that covers its case, not the sentence that
happens to repeat its figures ("Capacity: 12 people", "we remind you by text in March"), so
a sentence earns little for holding them.

>>> sorted(particulars("Our book club is 12 people and we meet on Fridays."))
['12', 'friday', 'peopl']
>>> sorted(particulars("Can 12 people use the room on Friday?"))
[]
"""

from __future__ import annotations

import re

from stanchion.knowledge.text import terms
from stanchion.providers.local.asking import asks

# A sentence's credit for holding a particular, as a share of its weight (the part's total
# keeps the full weight). On the responder replay of every DEV source: 0.4 and 0.3 gain
# appf-051 only; 0.2, 0.1 and 0.0 also appe e-055; none loses any. (Lowering the weight in
# the total too, as context's is, at 0.4 down to 0.0, loses appd d-050 each time.)
TOLD = 0.2
_CALENDAR = re.compile(
    r"\b(?:\d+(?:[.,:]\d+)?(?:st|nd|rd|th|am|pm)?(?: [a-z]+)?|"
    r"for (?:a|an|one|two|three|four|five|six|seven|ten) (?:day|week|month|year)s?|"
    r"january|february|march|april|june|july|august|september|october|november|"
    r"december|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)\b",
    re.I,
)


def particulars(main: str) -> frozenset[str]:
    """The terms of the numbers (and the word after each), the spans ("for a week"), months
    and weekdays a part tells, when it asks nothing."""
    if asks(main):
        return frozenset()
    return frozenset(t for m in _CALENDAR.finditer(main) for t in terms(m.group()))
