"""The ask a told situation implies, read from its shape: waiting asks when, a fault asks
what to do, a plan asks what is allowed. The story's wording ("still", "tuesday", "sent")
is not the point the answering sentence must repeat; its things ("refund", "bike") are.
The texts are written for these tests (a bike-hire shop), not taken from any evaluation set.
"""

from __future__ import annotations

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import assess, storyless_query
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.turns import implied, shape_words

DF = {
    "refund": 2, "return": 3, "bike": 6, "helmet": 3, "sent": 4, "still": 5, "tuesday": 2,
    "brake": 2, "call": 3, "workshop": 2, "day": 6, "scooter": 2, "canoe": 1, "heard": 1,
}  # fmt: skip
VOCAB = Vocabulary(30, DF)
PASSAGES = [
    ("Refunds", "Refunds reach your card within 5 business days of the return."),
    ("Repairs", "If a brake fails, call the workshop and do not ride the bike."),
]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I sent the bike back on tuesday and still no refund", "when"),
        ("we returned the helmet a week ago and haven't heard a thing", "when"),
        ("the front brake on my hire bike is broken", "remedy"),
        ("there is a tree lying across the cycle path", "remedy"),
        ("the bike computer is counting too fast", "remedy"),
        ("we're travelling to the lakes with two kids in June", "rule"),
        ("I'm planning to ride the coast path next weekend", "rule"),
    ],
)
def test_the_shape_of_a_story_says_what_it_asks(text: str, kind: str) -> None:
    assert implied(text) == kind


@pytest.mark.parametrize("text", ["I like the red bike", "my partner rides a scooter"])
def test_a_story_of_no_shape_implies_nothing(text: str) -> None:
    assert implied(text) == ""


def test_the_story_words_of_a_waiting_complaint_are_not_its_point() -> None:
    q = parse("I sent the bike back on tuesday and still no refund", VOCAB, Glossary({}))
    pointed = storyless_query(q)
    assert pointed is not None
    judged = {c.key for c in pointed.judged()}
    assert "refund" in judged and not {"tuesday", "still"} & judged
    assert {"still", "tuesday"} <= shape_words(q.text)


def test_a_waiting_complaint_is_judged_by_its_point_and_says_so() -> None:
    q = parse("I sent the bike back on tuesday and still no refund", VOCAB, Glossary({}))
    as_question = assess(q, VOCAB, PASSAGES)
    told = assess(q, VOCAB, PASSAGES, told=True)
    assert told.score > as_question.score
    assert told.implied == "when"
    assert told.record("answer")["features"]["implied"] == "when"


def test_a_question_is_not_read_for_an_implied_ask() -> None:
    q = parse("I sent the bike back on tuesday and still no refund", VOCAB, Glossary({}))
    assert assess(q, VOCAB, PASSAGES).implied == ""


def test_a_near_miss_told_as_a_story_is_still_declined() -> None:
    """The point of the story ("canoe") is no word of the documents: reading its shape
    does not let the bike's refund sentence answer it."""
    q = parse("I sent the canoe back on tuesday and still no word", VOCAB, Glossary({}))
    told = assess(q, VOCAB, PASSAGES, told=True)
    assert told.score < 0.45


def test_reading_the_shape_is_linear() -> None:
    grows_linearly(lambda n: implied("still waiting " * n + "x" * n), 4000)
    grows_linearly(lambda n: shape_words("still nothing yet, " * n), 4000)
