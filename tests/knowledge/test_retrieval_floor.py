"""The retrieval floor (``min_score``) is a share of what the corpus can cover of a question.

A told story names many words no approved document uses; they weigh in every passage's
coverage, yet none can hold them, so an absolute floor kept only the first hit and dropped
the passage with the answer ranked right behind it.
"""

from __future__ import annotations

from pathlib import Path

from stanchion.knowledge.build import build_knowledge
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


async def test_a_story_keeps_the_answer_behind_the_first_hit(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    (app_dir / "docs" / "kettle.md").write_text(KETTLE)
    spec = spec_for(store)
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
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
    (app_dir / "docs" / "kettle.md").write_text(KETTLE)
    spec = spec_for(store)
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    r = knowledge.retriever
    question = "does the kettle warranty cover the heating plate when limescale trips the sensor"
    assert coverable(r.parse(question)) == 1.0
    hits = r.search_sync(question, 4)
    assert hits and all(h.score >= 0.2 for h in hits[1:])
    best = max(h.score for h in hits)
    assert all(h.score >= 0.5 * best for h in hits[1:])
    knowledge.close()
