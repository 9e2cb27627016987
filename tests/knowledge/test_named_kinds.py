"""Named services and measures a question asks about that the passages must name too: a
platform, an assistant, a payment service or a marketplace the documents never name, and a
quantity asked in a unit of a dimension they state no number in (``knowledge.named_kinds``).

The questions and the printer company are written for these tests, not taken from any
evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.named_kinds import (
    missing_languages,
    missing_services,
    named_kinds,
    unlisted_phone,
    unmeasured,
    unnumbered,
)
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import index_terms

PRINTER = [
    ("The app", "The Inkwell app for iPhone and Android shows the ink levels and prints photos."),
    ("Paying", "Pay by card or with PayPal. Orders over 50 USD ship free."),
    ("The P2 printer", "The P2 prints 20 pages a minute. It weighs 6 kg and is 40 cm wide."),
    ("Paper", "The tray holds 150 sheets. Use paper up to 300 grams per square metre."),
]
DF = Counter(t for title, text in PRINTER for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(PRINTER), dict(DF))
PRESENT = frozenset(t for title, text in PRINTER for t in index_terms(f"{title} {text}"))
BODIES = [text for _, text in PRINTER]


def _score(text: str) -> float:
    return assess(parse(text, VOCAB, Glossary({})), VOCAB, PRINTER).score


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("is there an inkwell app for windows pc", "windows pc"),  # a platform
        ("Is there an app for Windows?", "windows"),  # the bare word written as a name
        ("does the printer work with alexa", "alexa"),  # an assistant
        ("can i pay with apple pay", "apple pay"),  # a payment service's set phrase
        ("do you sell the P2 on ebay", "ebay"),  # a marketplace
        ("is the app on ipad too?", None),  # iPad is written as iOS / iPhone: named
        ("can i pay with paypal", None),  # the passages name it
        ("how do I clean the windows of the tray", None),  # the everyday word
        ("i saw it cheaper on amazon, how much is the P2", None),  # only the story names it
        ("how do i return a P2 i bought on ebay", None),  # where it was bought: the story
    ],
)
def test_a_named_service_the_passages_lack_vetoes(question: str, named: str | None) -> None:
    found = named_kinds(question, PRINTER, PRESENT)
    assert found == ([named] if named else [])
    if named:
        assert _score(question) == 0.0


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("is the P2 manual available in spanish", "spanish"),  # asked in a language
        ("does the app have a german version", "german"),  # the language of a version
        ("inkwell p2 setup video hindi", "hindi"),  # closing a search-like question
        ("is there support in mandarin", None),  # "Chinese" is named: the same language
        ("what does 'jam' mean in english", None),  # the documents' own language
        ("can i use a french press near the printer", None),  # a nationality, no language
        ("my husband only speaks polish, how much is the P2", None),  # only the story names it
    ],
)
def test_a_language_the_passages_never_name_vetoes(question: str, language: str | None) -> None:
    present = PRESENT | {"chines"}
    assert named_kinds(question, PRINTER, present) == ([language] if language else [])


def test_a_language_told_of_is_still_found_without_the_story() -> None:
    assert missing_languages("my husband only speaks polish, how much is it", PRESENT) == ["polish"]


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("how many watts does the P2 use", "watts"),  # no power stated at all
        ("how many decibels is the P2 when printing", "decibels"),
        ("what is the P2's width in inches", None),  # 40 cm: a length is stated
        ("how heavy is the P2 in lbs", None),  # 6 kg
        ("how much paper fits in the tray", None),  # no unit asked
        ("how much is it in pounds", None),  # a currency as often as a weight
    ],
)
def test_a_unit_of_a_dimension_no_passage_states_vetoes(question: str, unit: str | None) -> None:
    assert unmeasured(question, BODIES) == ([unit] if unit else [])
    if unit:
        assert _score(question) == 0.0


@pytest.mark.parametrize(
    ("question", "bodies", "vetoed"),
    [
        ("what's the inkwell phone number", BODIES, True),  # no number to call anywhere
        ("do you have a support hotline number i can ring", BODIES, True),
        ("what's the phone number", [*BODIES, "Call us on 0800 123 456, 8 am to 6 pm."], False),
        ("what's the phone number", [*BODIES, "We have no phone line: use the chat."], False),
        ("can i change the phone number on my order", BODIES, False),  # a field, not an ask
    ],
)
def test_a_phone_number_is_answered_only_by_a_number_to_call(
    question: str, bodies: list[str], vetoed: bool
) -> None:
    assert unlisted_phone(question, bodies) == (["phone number"] if vetoed else [])


SHOW = [
    "The third season of the show began in 2019. Each episode runs for an hour.",
    "Episode IV of the third season was filmed during the war, in World War II.",
]


@pytest.mark.parametrize(
    ("question", "numbered"),
    [
        ("what happens in season 3 episode 12", "episode 12"),  # episodes, never the 12th
        ("where was season 3 part 2 filmed", None),  # no passage says "part"
        ("who directed season 3", None),  # "the third season": in words
        ("which actors joined in season 4", None),  # no passage says "season" at all
        ("who directed the 3rd season", None),  # no label number asked
        ("i watched episode 2 weeks ago", None),  # a count of weeks, not an episode number
        ("what is in the episode 4 of season 3", None),  # "Episode IV" (the SHOW below)
        ("where was the show filmed in war 2", None),  # "World War II": no instalment word
    ],
)
def test_a_numbered_thing_the_passages_tell_otherwise_vetoes(
    question: str, numbered: str | None
) -> None:
    bodies = SHOW if "season 4" not in question else ["The show began in 2019."]
    assert unnumbered(question, bodies) == ([numbered] if numbered else [])


def test_answerable_questions_about_named_services_and_measures_still_answer() -> None:
    assert _score("does the inkwell app work on iphone") > 0.0
    assert _score("can i pay the printer with paypal") > 0.0
    assert _score("how many grams can the paper weigh") > 0.0


def test_a_store_names_its_platform() -> None:
    stores = frozenset(index_terms("Get the app from the App Store or Google Play."))
    assert missing_services("is there an android app", stores) == []
    assert missing_services("is there an iphone app", stores) == []
    assert missing_services("is there an app for windows pc", stores) == ["windows pc"]


def test_a_told_situation_names_the_customers_own_things() -> None:
    told = "My Android tablet can't find the printer."
    assert named_kinds(told, PRINTER, PRESENT - {"android"}) == ["android"]
    assert named_kinds(told, PRINTER, PRESENT - {"android"}, told=True) == []


def test_a_name_opening_a_sentence_is_not_read_as_the_service() -> None:
    assert missing_services("Windows of the tray: how do I clean them", PRESENT) == []
    assert missing_services("clean the Windows of the tray", PRESENT) == ["windows"]


@pytest.mark.parametrize(
    "filler", [" ", " how many", " in", " 5", " how many watts", " hindi", " part 7"]
)
def test_named_kinds_are_read_in_linear_time(filler: str) -> None:
    def run(size: int) -> object:
        return named_kinds("is there an app" + filler * size + " for alexa", PRINTER, PRESENT)

    grows_linearly(run, 20_000)
