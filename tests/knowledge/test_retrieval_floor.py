"""The retrieval floor (``min_score``) is a share of what the corpus can cover of a question.

A told story names many words no approved document uses; they weigh in every passage's
coverage, yet none can hold them, so an absolute floor kept only the first hit and dropped
the passage with the answer ranked right behind it.
"""

from __future__ import annotations

from pathlib import Path

from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.retriever import coverable
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

KETTLE = """# Aurora Kettle

## Price

The Aurora Kettle costs 59 USD and comes in three colours.

## Limescale

If the kettle switches off before it boils, descale it with the citric acid sachet.
Scale on the heating plate trips the boil sensor early.

## Warranty

The kettle has a 2-year warranty covering the heating plate.
"""
STORY = (
    "My grandmother paid 59 USD for this kettle at the market on Saturday and every single "
    "morning it switches off early, which drives her mad."
)


def spec_for(store: Store) -> KnowledgeSpec:
    backend = "local" if store.is_sqlite else "postgres"
    return KnowledgeSpec.model_validate(
        {
            "sources": [{"files": ["docs/*.md"]}],
            "retrieval": {"k": 4, "min_score": 0.2, "backend": backend, "refresh_seconds": 0.01},
        }
    )


async def served(store: Store, cipher: Cipher, app_dir: Path, **docs: str) -> Knowledge:
    """The documents (file stem: text) ingested, approved and served; started."""
    for name, text in docs.items():
        (app_dir / "docs" / f"{name}.md").write_text(text)
    spec = spec_for(store)
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    return knowledge


async def test_a_story_keeps_the_answer_behind_the_first_hit(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    knowledge = await served(store, cipher, app_dir, kettle=KETTLE)
    r = knowledge.retriever
    query = r.parse(STORY)
    reach = coverable(query)
    assert 0 < reach < 0.6  # most of the story's words are no document's
    hits = r.search_sync(STORY, 4)
    sections = [h.section for h in hits]
    assert sections[0] == "Aurora Kettle > Price"  # the price she paid ranks first
    assert "Aurora Kettle > Limescale" in sections
    limescale = next(h for h in hits if h.section.endswith("Limescale"))
    assert limescale.score < 0.2  # under the absolute floor, over the floor of what is coverable
    assert all(h.score >= 0.2 * reach for h in hits[1:])
    knowledge.close()


async def test_the_floor_still_drops_what_covers_too_little(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """Every word known: ``coverable`` is 1 and the floor is ``min_score`` as before."""
    knowledge = await served(store, cipher, app_dir, kettle=KETTLE)
    r = knowledge.retriever
    question = "does the kettle warranty cover the heating plate when limescale trips the sensor"
    assert coverable(r.parse(question)) == 1.0
    hits = r.search_sync(question, 4)
    assert hits and all(h.score >= 0.2 for h in hits[1:])
    best = max(h.score for h in hits)
    assert all(h.score >= 0.5 * best for h in hits[1:])
    knowledge.close()


BILLS = """# Paying your bill

## Overpayments

If you overpay a bill, the credit stays on your account and pays towards your next bill.

## Direct debit

Set up a direct debit to pay each bill on its due date.
"""
SOLAR = """# Solar panels

## Selling power back

Power your panels send back to the grid is bought back at 8 cents per kWh, paid in cash
back or as credit each quarter.
"""


async def test_a_follow_up_keeps_the_passage_on_its_earlier_subject(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """ "can I have it back in cash" after "I overpaid my bill": its own words find the solar
    page best; the overpayment section, holding the earlier turn's words, stays under the
    relative cut-off as long as it reaches ``min_score``."""
    knowledge = await served(store, cipher, app_dir, bills=BILLS, solar=SOLAR)
    r = knowledge.retriever
    alone = r.parse("can i have it back in cash instead")
    query = alone.with_context(r.parse("I overpaid my bill"))
    hits = r.ranked(query, 4)
    assert hits[0].section == "Solar panels > Selling power back"
    over = [h for h in hits if h.section.endswith("Overpayments")]
    assert over and 0.2 <= over[0].score < 0.5 * hits[0].score  # under the relative cut-off
    # the direct debit section holds "bill" but not "overpaid": not the subject, cut off
    assert not any(h.section.endswith("Direct debit") for h in hits)
    # without the earlier turn, the cut-off is as before
    assert all(h.score >= 0.5 * hits[0].score for h in r.ranked(alone, 4)[1:])
    knowledge.close()
