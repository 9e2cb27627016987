"""A part of a message the answerability gate declined is still answered when one sentence
holds enough of it; that share weighs each word by how much it could name the point, as the
gate does, so words of asking ("need") and light verbs ("give") do not sink it. The
documents and questions are written for these tests (a gym, not the example app)."""

from __future__ import annotations

import pytest

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer, points

GYM = """# Harbour Gym membership

## Cancelling
A membership can be cancelled in writing. Cancellations take effect 30 days after we receive
them.

## Classes
Bring a towel and a water bottle to your first class. Classes start on the hour.

## Lockers
Lockers cost 2 EUR a day.
"""
MISSING = "I don't have information about"


def _second(part: str) -> str:
    return answer(
        "q",
        [GYM],
        parts=["how much do lockers cost", part],
        decisions=["answer", "refuse"],
        analyzer=Analyzer(),
    ).text


def test_filler_and_light_verbs_do_not_sink_a_declined_part() -> None:
    got = _second("what do i need to give to cancel")
    assert got.startswith("Lockers cost 2 EUR a day. [1]")
    assert "A membership can be cancelled in writing. [1]" in got
    assert MISSING not in got


@pytest.mark.parametrize(
    "part",
    [
        "what do i need to give to cancel the sauna",  # a word of its point is nowhere
        "what paperwork do i need to give for the rowing course",
    ],
)
def test_a_declined_part_whose_point_is_missing_stays_declined(part: str) -> None:
    got = _second(part)
    assert got.startswith("Lockers cost 2 EUR a day. [1]")
    assert got.endswith(f'{MISSING} "{part}" in the approved documents.')


def test_points_weigh_the_words_of_a_question_as_the_gate_does() -> None:
    got = points("what do I need to give when cancelling my membership")
    assert got["need"] == 0.0  # a word of asking
    assert got["give"] == pytest.approx(0.25)  # a light verb
    assert got["membership"] == 1.0 and got["cancel"] > got["give"]
    assert "what" not in got  # stop words are no terms
    assert points("they gave it back")["give"] == pytest.approx(0.25)  # "gave" is "give"


POOL = """# Harbour Gym pool

## Guest passes
A guest pass costs 8 EUR at the desk. It lets one guest swim with a member, up to 6 visits a
month.

## Lanes
Lanes are booked in the app.
"""


def _pool_second(part: str) -> str:
    return answer(
        "q",
        [POOL],
        parts=["how much is a guest pass", part],
        decisions=["answer", "refuse"],
        analyzer=Analyzer(),
    ).text


def test_a_declined_part_saying_it_is_about_the_thing_lent_for_it() -> None:
    # "it" is the guest pass the first part named: the limit of the guest pass answers
    got = _pool_second("what's the max it allows (guest, pass)")
    assert "up to 6 visits a month" in got, got
    assert MISSING not in got


def test_lent_words_without_a_pronoun_do_not_lift_a_declined_part() -> None:
    got = _pool_second("what's the max a lane allows (guest, pass)")
    assert got.endswith(f'{MISSING} "what\'s the max a lane allows" in the approved documents.')
