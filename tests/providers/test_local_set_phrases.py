"""The local responder reads a customer's set phrases as the word documents use (the query's
own table of idioms, one table for both), a share of a price as a price, and everyday
"send it back" as a return. Documents and questions are written for these tests (a kayak
rental on a harbour), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

RENTAL = """# Tidewater Kayaks

## Lost property
We keep items left in the boats for 60 days at the rental hut.
Unclaimed items go to the harbour office.

## Late arrivals
Boats are held at the dock for 15 minutes after your slot starts.

## Cancelling a booking
You can cancel a booking free of charge up to 48 hours before the start time.
Later cancellations are charged 50 percent of the rental price.

## Renting a wetsuit
Wetsuits cost 8 EUR per day.
We send a reminder by text 1 day before the wetsuit is due.
Return a rented wetsuit within 3 days, rinsed in fresh water.
"""


def ask(question: str, passages: list[str]) -> str:
    return answer(question, passages, analyzer=Analyzer()).text


def test_a_phrase_of_the_shared_idiom_table_is_read_as_the_documents_word() -> None:
    # "hold on to" is in the query's table only: it is "keep", not what is "held"
    got = ask("how long do you hold on to stuff people forget in the boats", [RENTAL])
    assert got.startswith("We keep items left in the boats for 60 days"), got
    assert "15 minutes" not in got, got


def test_a_share_of_the_price_answers_how_much_a_late_cancellation_costs() -> None:
    got = ask("how much do i lose if i cancel the day before", [RENTAL])
    assert "Later cancellations are charged 50 percent of the rental price." in got, got


def test_sending_something_back_is_a_return() -> None:
    got = ask("how long do i have to send the wetsuit back", [RENTAL])
    assert got == "Return a rented wetsuit within 3 days, rinsed in fresh water. [1]", got
