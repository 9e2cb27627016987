"""Which sentences the local responder chooses: both things a question joins, what is
required for "do I need...", a measure for the quantity it measures, the next step after
a follow-up to what was said, and the problem a message tells when its question cannot be
answered. Documents and questions are written for these tests (a bike shop and a heater
maker, not the example apps)."""

from __future__ import annotations

import pytest

from stanchion.providers.local.answer import answer
from stanchion.providers.local.extremes import least_duration, quickest
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer
from tests.linear import grows_linearly

FEES = """# Spoke Club membership

## Joining
Spoke Club membership costs 30 EUR a year. Members get free tyre checks.

## Lockers
Lockers are available at every shop. A locker deposit of 10 EUR is refunded when you
return the key.
"""
DELIVERY = """# Delivery

## Costs
Delivery is free on orders over 80 EUR; below that it costs 6 EUR.
Collection from a shop is free everywhere.
"""
EXCHANGES = """# Exchanges

## Rules
Bikes can be exchanged within 14 days of purchase.
The bike must come with its original receipt and all reflectors.
Exchanged bikes are checked by a mechanic.
"""
HEATER = """# Breeze heater

## Overview
The Breeze heater warms a room of 20 square metres. It uses 1500 watts.
"""
TROUBLE = """# Breeze troubleshooting

## Not warming
If the heater does not warm, check that the dial is above 15 degrees.
Reset the heater by holding the power button for 5 seconds.
"""
FROST = """# Frost warnings

## How we tell you
If a frost warning is issued, we post it on the website and send a text.
Keep the heater on its frost setting while it lasts.
The warning stays in place until we post that it has ended.
"""
TRACKING = """# Tracking

## Tracking links
A tracking link is sent once the parcel leaves our warehouse.
Parcels leave the warehouse within 2 working days.
"""


def reply(question: str, *passages: str, **kwargs: object) -> str:
    return answer(question, list(passages), analyzer=Analyzer(), **kwargs).text  # type: ignore[arg-type]


def test_both_things_a_question_joins_are_answered() -> None:
    got = reply("how much is the membership and the locker deposit", FEES)
    assert "30 EUR a year" in got
    assert "deposit of 10 EUR" in got


def test_a_clipped_minimum_asks_for_the_threshold() -> None:
    assert intent_of("free delivery min?").kind == "count"
    got = reply("free delivery min?", DELIVERY)
    assert got.startswith("Delivery is free on orders over 80 EUR")


def test_do_i_need_is_answered_by_what_is_required() -> None:
    got = reply("do i need the orig receipt to exchange my bike", EXCHANGES)
    assert got.startswith("The bike must come with its original receipt")


def test_a_measure_answers_for_the_quantity_it_measures() -> None:
    got = reply(
        "how big a room does the breeze heater warm and how much power does it use",
        HEATER,
        parts=["how big a room does the breeze heater warm", "how much power does it use"],
        decisions=["answer", "refuse"],
    )
    assert "1500 watts" in got
    assert "don't have information" not in got


def test_a_follow_up_to_what_was_said_gets_the_next_step() -> None:
    history = [
        ("user", "my breeze heater is not warming"),
        ("assistant", "Check that the dial is above 15 degrees."),
    ]
    got = reply("it is. now what (heater, warming)", TROUBLE, history=history)
    assert got.startswith("Reset the heater by holding the power button for 5 seconds.")
    assert "dial" not in got


def test_a_follow_up_with_its_own_question_word_is_not_the_earlier_yes_no() -> None:
    history = [
        ("user", "is there a frost warning"),
        ("assistant", "When a frost warning is issued, we post it on the website and send a text."),
    ]
    got = reply("how will i know it has ended (frost, warning)", FROST, history=history)
    assert "until we post that it has ended" in got


def test_the_problem_a_message_tells_is_answered_when_its_question_cannot_be() -> None:
    parts = ["I ordered a bell yesterday but the tracking link is not there yet.", "Is it lost?"]
    got = reply(" ".join(parts), TRACKING, parts=parts, decisions=["borderline", "refuse"])
    assert got.startswith("A tracking link is sent once the parcel leaves our warehouse.")
    assert 'I don\'t have information about "Is it lost"' in got


def test_a_told_problem_the_gate_refused_stays_unanswered() -> None:
    parts = ["I ordered a bell yesterday but the tracking link is not there yet.", "Is it lost?"]
    refused = ["refuse", "refuse"]
    got = answer(" ".join(parts), [TRACKING], parts=parts, decisions=refused, analyzer=Analyzer())
    assert got.refused


def test_the_score_is_the_weights_times_the_features() -> None:
    from stanchion.providers.local.answer import request_context
    from stanchion.providers.local.part import FEATURES, WEIGHTS, read_part

    analyzer = Analyzer()
    history = [("user", "is delivery free"), ("assistant", "Collection from a shop is free.")]
    ctx, candidates = request_context(
        [DELIVERY, EXCHANGES], None, ["doc", "catalog"], None, history, None, analyzer
    )
    assert len(FEATURES) == len(WEIGHTS)
    for question in ("do i need a receipt", "free delivery min?", "how long to exchange"):
        part = read_part(question, candidates, analyzer, ctx)
        for c in candidates:
            weighed = sum(w * f for w, f in zip(WEIGHTS, part.features(c), strict=True))
            assert part.score(c) == pytest.approx(weighed if part.cover(c[1]) > 0 else 0.0)


def test_a_yes_no_condition_brings_what_holds_when_it_is_not_met() -> None:
    policy = (
        "# Orders\n\n## Cancelling\nA bike order can be cancelled until it leaves the shop. "
        "After that, send the parcel back unopened.\n"
    )
    got = reply("can i still cancel my bike order", policy)
    assert "until it leaves the shop" in got
    assert "After that, send the parcel back unopened." in got


def test_a_yes_you_can_brings_the_instruction_after_it() -> None:
    policy = (
        "# Your account\n\n## Someone to help you\nYou can name a friend to speak to us about "
        "your account. Sign the helper form at any shop. Helpers cannot close the account.\n"
    )
    got = reply("can my brother speak to you about my account", policy)
    assert got.startswith("You can name a friend")
    assert "Sign the helper form at any shop." in got


def test_a_sentence_whose_subject_is_a_pronoun_brings_its_antecedent() -> None:
    policy = (
        "# Storms\n\n## Compensation\nIf a storm cuts your supply for over 6 hours, we pay "
        "20 EUR. If it lasts more than a day, the credit is 50 EUR.\n"
    )
    got = reply("what credit do i get when it lasts more than a day", policy)
    assert got.startswith("If a storm cuts your supply")
    assert "the credit is 50 EUR" in got


def test_a_long_run_of_letters_is_read_in_linear_time() -> None:
    grows_linearly(lambda n: reply("how much is " + "a" * n, FEES), 40_000)  # quadratic: 7.6 s
    assert reply("how much is " + "a" * 40_000, FEES)


def test_a_sentence_about_another_titled_thing_loses_to_the_one_asked_about() -> None:
    # the kettle's guarantee is asked; the guarantee page's sentence about the toaster names
    # another product a title names, so it is not the answer
    guarantee = (
        "# Guarantee\n\nEvery Orbit appliance has a 1-year guarantee. "
        "The Orbit Toaster has a 3-year guarantee."
    )
    row = "Orbit Kettle costs 40 EUR. Orbit Kettle guarantee: 2 years (2-year guarantee)."
    toaster = "# Orbit Toaster\n\nThe Orbit Toaster has four slots."
    found = answer(
        "how much is the orbit kettle and what guarantee does it come with",
        [guarantee, row, toaster],
        parts=["how much is the orbit kettle", "what guarantee does it come with"],
        titles=["Guarantee", "Orbit Kettle", "Orbit Toaster"],
        sources=["docs/guarantee.md", "catalog", "docs/toaster.md"],
        analyzer=Analyzer(),
    )
    assert "40 EUR" in found.text and "guarantee" in found.text
    assert "3-year" not in found.text
    # asked about the toaster, its sentence is the answer
    toast = answer(
        "what guarantee does the toaster have",
        [guarantee, row, toaster],
        titles=["Guarantee", "Orbit Kettle", "Orbit Toaster"],
        sources=["docs/guarantee.md", "catalog", "docs/toaster.md"],
        analyzer=Analyzer(),
    )
    assert "3-year" in toast.text


def test_the_bundle_a_message_names_is_answered_by_its_own_row() -> None:
    # the document is about the single mug and mentions the set in passing; the message asks
    # what the 6-set holds, so the set's catalog row answers, not the single mug's sentence
    mug = "# Terra Mug\n\nThe Terra Mug costs 12 EUR, or 60 EUR for a set of six."
    row = "Terra Mug 6-set costs 60 EUR. Terra Mug 6-set features: six stoneware mugs; gift box."
    found = answer(
        "what comes inside the mug six-set, the same mugs as the single one?",
        [mug, row],
        titles=["Terra Mug", "Terra Mug 6-set"],
        sources=["docs/mug.md", "catalog"],
        analyzer=Analyzer(),
    )
    assert "stoneware" in found.text
    assert "12 EUR" not in found.text
    # asked about the single mug (its own row retrieved), the set's page does not answer
    single = answer(
        "how much is one terra mug",
        [mug, "Terra Mug costs 12 EUR.", "# Terra Mug 6-set\n\nThe set costs 60 EUR."],
        titles=["Terra Mug", "Terra Mug", "Terra Mug 6-set"],
        sources=["docs/mug.md", "catalog", "docs/set.md"],
        analyzer=Analyzer(),
    )
    assert "12 EUR" in single.text and "The set costs" not in single.text


def test_the_quickest_is_the_least_time_stated() -> None:
    # "fastest" names no word of the answer: the sentence stating the least time wins over
    # one that shares more of the question's words
    booking = "# Repairs\n\nA repair booking can be moved until the courier arrives."
    times = (
        "# Repair times\n\nStandard service takes 10 to 14 days. "
        "Priority service takes 3 to 4 days."
    )
    found = answer("what is your fastest repair option", [booking, times], analyzer=Analyzer())
    assert "Priority service takes 3 to 4 days" in found.text
    assert "courier" not in found.text
    assert least_duration("Standard repair takes 2 weeks.") == 14.0
    assert least_duration("We answer within 4 hours.") == pytest.approx(4 / 24)
    assert quickest("how long does it take", [(1, "3 days"), (2, "1 day")]) == frozenset()
    assert quickest("soonest slot?", [(1, "in 3 days"), (2, "in 1 day")]) == frozenset({2})
