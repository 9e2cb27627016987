"""A word only a page's title holds tells its sentences apart less than a section's heading
does: every chunk of the page carries the title. And a heading's compound ("Bike-share
passes") is read as the sentences' own compounds are ("bikeshare"). Documents and questions
are written for these tests (a city transport office), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

TITLE = "Parking permits and bike-share passes"
# two chunks of one page: the section on passes, and a table of permit fees cut from its
# heading by the chunker
PASSES = """## Bike-share passes

A pass lets you unlock any city bike for rides of up to 45 minutes.

- The charge is 30 USD per year for adults and 12 USD for students, paid when you register."""
FEES = """| Resident permit, second car | 80 USD |
| Lost permit replacement | 15 USD |"""


def ask(question: str) -> str:
    got = answer(question, [FEES, PASSES], titles=[TITLE, TITLE], analyzer=Analyzer())
    return got.text


def test_the_section_on_the_thing_asked_beats_a_fee_row_that_only_shares_the_title() -> None:
    got = ask("How much is a bikeshare pass?")
    assert got.startswith("The charge is 30 USD per year"), got
