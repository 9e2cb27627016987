"""Messy questions whose kind of answer is read from the documents or the message: a
thing's "length" where a duration is bound to it, a wait named by its unit, a message that
denies what a sentence assumes. The documents are written for these tests (a bike-share
scheme, not the example app)."""

from __future__ import annotations

from stanchion.providers.local import answer_from_passages

TRIAL = (
    "# Free trial\n\nEach rider can have one trial. Opening new accounts to get another trial "
    "may lead to those accounts being closed.",
    "# Free trial\n\nDuring a trial you can unlock up to 3 bikes at once.",
    "# Free trial\n\nEvery new rider starts with a 10-day trial of the Plus plan.",
)
API = """# Partner API

Keys are issued per partner, not per developer. When you go over a limit the API returns
status 429 with a Retry-After header giving the number of seconds to wait.
"""
REFUNDS = """# Refunds

Refunds go back to the original card and take 3 to 5 business days to appear.
"""


def ask(question: str, *passages: str) -> str:
    return answer_from_passages(question, list(passages))


def test_a_things_length_asks_the_duration_bound_to_it() -> None:
    assert "10-day trial" in ask("trial length?", *TRIAL)


def test_a_wait_named_by_its_unit_is_a_duration() -> None:
    got = ask("getting 429s from the api, how long do i back off", API, REFUNDS)
    assert "Retry-After" in got


COVER = (
    "# Ride Cover (theft and damage cover)\n\nClaim: Stolen bike; Excess: 40 EUR.\n"
    "Claim: Bent wheel only; Excess: 15 EUR.",
    "# Bike repairs at our depots\n\nRepair: Bent wheel truing; Price from: 60 EUR.\n"
    "Repair: Brake cables; Price from: 20 EUR.",
)


def test_a_sentence_assuming_what_the_message_denies_loses() -> None:
    got = ask("My wheel got bent and I don't have cover, the bike is out of warranty.", *COVER)
    assert got.startswith("Repair: Bent wheel truing")


PASSES = (
    "# Your rider account\n\nIf your key fob is lost or stolen, or your account shows rides you "
    "do not recognise, tell us straight away by calling 0300 555 0199. We will block the fob "
    "at once and investigate.",
    "# Joining the scheme and your key fob\n\n## Day riders\nA day pass costs 5 EUR and allows "
    "up to 2 bikes at a time. It lasts 24 hours and does not include e-bikes or group rides.",
)


def test_a_pronoun_takes_the_subject_of_the_sentence_before_it() -> None:
    got = ask("There are rides on my fob that I never took.", *PASSES)
    assert got.startswith("If your key fob is lost")
