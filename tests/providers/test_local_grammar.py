"""The local responder reads what a question asks by its grammar: "what do I need to do"
asks for an action, not for what is required; "will I be without my bike" asks whether the
customer goes without it, not what still holds without it. Documents and questions are
written for these tests (a bike-repair shop), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import NO_ANSWER, answer
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


KETTLE = "# Brightwave Kettle\n\nThe Brightwave Kettle costs 40 EUR. It boils a litre fast.\n"
TOASTER = "# Brightwave Toaster\n\nThe Brightwave Toaster costs 55 EUR.\n"
DELIVERY = "# Delivery\n\nDelivery costs 5 EUR and is free over 60 EUR.\n"
TITLES = ["Brightwave Kettle", "Brightwave Toaster", "Delivery"]


def ask_titled(question: str) -> str:
    passages = [KETTLE, TOASTER, DELIVERY]
    return answer(question, passages, titles=TITLES, analyzer=Analyzer()).text


def test_a_thing_no_passage_names_is_not_answered_with_a_neighbours_fact() -> None:
    assert ask_titled("how much is the brightwave blender") == NO_ANSWER
    assert ask_titled("whats the price of your coffee grinder") == NO_ANSWER
    assert "55 EUR" in ask_titled("how much is the brightwave toaster")
    assert "5 EUR" in ask_titled("how much is delivery")
    # a word no passage holds, answered by a sentence about no titled thing
    assert "5 EUR" in ask_titled("how much does shipping cost")
    # a part that names none of the things and no word the passages lack
    assert ask_titled("what does a brightwave cost") != NO_ANSWER


MOVING = """# Moving out

## Notice
Tell us your move-out date at least 5 working days in advance.

## Final invoice
Your final invoice is posted within 10 working days of the move-out date.

## Shipping your boxes
We ship boxes within the country in 3 to 4 working days.
"""


def ask_parts(parts: list[str], decisions: list[str]) -> str:
    question = " ".join(parts)
    got = answer(question, [MOVING], parts=parts, decisions=decisions, analyzer=Analyzer())
    return got.text


def test_a_vetoed_part_is_never_answered() -> None:
    parts = ["how long does shipping boxes to Portugal take", "when is the final invoice sent"]
    got = ask_parts(parts, ["veto", "answer"])
    assert "3 to 4 working days" not in got
    assert "I don't have information about" in got
    assert "10 working days" in got
    # judged "refuse" (no veto), the part is weighed against the sentences as before
    assert "3 to 4 working days" in ask_parts(parts, ["refuse", "answer"])


def test_the_responder_is_told_which_refused_parts_were_vetoed() -> None:
    from stanchion.pipeline.stages.generate import _decisions

    parts = [
        {"decision": "refuse", "features": {"missing": ["portugal"]}},
        {"decision": "refuse", "features": {"sentence": 0.2}},
        {"decision": "answer", "features": {}},
    ]
    assert _decisions({"part_answerability": parts}) == ["veto", "refuse", "answer"]
