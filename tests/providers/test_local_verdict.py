"""A yes/no answer is led by "Yes." or "No." only when its sentence's main clause decides:
when the sentence's condition names what the customer tells of their case, the condition
decides, and the sentence is said as it is; a place named ("at Northgate Mall") is not
what a yes/no asks of it. "Keep" is read as "store". Documents and
questions are written for these tests (a shop selling a portable speaker), not taken from
any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer
from tests.linear import grows_linearly

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


SHOPS = """# Orbit Audio

## Shops
Shop: Northgate Mall; Open: 9 am to 6 pm.
Shop: Quay Street; Open: 10 am to 4 pm.
"""

PARKING = """# Orbit Audio

## Parking
Parking at the Quay Street shop is free for 2 hours.
"""


def test_a_yes_no_asked_at_a_named_place_wants_more_than_the_place() -> None:
    # the row names the mall and says nothing of parking or of what is free: no answer
    got = ask_shops("is parking free at Northgate Mall", [SHOPS])
    assert got == "I don't have that in the approved documents.", got
    got = ask_shops("is parking free at Quay Street", [SHOPS, PARKING])
    assert got == "Yes. Parking at the Quay Street shop is free for 2 hours. [2]", got


def ask_shops(question: str, passages: list[str]) -> str:
    return answer(question, passages, analyzer=Analyzer()).text


def test_the_place_named_is_read_in_linear_time() -> None:
    grows_linearly(lambda n: ask_shops("is it free at " + "Ab " * n, [SHOPS]), 20_000)
