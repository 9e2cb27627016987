"""A situation told, not asked: "My umbrella broke on the first day." implies "what can I do?".

Its unseen words are the customer's things (the umbrella's "handle", the "porch"), not a
point the documents must hold: they do not veto the answer. A question with the same
unseen word still does, and so does a phrase of keywords. The texts are written for these
tests (a shop of rain gear), not taken from any evaluation set.
"""

from __future__ import annotations

import time

import pytest

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, is_told, parse

DF = {"umbrella": 3, "broke": 2, "broken": 2, "day": 5, "replac": 2, "free": 2, "return": 3}
VOCAB = Vocabulary(20, DF)
PASSAGES = [
    ("Broken umbrellas", "An umbrella that broke within 30 days is replaced free of charge."),
    ("Returns", "Return an unused umbrella within 14 days."),
]


@pytest.mark.parametrize(
    "text",
    [
        "My umbrella broke on the first day.",
        "we got the umbrella last week and the handle snapped off",
        "I left my umbrella on the bus. The receipt is in my bag.",
        "the umbrella I bought is missing a spoke",
    ],
)
def test_a_situation_the_customer_tells_is_told(text: str) -> None:
    assert is_told(text)


@pytest.mark.parametrize(
    "text",
    [
        "my umbrella broke, can I get a new one",  # an auxiliary before its subject
        "I bought an umbrella, will you replace it",
        "my umbrella broke?",  # a question mark
        "I want a new umbrella",  # a request
        "how long do umbrellas last",  # a question word
        "umbrella replacement policy",  # keywords: nobody tells anything
        "the umbrella broke",  # nobody tells it: read as the keywords of a question
    ],
)
def test_a_question_or_keywords_are_not_told(text: str) -> None:
    assert not is_told(text)


def test_an_unseen_word_of_a_told_situation_does_not_veto_the_answer() -> None:
    told = parse("My umbrella canopy broke on the first day.", VOCAB, Glossary({}))
    assert "canopy" not in VOCAB and not told.concepts[1].known
    assert assess(told, VOCAB, PASSAGES).missing == ["canopy"]  # read as a question: vetoed
    told_assessment = assess(told, VOCAB, PASSAGES, told=True)
    assert told_assessment.missing == [] and told_assessment.score > 0


def test_a_told_situation_still_needs_its_named_places() -> None:
    text = "We ordered an umbrella to Australia and it broke."
    assessment = assess(parse(text, VOCAB, Glossary({})), VOCAB, PASSAGES, told=True)
    assert assessment.score == 0.0 and assessment.missing == ["australia"]


@pytest.mark.parametrize("token", ["i " * 50_000, "do you " * 15_000, "my" * 50_000, "?" * 100_000])
def test_telling_is_read_in_linear_time(token: str) -> None:
    started = time.process_time()
    is_told(f"my umbrella {token} broke")
    assert time.process_time() - started < 1.0
