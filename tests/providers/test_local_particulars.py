"""A message that tells its circumstances and asks nothing outright ("Our chess club is 20
people and we want somewhere to play every week") wants the rule that covers its case, not
the table row that repeats its figures ("Capacity: 20 people"). And a superlative asked
("the shortest") is held by the verb of its stem ("shorten"). Documents and questions are
written for these tests (a leisure centre), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

ROOMS = """## Studios for hire

| Room | Capacity | Rate |
|---|---|---|
| Studio B | 20 people | 15 GBP per hour |
| Studio C | 40 people | 25 GBP per hour |"""
CLUBS = """## Community groups

Registered clubs may book a room free of charge for one evening each week."""
LESSONS = """## Swimming lessons

Lessons are booked at the front desk or in the app. Each lesson normally runs for one
hour. On request, coaches can shorten a session to as little as 20 minutes."""


def ask(question: str, documents: list[str], titles: list[str]) -> str:
    return answer(question, documents, titles=titles, analyzer=Analyzer()).text


def test_a_told_number_is_context_not_the_row_that_repeats_it() -> None:
    got = ask(
        "Our chess club is 20 people and we need a room once a week.",
        [ROOMS, CLUBS],
        ["Rooms and studios", "Community groups"],
    )
    assert got.startswith("Registered clubs may book a room free of charge"), got


def test_the_shortest_is_held_by_shorten() -> None:
    got = ask("What's the shortest a lesson can be?", [LESSONS], ["Swimming"])
    assert "as little as 20 minutes" in got, got
