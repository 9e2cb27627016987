"""Two near misses the gate vetoes (issue 15, near2): a thing the customer asks to borrow,
hire, book or buy that the documents never name (``vetoes.unoffered``, OBTAIN), and a
connection's speed asked where no passage states a rate (``named_kinds.unmeasured``,
SPEED_ASKED).

The coworking space and its questions are written for these tests, not taken from any
evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest

from stanchion.knowledge.answerability import assess, unoffered
from stanchion.knowledge.named_kinds import named_kinds, unmeasured
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.parse import Query
from stanchion.knowledge.text import index_terms

COWORK = [
    ("Meeting rooms", "Members can book a meeting room for up to 4 hours a day."),
    ("Lockers", "You can rent a locker for 12 GBP a month. A large-print keyboard is at the desk."),
    ("Wi-Fi", "Free Wi-Fi is available on every floor. Connect to the network Quayside-Guest."),
    ("Printing", "Printing costs 10p a page. Scanning is free."),
]
DF = Counter(t for title, text in COWORK for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(COWORK), dict(DF))
PRESENT = frozenset(t for title, text in COWORK for t in index_terms(f"{title} {text}"))
BODIES = [f"{title} {text}" for title, text in COWORK]


def _query(text: str) -> Query:
    return parse(text, VOCAB, Glossary({}))


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Can I borrow a projector for the meeting room?", "projector"),
        ("can we hire a podcast studio for a day", "podcast"),
        ("Could I book a massage chair on my floor?", "massage"),
        ("can i buy a parking permit with my locker", "permit"),
    ],
)
def test_a_thing_to_borrow_or_hire_the_documents_never_name_vetoes(
    question: str, named: str
) -> None:
    assert named in unoffered(_query(question), PRESENT)
    assessment = assess(_query(question), VOCAB, COWORK)
    assert assessment.score == 0.0 and named in assessment.missing


@pytest.mark.parametrize(
    "question",
    [
        "Can I book a meeting room for tomorrow?",  # named: the documents say
        "can i rent a locker",
        "Can I get a meeting room on Friday?",
        "can we get something else",  # a generic word names no offer
    ],
)
def test_a_thing_the_documents_name_is_left_to_the_score(question: str) -> None:
    assert unoffered(_query(question), PRESENT) == []


@pytest.mark.parametrize(
    "question",
    ["what's the wifi speed", "How fast is the internet here?", "download speeds?"],
)
def test_a_connection_speed_no_passage_states_vetoes(question: str) -> None:
    assert unmeasured(question, BODIES) == ["speed"]
    assert "speed" in named_kinds(question, COWORK, PRESENT)


def test_a_stated_rate_answers_the_speed() -> None:
    bodies = [*BODIES, "Wi-Fi The guest network runs at 300 Mbps down and 50 Mbps up."]
    assert unmeasured("what's the wifi speed", bodies) == []


@pytest.mark.parametrize(
    "question",
    ["how fast will I get my key card", "is the wifi fast", "what speed does the lift go"],
)
def test_a_speed_of_something_else_is_not_a_connection(question: str) -> None:
    assert unmeasured(question, BODIES) == []
