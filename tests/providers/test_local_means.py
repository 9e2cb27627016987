"""How money is paid (a means: "by bank transfer", "as a voucher") answers a question asking
in what form it comes ("in cash or what"), and a follow-up asking for an alternative to what
was said ("...instead") gets the alternative the documents state beside it. Documents and
questions are written for these tests (a ferry line and a climbing gym, not the example
apps)."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer

FERRY = """# Lost property

## If we find it later
If an item we paid for is found after we paid, we write to you. You may keep the money
and give the item up, or pay it back and have the item sent to you.

## What we pay
We pay what the item was worth, taking its age into account, up to 400 EUR per traveller.

## Claiming
Fill in the lost property form within 14 days of your crossing.
Payments are made by bank transfer or as a ferry voucher worth 130 percent of the sum;
you choose.
"""
GYM = """# Memberships

## Ending a membership
When you end your membership, your deposit stays on your account as climbing credit.
You can ask for the deposit to be paid to your bank account; this takes 5 working days.

## Paying at the desk
Day passes can be paid by card or in cash at the desk. Chalk costs 4 EUR.
"""


def reply(question: str, *passages: str, **kwargs: object) -> str:
    return answer(question, list(passages), analyzer=Analyzer(), **kwargs).text  # type: ignore[arg-type]


def test_a_question_naming_a_form_of_money_asks_for_the_means() -> None:
    assert intent_of("will you pay me in money or something else").kind == "means"
    assert intent_of("can i settle it by card").kind == "means"
    assert intent_of("how will i be reimbursed").kind == "means"
    # "how much" still asks a price, whatever it is paid in
    assert intent_of("how much is a day pass in cash").kind == "price"


def test_the_sentence_stating_how_it_is_paid_answers_in_what_form() -> None:
    history = [
        ("user", "the ferry lost my suitcase"),
        ("assistant", "Fill in the lost property form within 14 days of your crossing."),
    ]
    got = reply("do u pay me in money or what (suitcase, lost)", FERRY, history=history)
    assert got.startswith("Payments are made by bank transfer or as a ferry voucher")
    assert "we write to you" not in got


def test_a_follow_up_asking_for_an_alternative_gets_the_one_beside_what_was_said() -> None:
    history = [
        ("user", "i am ending my membership, what happens to my deposit"),
        ("assistant", "Your deposit stays on your account as climbing credit."),
    ]
    got = reply("could i have it back in cash instead (membership, deposit)", GYM, history=history)
    assert got.startswith("You can ask for the deposit to be paid to your bank account")
    assert "at the desk" not in got


def test_instead_without_anything_said_is_answered_as_asked() -> None:
    got = reply("can i pay for a day pass by card instead", GYM)
    assert "Day passes can be paid by card or in cash at the desk." in got


def test_instead_after_an_answer_the_documents_do_not_hold_is_answered_as_asked() -> None:
    history = [
        ("user", "can i buy a day pass online"),
        ("assistant", "Sorry, I can only tell you what the gym's pages say."),
    ]
    got = reply("can i pay for it by card instead (day, pass)", GYM, history=history)
    assert "Day passes can be paid by card or in cash at the desk." in got
