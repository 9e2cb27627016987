"""A situation told whose shape implies its ask (issue 15, indirect): waiting ("five days ago
and still nothing"), a fault, a plan asks for the rule the documents write for it, and is
borderline from ``plan.SHAPED`` whatever the spec's ``answerability.told`` says. A story of
no shape ("... with my sister") may ask nothing the documents hold: it is judged as a
question, and so is a question of the same score; a vetoed story is refused."""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.conftest import knowledge_from

from stanchion.knowledge.plan import SHAPED, Planner
from stanchion.knowledge.query import split_asks
from stanchion.knowledge.spec import Answerability
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DOCS = {
    "repairs.md": "# Bike repairs\n\n## Repair times\nA standard service takes 3 working days "
    "from drop-off. We text you when the bike is ready.\n\n## Uncollected bikes\nBikes not "
    "collected within 30 days of the ready text are sold to cover the repair charge.\n",
    "hire.md": "# Bike hire\n\n## Hire prices\nCity bikes cost 15 EUR a day.\n\n## Helmets\n"
    "Helmets are lent free with every hire.\n",
}
WAITING = "I dropped my bike off for a service five days ago and still nothing"
SHAPELESS = "I dropped my bike off for a service with my sister"
QUESTION = "how long does a service take"


def test_a_shaped_story_has_its_own_floor() -> None:
    assert SHAPED is not None
    p = Planner(None, Answerability.model_validate({"threshold": 0.9}))
    assert p.decide(SHAPED, True, told=True, shaped=True) == "borderline"
    assert p.decide(SHAPED, True, told=True) == "refuse"  # no shape: as a question
    assert p.decide(SHAPED, True, shaped=True) == "refuse"  # shaped but asked
    assert p.decide(0.0, True, told=True, shaped=True) == "refuse"  # a veto
    assert p.decide(0.95, True, told=True, shaped=True) == "answer"
    # the spec's own told floor still holds below it
    low = Planner(None, Answerability.model_validate({"threshold": 0.9, "told": 0.1}))
    assert low.decide(0.15, True, told=True, shaped=True) == "borderline"


async def test_the_planner_reads_a_waiting_story_by_its_shape(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    # a threshold above every score here: only a floor lets a part through
    policy = {"answerability": {"threshold": 0.9}}
    kn = await knowledge_from(store, cipher, app_dir, DOCS, k=2, extra=policy)
    try:

        def plan(text: str) -> tuple[str, float]:
            made = kn.planner.plan_sync([text], split_asks(text), 2, [])
            return str(made.decision), made.score

        decision, score = plan(WAITING)
        assert decision == "borderline" and score < 0.9
        decision, other = plan(SHAPELESS)
        assert decision == "refuse" and SHAPED <= other < 0.9  # as high, but no shape
        decision, asked = plan(QUESTION)
        assert decision == "refuse" and SHAPED <= asked < 0.9
    finally:
        kn.close()
