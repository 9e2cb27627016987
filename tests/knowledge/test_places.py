"""A city names its country: "I'm in Lyon" asks what the documents say about France.

Questions and documents are written for these tests (a bicycle shop), not taken from any
evaluation set. The planner runs over a real index (SQLite/local and PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.knowledge.conftest import knowledge_from

from stanchion.knowledge.build import Knowledge
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.gazetteer import cities, unserved_cities
from stanchion.providers.local import answer_from_passages
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DOCS = {
    "delivery.md": "# Delivery\n\n## Europe\nParcels to France and Belgium arrive in 2 to 4 "
    "working days.\n\n## Germany\nParcels to Germany arrive in 3 working days.\n",
    "brakes.md": "# Brakes\n\n## Adjusting\nTurn the barrel adjuster a half turn to tighten the "
    "brake cable.\n",
}


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("im in lyon, when does my parcel arrive", "france"),
        ("Our club in Munich wants six bikes", "germany"),
        ("shipping to New York?", "united states"),
        ("we live in Texas", "united states"),
    ],
)
def test_a_city_meant_as_a_place_names_its_country(text: str, country: str) -> None:
    assert [c.country for c in cities(text)] == [country]


@pytest.mark.parametrize(
    "text",
    [
        "Nice to meet you, the bell is loud",  # a capital at the start is not a place
        "the paint looks nice",  # an everyday word, written small
        "i am in nice shape",  # ...even after "in"
        "it broke in March",  # a month
        "Reading the manual did not help",
    ],
)
def test_everyday_words_that_are_also_cities_are_not_places(text: str) -> None:
    assert cities(text) == ()


def test_the_city_concept_is_written_as_the_city_or_its_country() -> None:
    vocab = Vocabulary(10, {"parcel": 3, "franc": 1, "arriv": 3})
    query = parse("im in lyon, when does my parcel arrive", vocab, Glossary({}))
    place = next(c for c in query.concepts if c.how == "place")
    assert place.known and place.present(frozenset({"franc"}))


def test_a_city_vetoes_only_where_the_passages_name_other_countries() -> None:
    assert unserved_cities("I'm in Madrid", {"parcel", "franc", "belgium"}) == ["madrid"]
    assert unserved_cities("I'm in Lyon", {"parcel", "franc", "belgium"}) == []
    assert unserved_cities("I'm in Madrid", {"brake", "cabl", "tighten"}) == []


async def _knowledge(store: Store, cipher: Cipher, app_dir: Path) -> Knowledge:
    return await knowledge_from(store, cipher, app_dir, DOCS)


async def test_a_question_from_a_city_is_answered_for_its_country(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await _knowledge(store, cipher, app_dir)
    plan = await kn.plan(["im in lyon, how many days until my parcel arrives?"], 3)
    assert plan.decision == "answer"
    assert plan.parts[0].question.endswith("(france)")  # what the responder is lent
    said = answer_from_passages(
        "im in lyon, how many days until my parcel arrives?",
        [p.text for p in plan.passages],
        [p.question for p in plan.parts],
    )
    assert "France" in said and "Germany" not in said
    kn.close()


async def test_a_city_of_a_country_the_documents_do_not_serve_is_declined(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await _knowledge(store, cipher, app_dir)
    plan = await kn.plan(["I live in Madrid, how long until a parcel arrives?"], 3)
    assert plan.decision == "refuse"
    assert "madrid" in plan.parts[0].assessment.missing
    # the same city where no country matters: not a reason to decline
    brake = await kn.plan(["I live in Madrid, how do I tighten the brake cable?"], 3)
    assert brake.decision == "answer"
    kn.close()


async def test_a_follow_up_leans_on_the_city_of_the_turn_before(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await _knowledge(store, cipher, app_dir)
    plan = await kn.plan(["I just moved to Munich.", "how long does a parcel take to get here?"], 3)
    assert "germany" in plan.parts[0].question
    assert "3 working days" in plan.passages[0].text
    kn.close()
