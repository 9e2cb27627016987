"""The local responder finds the sentence that answers when the customer's words are not the
document's: a story told before the question, a relative clause that describes rather than
asks. Documents and questions are written for these tests (a lending library), not taken
from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer

LIBRARY = """# Riverside Library

## Branches
The Leeds branch is open on Mondays and Thursdays from 9 am to 6 pm.
Visitors can use the reading room without a card.

## Borrowing
Members can borrow e-books from the library app for 21 days.
A library card is free for residents over 16.
"""


def ask(question: str, passages: list[str], **kwargs: object) -> str:
    return answer(question, passages, analyzer=Analyzer(), **kwargs).text  # type: ignore[arg-type]


def test_a_relative_clause_describes_and_asks_nothing() -> None:
    assert intent_of("I am writing for my aunt, who lives in Leeds.").empty
    assert not intent_of("the drain is blocked, who do I call").empty
    assert not intent_of("hi, which card do I need").empty
    assert not intent_of("my card is lost, who is responsible?").empty
    got = ask(
        "I'm writing for my aunt, who visits the Leeds branch on Mondays and Thursdays from 9 "
        "to 6. Can she borrow e-books?",
        [LIBRARY],
    )
    assert got.startswith("Members can borrow e-books"), got


FINES = """# Fines

## How fines are paid
Fines are paid at the desk or in the app. Fines under 1 EUR are waived. Fines are shown in the app.
"""
RENEWALS = """# Renewals

## Renewing a loan
Renew twice online to avoid fines.
"""


def test_a_topic_named_alone_is_answered_from_each_close_section() -> None:
    got = ask("fines?", [FINES, RENEWALS])
    assert "Renew twice" in got, got  # not only the payment section's every sentence
    assert got.count("[1]") == 1, got


DESK = """# Loans

## Paying fines
Fines are paid at the desk or with a card in the app.

## Loan limits
E-books do not count towards the loan limit.

## Renewals
Renewals are answered within a day by email.

## How to renew
Start a renewal from the Loans page.
"""


def test_a_question_embedded_in_a_story_is_what_is_asked() -> None:
    got = ask(
        "Before I pay my fine at the desk with my card in the app I wanted to ask whether "
        "e-books count, since the app shows them.",
        [DESK],
    )
    assert got.startswith("E-books do not count"), got


def test_everyday_words_for_what_the_documents_say() -> None:
    got = ask("where do I begin a renewal", [DESK])
    assert got == "Start a renewal from the Loans page. [1]", got


RESERVATIONS = """# Reservations

## If a reserved book does not arrive
Ask at the front desk after 5 days.

## Your first visit
On your first visit, show an ID at the front desk.

## Membership
The membership costs 20 EUR a year.

## Print discount
Members save 2 EUR on every print job.
"""


def test_phrasal_verbs_and_chat_words_are_read_for_what_they_mean() -> None:
    got = ask("my reserved book never showed up smh, what do i do first", [RESERVATIONS])
    assert got == "Ask at the front desk after 5 days. [1]", got
    got = ask("would the membership pay for itself?", [RESERVATIONS])
    assert "Members save 2 EUR" in got, got


PHONE = """# Contact

## Phone line
The average waiting time on the phone line is 4 minutes.

## Reserved books
Reserved books are kept on hold for 7 days.
"""


def test_a_caller_stuck_on_hold_asks_the_waiting_time() -> None:
    got = ask("how long am I usually stuck on hold", [PHONE])
    assert got == "The average waiting time on the phone line is 4 minutes. [1]", got
