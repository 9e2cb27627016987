"""What a question asks, read from how it is worded (issue 15, sent4): "how much off" and
"how much is the discount" ask for a share as often as an amount, "how much OF my credit"
for a part of a quantity, not a price; "the most films I can book" for a limit. Documents
and questions are written for these tests (a cinema club), not taken from any evaluation
set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer

CLUB = """# Reel Club membership

## Prices
A Reel Club membership costs 15 EUR a month and includes 8 film credits.

## Student discount
Students with a valid card get 25% off the monthly price of Reel Club.

## Sharing credits
You can pass up to half of your monthly credits to a friend who is not a member.
"""
BOOKING = """# Booking films

## In the app
Films you book this week can be moved to next week in the app.

## Limits
Each member can book up to 4 films at a time.
"""


def ask(question: str, *passages: str) -> str:
    return answer(question, list(passages), analyzer=Analyzer()).text


def test_how_much_off_asks_for_a_share_not_only_a_price() -> None:
    assert intent_of("how much off is the student discount").kind == "percent"
    assert not intent_of("how much is the discount for students").asks_for
    got = ask("how much off the membership is the student discount?", CLUB)
    assert "25%" in got


def test_how_much_of_a_quantity_is_no_price() -> None:
    assert intent_of("how much of my credit can i give away").kind != "price"
    got = ask("how much of my credits can I pass to a friend?", CLUB)
    assert got.startswith("You can pass up to half"), got


def test_the_most_that_can_be_done_asks_for_the_limit() -> None:
    got = ask("what is the most films I can book this week?", BOOKING)
    assert "up to 4 films" in got
    # a superlative that is no limit asks none ("the most popular")
    assert "Each member" not in ask("which films are the most popular this week?", BOOKING)


def test_a_share_of_a_price_states_a_price() -> None:
    got = ask("what does the membership cost for students?", CLUB)
    assert "25% off the monthly price" in got
