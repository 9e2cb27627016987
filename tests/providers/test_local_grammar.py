"""The local responder reads what a question asks by its grammar: "what do I need to do"
asks for an action, not for what is required; "will I be without my bike" asks whether the
customer goes without it, not what still holds without it. Documents and questions are
written for these tests (a bike-repair shop), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer

REPAIRS = """# Bike repairs

## Repairs
A repair needs a booking and a deposit of 20 EUR.
If your bike is stolen after a repair, report it to the police and send us the report.
Without a booking you can only get a puncture fixed.

## Loan bikes
While we repair your bike, we lend you a loan bike at no charge.
"""


def ask(question: str, passages: list[str]) -> str:
    return answer(question, passages, analyzer=Analyzer()).text


def test_what_do_i_need_to_do_asks_for_an_action_not_an_obligation() -> None:
    assert intent_of("what do I need to do to get my deposit back").kind is None
    assert intent_of("what do I need to do to get my deposit back").steps
    assert intent_of("do I need a booking").kind == "obligation"
    assert intent_of("do I need to do a safety check first").kind == "obligation"
    assert intent_of("what do I need to bring").kind == "obligation"


def test_being_without_something_is_not_what_holds_without_it() -> None:
    assert not intent_of("will I be without a bike while you repair mine?").without
    assert intent_of("what can you fix without a booking").without
    assert intent_of("what works if I am without a booking").without
    got = ask("Will I be without a bike while you repair mine, or do you lend one?", [REPAIRS])
    assert "loan bike" in got
