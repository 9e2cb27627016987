"""A timetable's days written short ("Mon-Sat 9am-6pm, Sun closed") are the days a customer
names ("open on a wednesday?", "sundays"), for the index, the gate and the responder alike;
"Sun" and "Sat" as words are not days. Documents and questions are written for these tests
(a chain of bakeries), not taken from any evaluation set."""

from __future__ import annotations

import pytest

from stanchion.knowledge.text import days_written_short, index_terms
from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

SHOPS = """# Our bakeries

| Bakery | Address | Opening hours |
|---|---|---|
| Harbour Row | 4 Harbour Row | Tue-Sat 7am-3pm, Sun closed |
| Mill Lane | 18 Mill Lane | Mon-Fri 6:30am-2pm, Sat & Sun 8am-1pm |

Flour and yeast deliveries reach every bakery at 5am on Wednesdays.
Our sourdough is proved for 36 hours and baked in a wood-fired oven.
"""


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Mon-Sat 9am-6pm, Sun closed", "monday tuesday wednesday thursday friday saturday sunday"),
        ("Sat & Sun: 10:00-16:00", "saturday sunday"),
        ("Tues-Thurs 9-5", "tuesday wednesday thursday"),
        ("open Fri to Mon.", "friday saturday sunday monday"),
        ("Mon, Wed and Fri: 9-12", "monday wednesday friday"),
        ("put on sun cream and sat down", ""),
        ("Monday to Friday, 9 to 5", ""),  # written whole: its terms are there already
        ("Month 3, Sunday 10:00", ""),
    ],
)
def test_days_written_short(text: str, days: str) -> None:
    assert days_written_short(text) == days.split()


def test_the_index_holds_the_days_of_a_range() -> None:
    terms = index_terms("Opening hours: Tue-Sat 7am-3pm, Sun closed")
    assert {"wednesday", "sunday"} <= set(terms)
    assert "monday" not in terms


def test_the_responder_reads_a_day_in_a_range_of_days_written_short() -> None:
    # the row covers the whole question ("wednesday" is in "Mon-Fri"): a verdict leads it
    got = answer("is mill lane open on wednesday", [SHOPS], analyzer=Analyzer()).text
    assert got.startswith("Yes. Bakery: Mill Lane"), got
