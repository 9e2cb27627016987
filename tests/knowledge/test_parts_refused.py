"""A message of several parts (issue 15, multi_part): what of a refused part reaches the
responder, and the topic a message announces for all its questions."""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.conftest import knowledge_from

from stanchion.knowledge.base import Passage
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

GARDEN_DOCS = {
    "delivery.md": """# Delivery

## Delivery charges
Delivery within 10 miles of the garden centre costs 6 pounds. Orders over 80 pounds are
delivered free.

## Delivery days
We deliver on Tuesdays and Fridays.
""",
    "shrubs.md": """# Caring for shrubs

## Watering new shrubs
Water new shrubs twice a week in their first summer, more often in a heatwave.

## Pruning
Prune flowering shrubs straight after they finish flowering.
""",
}
# the gate answers a part its passages cover, and refuses one they cover half of
STRICT = {"answerability": {"threshold": 0.7, "borderline": [0.7, 0.72]}}


def _sections(passages: list[Passage]) -> set[str]:
    return {p.section for p in passages}


async def test_a_refused_part_of_an_answered_message_hands_its_passages(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_from(store, cipher, app_dir, GARDEN_DOCS, k=4, extra=STRICT)
    plan = await kn.plan(
        ["how much is delivery within 10 miles? and how often should i water the shrubs i pruned"],
        4,
    )
    answered, refused = plan.parts
    assert plan.decision == "answer" and answered.decision == "answer"
    assert refused.decision == "refuse" and not refused.assessment.missing  # no veto
    # the responder weighs a refused part against its own passages (answering it only on
    # strong evidence): without them it could only say it has nothing on it
    assert "Caring for shrubs > Watering new shrubs" in _sections(refused.passages)
    assert "Caring for shrubs > Watering new shrubs" in _sections(plan.passages)
    kn.close()


async def test_a_vetoed_part_hands_none(store: Store, cipher: Cipher, app_dir: Path) -> None:
    kn = await knowledge_from(store, cipher, app_dir, GARDEN_DOCS, k=4, extra=STRICT)
    plan = await kn.plan(
        ["how much is delivery within 10 miles? and how often should i soak the new shrubs"], 4
    )
    vetoed = plan.parts[1]
    assert vetoed.decision == "refuse" and vetoed.assessment.missing == ["soak"]
    # what the passages lack is named: nothing of its passages could answer it
    assert "Caring for shrubs > Watering new shrubs" not in _sections(plan.passages)
    kn.close()
