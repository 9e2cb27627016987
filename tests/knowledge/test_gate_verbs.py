"""A word in a verb's place weighs less at the answerability gate (issue 15, gate7): the
answering sentence names what the customer asks about and often says the doing otherwise
("can I still SWAP my cabin" / "the cabin can be changed"). Every example is invented for
these tests (a made-up ferry company)."""

from __future__ import annotations

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import THRESHOLD, assess
from stanchion.knowledge.evidence import verb_places
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import stem

VOCAB = Vocabulary(
    40,
    {
        **{"cabin": 4, "book": 6, "chang": 5, "sail": 6, "swap": 2, "kennel": 2},
        **{"toll": 3, "harbour": 4, "pay": 5, "includ": 6, "fare": 7, "ticket": 8},
        **{"bicycl": 3, "deck": 4, "store": 3, "lock": 2},
    },
)
CABIN = [("Bookings", "The cabin on a booking can be changed until two hours before sailing.")]
TOLL = [("Fares", "The harbour toll is included in every fare.")]
BICYCLE = [("On board", "Bicycles travel on the car deck in a locked rack.")]


def _score(text: str, passages: list[tuple[str, str]]) -> float:
    return assess(parse(text, VOCAB, Glossary({})), VOCAB, passages).score


@pytest.mark.parametrize(
    ("text", "verbs"),
    [
        ("can i still swap the cabin", {"swap"}),
        ("do I pay the harbour toll", {"pay"}),
        ("how long until you inspect it", {"inspect"}),
        ("can it float", {"float"}),
        ("we need to store our bicycles", {"store"}),
        ("i dont remember", {"rememb"}),
        ("i bought it at a market, can you guys refund it", {"refund"}),  # not the story's
        ("I left my lamp on the ferry, can I collect it", {"collect"}),
    ],
)
def test_a_word_after_a_subject_is_in_a_verbs_place(text: str, verbs: set[str]) -> None:
    assert verb_places(text) == {stem(v) for v in verbs}


@pytest.mark.parametrize(
    "text",
    [
        "what is the harbour toll",  # no subject: the nouns are the point
        "cabin swap on my booking",  # "my" owns a noun, it is no subject
        "price of a kennel for the crossing",
        "where did they moor the old ferry",  # a third person's doing: the event asked
    ],
)
def test_no_subject_no_verb_place(text: str) -> None:
    assert not {stem(w) for w in ("toll", "harbour", "swap", "booking", "kennel")} & verb_places(
        text
    )


def test_a_doing_said_otherwise_is_answered() -> None:
    assert _score("can i still swap the cabin on my booking", CABIN) >= THRESHOLD
    assert _score("do i pay the harbour toll on top of the fare", TOLL) >= THRESHOLD


def test_a_thing_the_sentence_lacks_still_refuses() -> None:
    # the verb weighs less, never the thing asked about: a kennel is not a cabin
    assert _score("can i still swap the kennel on my booking", CABIN) < THRESHOLD
    assert _score("can i lock my bicycle in the cabin", TOLL) < THRESHOLD


@pytest.mark.parametrize(
    "unit",
    ["i can still ", "you " + "really " * 3, "can i swap the cabin ", "it to to "],
)
def test_verb_places_grows_linearly(unit: str) -> None:
    """Each subject reads forward over the words between it and its verb, once."""
    grows_linearly(lambda n: verb_places(unit * n), 20000)
