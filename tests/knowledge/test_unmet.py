"""A yes/no about an option the documents never offer, asked in words they use one by one,
and a table keyed by plan names asked about a plan it lacks (issue 15, near3): declined.
The same questions about what the documents do offer still pass.

The climbing wall and its questions are written for these tests, not taken from any
evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest

from stanchion.knowledge.answerability import Assessment, assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import index_terms
from stanchion.knowledge.unmet import asked_object, unlisted_plan

PLANS = """## Sessions by plan

| Plan | Sessions per week | Guest passes per month |
|---|---|---|
| Boulder | 3 | 1 |
| Summit | 7 | 4 |"""
WALL = [
    (
        "Joining",
        "The joining fee of £30 is paid once, by card, when you sign up. Monthly membership "
        "is £45, taken by direct debit.",
    ),
    ("Courses", "A ten-week course can be paid in three monthly instalments. Chalk is free."),
    ("Plans", PLANS),
    ("Kit", "Shoes and harnesses can be hired at the desk for £5 a visit."),
    ("Paying", "Pay by card or with Apple Pay at the desk."),
]
DF = Counter(t for title, text in WALL for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(WALL), dict(DF))


def _judged(question: str) -> Assessment:
    return assess(parse(question, VOCAB, Glossary({})), VOCAB, WALL)


@pytest.mark.parametrize(
    ("question", "lacking"),
    [
        ("can i pay the joining fee in instalments", {"instalments"}),  # a course's, not the fee's
        ("can i hire shoes by direct debit?", {"shoes", "debit"}),  # membership's, not the kit's
    ],
)
def test_an_option_whose_words_never_meet_in_a_sentence_is_declined(
    question: str, lacking: set[str]
) -> None:
    judged = _judged(question)
    assert judged.score == 0.0 and lacking & set(judged.missing)


@pytest.mark.parametrize(
    "question",
    [
        "can i pay for the course in instalments",  # said together
        "can i hire shoes at the desk?",
        "do I pay the joining fee by card if I sign up online?",  # "if": another clause
        "can you tell me if the course is paid in instalments",  # a polite wh-ask
        "can i pay for the shoes with apple pay",  # "Pay by...": a rule for every thing
    ],
)
def test_an_option_written_together_is_no_unmet_option(question: str) -> None:
    assert not {"instalments", "hire", "card", "debit"} & set(_judged(question).missing)


def test_the_object_runs_from_the_verb_to_the_next_clause() -> None:
    assert asked_object("hi, can i pay the fee in instalments?") == "the fee in instalments"
    assert asked_object("do I get a refund if the wall is shut") == "a refund "
    assert asked_object("how much is the fee") == ""  # no yes/no


def test_a_plan_no_row_holds_is_declined_in_the_name_slot() -> None:
    judged = _judged("weekly session allowance on Starter")
    assert judged.score == 0.0 and "starter" in judged.missing


@pytest.mark.parametrize(
    "question",
    [
        "weekly session allowance on Summit",  # a row the table has
        "guest passes for March",  # a month is a date, not a row
        "is the wall open on Saturdays",
        "can I bring a friend on Boulder",
    ],
)
def test_a_row_the_table_holds_or_a_date_is_no_unlisted_plan(question: str) -> None:
    assert unlisted_plan(parse(question, VOCAB, Glossary({})), WALL) == []


def test_names_are_only_rows_where_tables_key_rows_by_one_word_names() -> None:
    prose = [(t, x) for t, x in WALL if "|" not in x]
    assert unlisted_plan(parse("allowance on Starter", VOCAB, Glossary({})), prose) == []


def _judged_in(question: str, passages: list[tuple[str, str]]) -> Assessment:
    df = Counter(t for title, text in passages for t in set(index_terms(f"{title} {text}")))
    vocab = Vocabulary(len(passages), dict(df))
    return assess(parse(question, vocab, Glossary({})), vocab, passages)


def test_a_yes_no_asked_of_a_thing_is_no_unmet_option() -> None:
    """ "does THE mini plug work with my router": a determiner opens a thing's name, so the
    next word is no verb and what follows is no option offered to the customer."""
    passages = [
        ("Smart plugs", "## Setup\nThe Mini Plug joins your home network. It needs no hub."),
        ("Router tips", "## Range\nPlace your router in the middle of the house."),
    ]
    judged = _judged_in("Does the mini plug work with my router?", passages)
    assert not {"plug", "router", "mini"} & set(judged.missing)
    assert asked_object("does the mini plug work with my router") == ""


def test_a_word_the_sentence_holds_in_another_form_meets_it() -> None:
    """ "get audiobooks delivered" is met by the "Home delivery" page's sentence about
    audiobooks, though only another page writes "delivered" itself."""
    passages = [
        ("Home delivery", "## Who can use it\nAudiobooks are brought to members at home."),
        ("Parcels", "Parcels are delivered on weekdays."),
    ]
    judged = _judged_in("can i get audiobooks delivered to my house?", passages)
    assert not {"delivered", "audiobooks"} & set(judged.missing)
