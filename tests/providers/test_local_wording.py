"""The local responder picks the sentence that holds the fact when a customer words it
otherwise: a kind of thing for its class ("my puppy": the rule on pets), a word of the
app's glossary that everyday English also writes another way ("luggage": "bag"), a time of
day the message gives (weighed against the cutoff the documents state), and two words the
message writes side by side ("a gas pipe") against a sentence holding only one of them.
Documents and questions are written for these tests (a ferry line and a gas supplier, not
the example apps)."""

from __future__ import annotations

from stanchion.knowledge.text import stem
from stanchion.providers.local.answer import answer
from stanchion.providers.local.concepts import BROADER
from stanchion.providers.local.sentences import Analyzer, word_pairs, words_of
from tests.linear import grows_linearly

FERRY = """# Travelling with animals

## Animals on deck
Pets must be at least 8 weeks old and travel in a closed carrier.
Guide dogs ride free of charge; we check their age on the vaccination card.
"""
LUGGAGE = """# Children on board

## Under-twos
A child under 2 has no seat of its own. Each child under 2 may bring one bag of up to 8 kg.

## Lost property
If you forget luggage on board, write to lost@ferry.example within 3 months.
"""
FERRY_GLOSSARY = {"luggage": ["baggage", "suitcase"]}
DEPARTURES = """# Departures

## Bookings
Bookings can be refunded from the Trips page.

## Same-day departures
Tickets bought before 3 pm sail the same day.
"""
GAS = """# Gas safety

## Contact
Our office is on Station Street. Gas bills are sent every two months.

## Emergencies
If you see a damaged gas pipe, leave the building at once and call our emergency number, 0800 111.
"""


def test_a_kind_of_thing_is_answered_by_the_rule_on_its_class() -> None:
    """ "my puppy" is a pet: the rule on pets, not the sentence sharing "age"."""
    got = answer("does my puppy need to be a certain age to sail", [FERRY], analyzer=Analyzer())
    assert got.text.startswith("Pets must be at least 8 weeks old")


def test_the_class_does_not_stand_for_its_kinds() -> None:
    """One way only: "pet" is no word for "dog", and a cat is not a dog."""
    assert stem("pet") not in BROADER
    assert stem("dog") not in BROADER.get(stem("cat"), frozenset())


def test_a_glossary_word_is_also_written_the_everyday_way() -> None:
    """The app's glossary writes "luggage" as "baggage" and "suitcase"; everyday English
    also as "bag", and the two groups are one concept: the under-twos' bag answers."""
    got = answer(
        "i travel with my baby, what luggage can she have",
        [LUGGAGE],
        glossary=FERRY_GLOSSARY,
        analyzer=Analyzer(),
    )
    assert "8 kg" in got.text.split("[1]")[0]


def test_a_time_of_day_given_is_weighed_against_the_cutoff() -> None:
    """ "it's about 1pm here": the sentence stating a time of day answers, not the one
    sharing a word as much with the message."""
    question = "it's about 1pm here. if I book now do we sail today?"
    got = answer(question, [DEPARTURES], analyzer=Analyzer())
    assert got.text.startswith("Tickets bought before 3 pm")


def test_two_words_side_by_side_tell_the_thing_apart() -> None:
    """ "a gas pipe" is the damaged pipe's sentence, not the office's on "Station Street",
    shorter and sharing a word as rare: "gas" alone is in the bills' sentence too."""
    got = answer("there's a gas pipe lying in our street", [GAS], analyzer=Analyzer())
    assert got.text.startswith("If you see a damaged gas pipe")


def test_side_by_side_words_are_read_in_linear_time() -> None:
    analyzer = Analyzer()

    def run(n: int) -> None:
        answer("gas pipe line " * (n // 14), [GAS], analyzer=analyzer)

    grows_linearly(run, 200_000)


CAMERA = """# Garden Cam

## About it
The Garden Cam costs 80 USD.
The Garden Cam records 2K video with night vision.
"""
PRINTER = """# Office printer

## Requirements
The printer needs a router with a 2.4 GHz network.

## Reconnecting
After a new router is installed, press the printer's Wi-Fi button for 3 seconds to join
its network again.
"""


def test_in_the_dark_is_at_night() -> None:
    got = answer("does the garden cam see in the dark", [CAMERA], analyzer=Analyzer())
    assert "night vision" in got.text


def test_what_one_needs_to_do_asks_a_procedure_not_a_need() -> None:
    """ "what do I NEED TO DO": "need" names nothing; the printer's need is no answer."""
    question = "we got a new router, what do i need to do to get the printer back on the network?"
    got = answer(question, [PRINTER], analyzer=Analyzer())
    assert got.text.startswith("After a new router is installed")


def test_words_across_a_clause_boundary_are_not_side_by_side() -> None:
    """ "location; Business" crosses a semicolon: the two are not written as one thing, and
    the message's "locations ... on Business" is no pair either (words between them)."""
    pairs = word_pairs("Team plans keep 10 templates per location; Business has no limit.")
    (location, business) = words_of("location business")
    assert (location, business) not in pairs
    assert (location, business) in word_pairs(
        "per location, Business has no limit".replace(",", "")
    )
    assert word_pairs("a gas pipe, then a main") == word_pairs("a gas pipe") | word_pairs("main")
