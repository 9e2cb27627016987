"""A situation told, not asked, may be borderline from a lower score than a question (issue
15): the rule that answers "the cake was ready on monday and I came on thursday" is written
in the help pages' words, the story in the customer's. Its band's floor is the spec's
``answerability.told`` (off unless set); a vetoed story (score 0) is refused whatever the
floor, and so is a question however it scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.knowledge.conftest import knowledge_from

from stanchion.knowledge.plan import Planner
from stanchion.knowledge.spec import Answerability
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store


def _planner(**policy: object) -> Planner:
    return Planner(None, Answerability.model_validate(policy))


def test_a_told_situation_under_the_threshold_is_borderline() -> None:
    p = _planner(threshold=0.45, borderline=0.05, told=0.3)
    assert p.decide(0.35, True, told=True) == "borderline"
    assert p.decide(0.35, True) == "refuse"  # a question at the same score
    assert p.decide(0.29, True, told=True) == "refuse"
    assert p.decide(0.0, True, told=True) == "refuse"  # a veto
    assert p.decide(0.35, False, told=True) == "refuse"  # nothing retrieved
    assert p.decide(0.6, True, told=True) == "answer"


def test_the_spec_sets_the_floor_and_it_never_rises_above_the_band() -> None:
    assert _planner(threshold=0.45, told=0.4).decide(0.35, True, told=True) == "refuse"
    assert _planner(threshold=0.2, told=0.4).told_low == 0.2  # the band's own floor
    assert _planner(threshold=0.0).decide(0.01, True, told=True) == "answer"  # never refuses
    assert _planner(threshold=0.45).decide(0.35, True, told=True) == "refuse"  # off unless set
    with pytest.raises(ValidationError):
        Answerability.model_validate({"told": 0.0})


DOCS = {
    "collection.md": "# Collecting your order\n\n## Late collection\nOrders that are not "
    "collected within 2 days of the pickup date are cancelled, and the payment is returned as "
    "store credit.\n\n## Pickup times\nOrders can be collected from 8:00 to 18:00 at the "
    "counter.\n",
    "cakes.md": "# Celebration cakes\n\n## Ordering\nCelebration cakes are ordered at least 5 "
    "days ahead, online or in the shop.\n\n## Sizes\nCakes come in 6, 8 and 10 inch sizes.\n",
}
STORY = "my birthday cake was ready on monday but i only got to the shop on thursday"


async def _plan(app_dir: Path, store: Store, cipher: Cipher, text: str, **policy: float) -> str:
    kn = await knowledge_from(store, cipher, app_dir, DOCS, k=2, extra={"answerability": policy})
    try:
        plan = await kn.plan([text], 2)
        assert 0.3 < plan.parts[0].assessment.score < 0.9  # between the floor and the threshold
        return str(plan.decision)
    finally:
        kn.close()


async def test_the_planner_reads_a_told_part_as_told(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    # a threshold above the story's score: only the told floor lets it through
    assert await _plan(app_dir, store, cipher, STORY, threshold=0.9, told=0.3) == "borderline"


async def test_a_question_of_the_same_score_is_refused(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    question = "what happens to my birthday cake if i collect it late"
    assert await _plan(app_dir, store, cipher, question, threshold=0.9, told=0.3) == "refuse"
