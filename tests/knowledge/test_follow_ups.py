"""Follow-ups in a conversation, through the planner and through the served pipeline: a
turn that leans on the one before is judged by its own words on the pages that turn was
about (its subject), and a question those pages cannot answer is still declined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai

from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher, parse_key
from stanchion.store.db import Store

DOCS = {
    "returns.md": "# Sending an item back\n\n## Starting\nOpen the Orders page and choose the "
    "items to send back. A prepaid label arrives by e-mail.\n\n## Post office\nPost the "
    "parcel at any post office within 10 days of printing the label.\n\n## Money\nThe "
    "money goes back to your card within 5 business days of our check.\n",
    "kettle.md": "# Aria Kettle\n\nThe Aria Kettle costs 40 EUR, holds 1.7 litres and boils "
    "in three minutes.\n",
    "delivery.md": "# Delivery\n\n## Times\nParcels arrive in 2 to 4 business days. Express "
    "parcels arrive the next business day.\n",
}
SENDING_BACK = "I want to send my kettle back"
BY_WHEN = "by when do i need to post it"
# an app calibrated strictly: what the follow-up carries, judged in the same sentence as
# what it asks, falls short of this; its own words on its subject's pages do not
KNOWLEDGE = {"sources": [{"files": ["docs/*.md"]}], "answerability": {"threshold": 0.7}}


async def knowledge(store: Store, cipher: Cipher, app_dir: Path) -> Knowledge:
    for name, body in DOCS.items():
        (app_dir / "docs" / name).write_text(body)
    backend = "local" if store.is_sqlite else "postgres"
    spec = KnowledgeSpec.model_validate({**KNOWLEDGE, "retrieval": {"backend": backend, "k": 3}})
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    kn = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await kn.start()
    return kn


async def test_a_follow_up_is_judged_by_its_own_words_on_its_subjects_pages(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge(store, cipher, app_dir)
    assert kn.planner.subject([SENDING_BACK], 3) == {"docs/kettle.md", "docs/returns.md"}
    plan = await kn.plan([SENDING_BACK, BY_WHEN], 3)
    assert plan.decision == "answer", plan.annotations()
    assert "10 days" in plan.passages[0].text
    # the earlier turn's words are still carried: for retrieval, the responder and the trace
    assert plan.question == f"{BY_WHEN} (send, kettle, back)"
    kn.close()


async def test_the_subject_does_not_answer_what_its_pages_do_not_say(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge(store, cipher, app_dir)
    for follow_up in ("do you collect it from my house", "is there a restocking fee"):
        plan = await kn.plan([SENDING_BACK, follow_up], 3)
        assert plan.decision == "refuse", follow_up
    # a question of its own is not read against the earlier turn's pages
    plan = await kn.plan([SENDING_BACK, "how fast do express parcels arrive"], 3)
    assert plan.decision == "answer" and "next business day" in plan.passages[0].text
    assert await kn.plan(["how fast do express parcels arrive"], 3) is not plan
    kn.close()


async def test_a_part_leaning_on_a_vetoed_part_asks_about_the_same_missing_thing(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """ "is there a gift wrapping service, how much is it": "it" is the wrapping the
    documents never name, not the kettle whose price they hold."""
    kn = await knowledge(store, cipher, app_dir)
    plan = await kn.plan(["is there a kettle descaling service? how much is it"], 3)
    assert [p.decision for p in plan.parts] == ["refuse", "refuse"], plan.annotations()
    assert plan.parts[1].assessment.missing == plan.parts[0].assessment.missing != []
    plan = await kn.plan(["do you sell a kettle descaling kit? whats the price"], 3)
    assert plan.parts[1].assessment.missing == plan.parts[0].assessment.missing != []
    # a part with a subject of its own is judged on its own: it inherits nothing
    plan = await kn.plan(["is there a kettle descaling service? how long do parcels take"], 3)
    assert plan.parts[0].assessment.missing and not plan.parts[1].assessment.missing
    kn.close()


def test_a_follow_up_through_the_pipeline(sqlite_url: str, gateway_factory: Any) -> None:
    gw = gateway_factory(
        sqlite_url, [{"name": "offline", "provider": "local"}], start=False, knowledge=KNOWLEDGE
    )
    (gw.folder / "docs").mkdir()
    for name, body in DOCS.items():
        (gw.folder / "docs" / name).write_text(body)
    spec = KnowledgeSpec.model_validate(KNOWLEDGE)
    ingest(spec, gw.folder, gw.store, Cipher(parse_key(gw.key)), "demo", approve_as="owner")
    gw.start()
    c = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key("user"), max_retries=0)
    said = "Open the Orders page and choose the items to send back."
    messages: list[Any] = [
        {"role": "user", "content": SENDING_BACK},
        {"role": "assistant", "content": said},
        {"role": "user", "content": BY_WHEN},
    ]
    r = c.chat.completions.create(model="offline", messages=messages)
    assert r.model_extra is not None and r.model_extra["stanchion"]["decision"] == "pass"
    assert "10 days" in (r.choices[0].message.content or "")
