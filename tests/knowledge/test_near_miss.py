"""Near-miss questions: a kind of thing the documents never name, asked about with words
they do use ("a LUXURY cabin" against the cabin prices), against everyday wording of a
question the documents do answer.

The questions and the ferry company are written for these tests, not taken from any
evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest

from stanchion.knowledge import answerability
from stanchion.knowledge.answerability import assess, narrowed, novel_points, unoffered
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import index_terms

FERRY = [
    ("Cabins", "A cabin for the night crossing costs 90 USD. Pets travel in the kennel deck."),
    ("Tickets", "A foot passenger ticket costs 40 USD. You can pay by card or in cash."),
    ("Refunds", "Cancel your booking up to 24 hours before the crossing for a full refund."),
    ("Cars", "A car ticket includes the driver. Check-in closes 45 minutes before sailing."),
]
DF = Counter(t for title, text in FERRY for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(FERRY), dict(DF))


def _query(text: str):  # type: ignore[no-untyped-def]
    return parse(text, VOCAB, Glossary({}))


def _present() -> frozenset[str]:
    return frozenset(t for title, text in FERRY for t in index_terms(f"{title} {text}"))


def _score(text: str) -> float:
    return assess(_query(text), VOCAB, FERRY).score


@pytest.mark.parametrize(
    ("question", "point"),
    [
        ("how much is a luxury cabin", "luxury"),  # a kind of a corpus noun
        ("can i pay with google pay", "google"),
        ("is parking free at the port", "parking"),  # the subject of a yes/no question
        ("what does a cabin cost in swiss francs", "swiss"),  # a currency they never use
        ("is there a ferry app for android phones", "android"),  # a system they never name
        ("how long is the car deck in feet", "feet"),  # a unit they never use
        ("do retired teachers get a cheaper ticket", "teachers"),  # who asks is the point
    ],
)
def test_a_kind_the_documents_never_name_is_the_point(
    question: str, point: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert point in narrowed(_query(question), _present())
    monkeypatch.setattr(answerability, "NARROW_KINDS", True)  # off by default (measured)
    assert _score(question) == 0.0


@pytest.mark.parametrize(
    "question",
    [
        "how much is the old cabin price",  # an everyday adjective describes, it does not narrow
        "can i get a refund on my birthday cabin",  # the customer's own thing
        "does a 20 dollar ticket include the driver",  # a measure, not a kind
        "how much is a cabin in dollars",  # the passages write the currency as USD
        "how much is a cabin for a family",  # a situation, with its determiner
        "what time does check-in close on sundays",  # "on" with a bare noun is a time
        "can i store the car ticket",  # a verb after "can i", not a modifier
        "how many cabins can i book in total",  # an idiom, not a kind
        "do i get a refund in cash",  # the documents name it
    ],
)
def test_everyday_wording_around_a_corpus_noun_is_no_kind(question: str) -> None:
    assert narrowed(_query(question), _present()) == []


def test_an_any_question_asks_for_an_offer_but_not_for_information() -> None:
    assert unoffered(_query("any discount if i book two cabins"), _present()) == ["discount"]
    assert unoffered(_query("so any student discount?"), _present()) == ["student", "discount"]
    assert unoffered(_query("do you have any figures on the crossing"), _present()) == []
    assert unoffered(_query("any ideas how to cancel my booking"), _present()) == []


def test_the_words_of_a_told_clause_beside_an_asking_one_are_circumstance() -> None:
    """ "my dog got seasick": a rare word, but of the customer's story; what is asked is the
    refund. A clause asked only by its question mark keeps the story as its point."""
    asked = "my dog got seasick on the crossing, can i get a refund"
    assert novel_points(_query(asked)) == []
    assert _score(asked) > 0.3
    assert novel_points(_query("the kennel deck smells of seasickness, known issue?")) != []
    # a name or a code is named however it is told
    assert novel_points(_query("I drive a Rivian, can i take it on the car deck")) == ["rivian"]


def test_whose_thing_it_is_never_makes_the_point() -> None:
    """ "my stepdaughter's cabin": a possessive names whose, not what is asked about."""
    assert novel_points(_query("can my stepdaughter's cabin be refunded")) == []
    assert novel_points(_query("can my stepdaughter have a cabin")) == ["stepdaughter"]


def test_an_indefinite_place_or_an_adverb_of_manner_is_never_the_point() -> None:
    assert unoffered(_query("is there somewhere to leave the car overnight"), _present()) == []
    # "-ably" adverbs come from "-able" adjectives; "assembly" is a noun
    assert novel_points(_query("is the cabin reasonably quiet")) == []
    assert novel_points(_query("is the cabin unbelievably quiet")) == []
    assert unoffered(_query("do you offer assembly"), _present()) == ["assembly"]
