"""The best passage's document intro joins those kept when it reaches the cut-off's floor.

An intro states what holds for every section under it ("Hoses may run for no more than 30
minutes a day" above "Shared taps"), so a question's words find the section and rank the
rule over it behind k; the intro joins whatever its rank, as a passage reaching the floor.
"""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.test_retrieval_floor import served

from stanchion.knowledge import retriever as retriever_module
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

WATERING = """# Watering your allotment

Hoses may run for no more than 30 minutes on any one day, on every plot.

## Shared taps

Each row of plots has a shared tap. Attach your hose to the shared tap with the brass
click fitting; leave the hose coiled on your own plot, never across the path. Run the hose
in the evening on a hot day.

## Water butts

Water butts collect rain from shed roofs. A butt holds about 200 litres.
"""
SHEDS = """# Sheds and greenhouses

## Size

A shed may be no larger than 6 by 4 feet. A hose reel may be fixed to its wall.
"""
ASK = "how long can my hose run from the tap each day"


async def test_the_intro_over_the_best_section_joins(
    store: Store, cipher: Cipher, app_dir: Path, monkeypatch
) -> None:
    knowledge = await served(store, cipher, app_dir, watering=WATERING, sheds=SHEDS)
    r = knowledge.retriever
    hits = r.search_sync(ASK, 1)
    assert hits[0].section == "Watering your allotment > Shared taps"
    assert [h.section for h in hits[1:]] == ["Watering your allotment"]
    assert "30 minutes" in hits[1].text
    monkeypatch.setattr(retriever_module, "INTRO", False)
    assert [h.section for h in r.search_sync(ASK, 1)] == ["Watering your allotment > Shared taps"]
    knowledge.close()


async def test_an_intro_under_the_floor_stays_out(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    knowledge = await served(store, cipher, app_dir, watering=WATERING, sheds=SHEDS)
    hits = knowledge.retriever.search_sync(
        "does the shared tap use a brass click fitting for a hose", 1
    )
    assert [h.section for h in hits] == ["Watering your allotment > Shared taps"]
    knowledge.close()
