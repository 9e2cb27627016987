"""A told situation of several facts hands over each fact's best passage: the fact the
documents answer ("I have ridden the bike twice") may be judged no better than the one told
last ("I hate the frame colour"), whose passages alone fill the window."""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.conftest import knowledge_from

from stanchion.knowledge.build import Knowledge
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DOCS = {
    "returns.md": "# Returns\n\n## Ridden bikes\nA bike that has been ridden can be returned "
    "within 14 days if it has no scratches.\n\n## Refunds\nRefunds reach your card within 5 "
    "days.\n",
    "city-bike.md": "# City bike\n\n## Frame colours\nThe city bike frame comes in red, green "
    "and blue colours.\n\n## Price\nThe city bike costs 400 EUR.\n\n## Gears\nThe city bike "
    "has 7 gears.\n",
    "bags.md": "# Frame bags\n\n## For the city bike\nFrame bags for the city bike come in "
    "every frame colour, red paint included.\n",
    "paint.md": "# Paint care\n\n## Frame colour fading\nA red or orange frame colour stays "
    "bright for years; wash the paint with soap, not solvents.\n",
}
STORY = (
    "I have ridden the bike twice and I hate the red frame colour of my city bike, the paint "
    "looks orange in daylight."
)


async def knowledge(store: Store, cipher: Cipher, app_dir: Path) -> Knowledge:
    return await knowledge_from(store, cipher, app_dir, DOCS, k=2)


async def test_each_fact_of_a_story_hands_over_its_best_passage(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge(store, cipher, app_dir)
    plan = await kn.plan([STORY], 2)
    sections = [p.section for p in plan.parts[0].passages]
    assert "Returns > Ridden bikes" in sections, sections
    kn.close()


async def test_a_story_of_one_fact_is_retrieved_as_before(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge(store, cipher, app_dir)
    plan = await kn.plan(["I hate the frame colour of my city bike in daylight."], 2)
    sections = [p.section for p in plan.parts[0].passages]
    assert "Returns > Ridden bikes" not in sections, sections
    kn.close()
