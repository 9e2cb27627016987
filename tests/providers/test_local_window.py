"""The responder's choice among tied sentences and what it is handed (issue 15): a "which
X does it have / use" question takes the sentence that states a designation or a figure in
a specification unit; "what time / the cutoff" a time of day, not a duration; everyday
English the documents write in their own words; "how will I know it worked" the sign, not
the word "worked"
(what the responder is handed: tests/knowledge/test_plan_window.py). Documents and questions
are written for these tests (a bike-light shop and a lending library, not the example
apps)."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer

LAMP = """# Beam Rear Light

## Overview
The Beam Rear Light is a CR2032 coin-cell light with three flashing modes and a range of 400 metres.
It weighs 30 grams.

## Price
The Beam Rear Light costs 19 EUR, or 49 EUR for a pack of three.

## Remote
The remote pairs with up to 4 lights. It sends on 433 MHz.
"""
COLLECTION = """# Click and collect

## When it is ready
Orders placed before 3 pm on a weekday are ready for collection the same day.
Standard collection takes 2 to 3 days.
Large items take 5 to 7 days.
"""
REPAIRS = """# Repairs

## Faulty lights
If a light is faulty we send a replacement before you post the faulty one back.
Start a repair request from your account page.
"""
PAIRING = """# Pairing

## Pair a light
Hold the button for 5 seconds, then press Pair in the app. Pairing takes about a minute.
The light flashes green twice when it is connected to the app.
"""
RESET = """# Resetting a light

## Reset
Press the button ten times. The light beeps when the reset worked.
"""
TRAVEL = """# Travelling with a folding bike

## At the airport
A folded bike in its bag can be taken up to the aircraft door, where it is loaded.
Bikes that do not fold are checked in at the bag drop.
"""


def ask(question: str, passages: list[str], **kw: object) -> str:
    return answer(question, passages, analyzer=Analyzer(), **kw).text  # type: ignore[arg-type]


def test_which_thing_it_has_takes_the_sentence_stating_a_designation() -> None:
    for question, fact in (
        ("which battery does the rear light take", "CR2032"),
        ("what frequency does the remote use", "433 MHz"),
        ("what kind of cell does the beam light need", "CR2032"),
    ):
        got = ask(question, [LAMP])
        assert fact in got and "19 EUR" not in got, (question, got)
    assert intent_of("which battery does the rear light take").kind == "spec"
    # a person's needs are not a thing's property: "what do I need" stays an obligation
    assert intent_of("what documents do I need to bring").kind == "obligation"


def test_a_time_of_day_answers_what_time_and_the_cutoff() -> None:
    for question in (
        "what's the cutoff for same day collection",
        "what is the latest I can order and still collect today",
        "what time do I need to order by to pick it up the same day",
    ):
        got = ask(question, [COLLECTION])
        assert got.startswith("Orders placed before 3 pm"), (question, got)
    assert intent_of("how late is the shop open").kind == "clock"
    assert intent_of("how long does collection take").kind == "duration"


def test_everyday_words_meet_the_documents_own() -> None:
    got = ask("my light is broken, do you send a new one before I post mine back?", [REPAIRS])
    assert "replacement" in got
    got = ask("can I take my folding bike all the way to the plane", [TRAVEL])
    assert "aircraft door" in got


def test_how_will_i_know_it_worked_asks_for_the_sign() -> None:
    got = ask(
        "how long does pairing take and how will I know it worked?",
        [PAIRING, RESET],
        parts=["how long does pairing take", "how will I know it worked? (pairing)"],
    )
    assert "about a minute" in got and "flashes green" in got and "beeps" not in got
