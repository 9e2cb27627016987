"""A sentence's role in its section: the instruction that answers a situation told rather
than asked, the sentence of the best one's section that is as much about the question, and
the redaction placeholders of the input guards that name nothing. Documents and questions
are written for these tests (a ferry line and a library, not the example apps)."""

from __future__ import annotations

import pytest

from stanchion.knowledge.text import stem
from stanchion.providers.local.answer import answer
from stanchion.providers.local.asking import asks
from stanchion.providers.local.context import Context
from stanchion.providers.local.part import contrasted, read_part
from stanchion.providers.local.section import what_to_do, with_lead_in
from stanchion.providers.local.sentences import Analyzer, instruction

FERRY = """# Tickets

## Bikes on board
Bikes travel on the car deck with a bike ticket. Lock the bike to the rail on the car deck.
Bike tickets are sold at the terminal only.

## Group travel
Groups of ten or more get 15 percent off.
"""
CONNECTIONS = """# Connections

## Rail and ferry
Through tickets with Harbour Rail cover the train and the crossing on one booking.
Scan both tickets at the gate and keep them until you leave the ship.

## Missed crossings
If the train is late, you travel on the next crossing at no cost.
"""
LIBRARY = """# Library cards

## Receipts
Loan receipts are printed at the self-service desk, under Print receipt.
A loan receipt can only be printed once every item has been checked out and the loan
has been confirmed by the librarian who is working that day.
Renewals are shown on the next receipt.
"""
OPENING = """# Opening hours

## Branches
The central branch is open from 9 am to 8 pm on weekdays.
"""


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Scan both tickets at the gate.", True),
        ("Loosen the straps before you board.", True),
        ("Tell us your booking number.", True),
        ("- Keep the receipt.", True),
        ("Call 555-0100 for help.", True),  # a known verb before a number
        ("Bikes travel on the car deck.", False),  # a plural subject
        ("Without a ticket you cannot board.", False),  # a preposition
        ("Within the harbour the ship slows down.", False),
        ("Boarding the ship takes ten minutes.", False),  # a gerund
        ("The gate closes at noon.", False),
        ("Children travel free.", False),
    ],
)
def test_an_instruction_opens_with_a_verb_that_takes_an_object(
    sentence: str, expected: bool
) -> None:
    assert instruction(sentence) is expected


def test_a_situation_told_is_answered_with_what_to_do_in_it() -> None:
    told = "I have a through ticket with Harbour Rail for the train and the crossing."
    got = answer(told, [CONNECTIONS], analyzer=Analyzer())
    assert "Through tickets with Harbour Rail" in got.text
    assert "Scan both tickets at the gate" in got.text
    assert not got.refused


def test_a_question_is_not_given_the_instruction_after_its_answer() -> None:
    asked = "do through tickets with harbour rail cover the crossing?"
    analyzer = Analyzer()
    candidates = [(0, s) for s in analyzer.sentences(CONNECTIONS)]
    best = next(c for c in candidates if c[1].text.startswith("Through"))
    assert what_to_do(asked, best, candidates, [best]) == []
    told = "I booked a through ticket with Harbour Rail."
    assert [c[1].text for c in what_to_do(told, best, candidates, [best])] == [
        "Scan both tickets at the gate and keep them until you leave the ship."
    ]


def test_the_instruction_comes_from_the_same_section_only() -> None:
    told = "We are a group of twelve travelling together."
    got = answer(told, [FERRY], analyzer=Analyzer())
    assert "15 percent" in got.text
    assert "Lock the bike" not in got.text  # the bikes section's instruction


def test_a_sentence_as_much_about_the_question_comes_with_the_best_of_its_section() -> None:
    # a long, shouting message: its words the sentences do not hold shrink every sentence's
    # cover, so the bonus for a place ("at the self-service desk") decides the best; the
    # sentence saying when a receipt lists the items holds "receipt" as much and comes too
    asked = "I HAVE ASKED THREE TIMES ALREADY. where is my loan receipt??? cannot find it"
    got = answer(asked, [LIBRARY, OPENING], analyzer=Analyzer())
    assert "Print receipt" in got.text
    assert "once every item has been checked out" in got.text


def test_a_sentence_less_about_the_question_stays_out() -> None:
    got = answer("where do I print a loan receipt", [LIBRARY], analyzer=Analyzer())
    assert "Print receipt" in got.text
    assert "Renewals" not in got.text


def test_redaction_placeholders_are_not_words_of_the_question() -> None:
    analyzer = Analyzer()
    candidates = [(0, s) for s in analyzer.sentences(FERRY)]
    question = "<PERSON_1> asked me: can bikes go on board?"
    part = read_part(question, candidates, analyzer, Context())
    assert "person" not in part.wanted
    assert "1" not in part.wanted
    assert stem("bikes") in part.wanted


PACKING = """# Packing

## On board
Cabin bags may weigh up to 8 kg. Always carry these with you on board:
- passports and tickets;
- medicines;
- keys.

## Bring to the desk
Have these ready:
- your booking number;
- a photo of the damage;
- the bag itself.
"""


def test_a_list_item_comes_with_the_lead_in_that_says_what_the_list_is() -> None:
    got = answer("can my medicines go in the hold?", [PACKING], analyzer=Analyzer())
    assert "Always carry these with you on board:" in got.text
    assert "medicines." in got.text  # an item said as a sentence
    assert got.text.index("Always carry") < got.text.index("medicines")


def test_a_lead_in_comes_with_its_items() -> None:
    analyzer = Analyzer()
    candidates = [(0, s) for s in analyzer.sentences(PACKING)]
    lead = next(c for c in candidates if c[1].text == "Have these ready:")
    got = [c[1].text for c in with_lead_in([lead], candidates)]
    assert got == [
        "Have these ready:",
        "- your booking number;",
        "- a photo of the damage;",
        "- the bag itself.",
    ]


SWAP = """# Seed swap

## What we take
We are glad of seeds from home gardens. We take:
- tomato and pepper seeds saved this year;
- bean and pea seeds in paper envelopes;
- herb seeds of any kind;
- flower seeds, labelled with the colour;
- bulbs that are firm and dry;
- cuttings wrapped in damp paper.
"""


def test_an_item_brings_the_lead_in_and_the_rest_of_its_list() -> None:
    """ "We take: - herb seeds of any kind" alone says only herbs are taken: an item that
    brings its lead-in brings the list's other items, even a list too long to answer
    with as a whole from an item alone (``with_list``)."""
    got = answer("can i give you my herb seeds?", [SWAP], analyzer=Analyzer())
    assert "We take:" in got.text
    assert "herb seeds of any kind" in got.text
    assert "tomato and pepper seeds saved this year" in got.text
    assert "cuttings wrapped in damp paper" in got.text


def test_a_sentence_that_leads_into_nothing_brings_nothing() -> None:
    analyzer = Analyzer()
    candidates = [(0, s) for s in analyzer.sentences(CONNECTIONS)]
    first = candidates[:1]
    assert with_lead_in(first, candidates) == first


LOCKERS = """# Lockers

## Day lockers
Day lockers at the terminal hold one suitcase each. They are emptied every night.
Lockers take coins and cards. Prices are shown on each door.
Bring the key back to the ticket office.
"""


def test_an_instruction_far_from_the_situation_is_not_brought() -> None:
    analyzer = Analyzer()
    candidates = [(0, s) for s in analyzer.sentences(LOCKERS)]
    best = candidates[0]
    told = "I have one suitcase and a day to kill at the terminal."
    assert what_to_do(told, best, candidates, [best]) == []


GUARANTEE = """# Guarantee

## What it covers
Every Nordling bike carries a 5-year guarantee on the frame and the fork.

## What it does not cover
The guarantee does not cover wear parts such as tyres, chains and brake pads.
"""


def test_the_affirmative_part_of_a_contrast_is_not_answered_with_the_exclusions() -> None:
    parts = ["what does the guarantee cover", "and what not (cover, guarantee)"]
    got = answer(" ".join(parts), [GUARANTEE], parts=parts, analyzer=Analyzer())
    assert "frame and the fork" in got.text
    assert "wear parts" in got.text


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["what does the guarantee cover", "and what not (cover, guarantee)"], {0: False, 1: True}),
        (["what does the guarantee cover", "how long is it (guarantee)"], {}),
        (["which parts are not covered", "how do I claim (guarantee)"], {}),
        (["what is covered", "what is not (frame)"], {}),  # leans on another thing
    ],
)
def test_a_part_is_contrasted_when_another_asks_its_negated_side(
    parts: list[str], expected: dict[int, bool]
) -> None:
    assert contrasted(parts) == expected


@pytest.mark.parametrize(
    ("part", "expected"),
    [("and what not", True), ("but how long", True), ("and my receipt", False)],
)
def test_a_question_word_after_a_joining_word_asks(part: str, expected: bool) -> None:
    assert asks(part) is expected
