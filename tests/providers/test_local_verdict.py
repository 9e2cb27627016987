"""A yes/no answer is led by "Yes." or "No." only when its sentence's main clause decides:
when the sentence's condition names what the customer tells of their case, the condition
decides, and the sentence is said as it is. "Keep" is read as "store". Documents and
questions are written for these tests (a shop selling a portable speaker), not taken from
any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

RETURNS = """# Orbit Audio

## Returns
You have 28 days from delivery to return an item.
Return postage is paid by you unless the item is faulty.
"""

PLUS = """# Orbit Audio

## Orbit Plus
Orbit Plus costs 3 GBP per month.
Party videos are stored for 90 days with an Orbit Plus plan.
"""

RECEIPTS = """# Orbit Audio

## Receipts
Keep your receipt for 2 years as proof of purchase.
"""


def ask(question: str) -> str:
    return answer(question, [RECEIPTS, RETURNS], analyzer=Analyzer()).text


def test_no_verdict_when_the_condition_names_the_customers_case() -> None:
    got = ask("the item is faulty, do i pay the return postage")
    assert got == "Return postage is paid by you unless the item is faulty. [2]", got


def test_a_verdict_when_the_main_clause_decides() -> None:
    got = ask("do i pay the return postage myself")
    assert got == "Yes. Return postage is paid by you unless the item is faulty. [2]", got


def test_keeping_something_is_storing_it() -> None:
    # the second part was judged unanswerable by the caller: answered only when a sentence
    # holds most of it ("keep": "stored"), not by the receipt that is kept
    parts = ["how much is orbit plus", "do you keep my videos"]
    got = answer(
        " ".join(parts),
        [PLUS, RECEIPTS],
        parts=parts,
        decisions=["answer", "refuse"],
        analyzer=Analyzer(),
    ).text
    want = "Orbit Plus costs 3 GBP per month. [1] Yes. Party videos are stored for 90 days with"
    assert got == want + " an Orbit Plus plan. [1]", got
