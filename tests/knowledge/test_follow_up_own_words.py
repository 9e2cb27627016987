"""A follow-up's own words, ranked within the documents the turn before was about, find the
section the carried words crowd out: every section of a tariffs page names the plan the
customer asked about, the one that says when a change starts does not."""

from __future__ import annotations

from pathlib import Path

from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DOCS = {
    "tariffs.md": "# Tariffs\n\n## Night saver plan\nThe night saver plan charges 12 cents a "
    "kilowatt hour at night and 31 cents by day.\n\n## Flat plan\nThe flat plan charges 24 "
    "cents a kilowatt hour at any time of day or night.\n\n## Solar plan\nThe solar plan pays "
    "8 cents for each kilowatt hour you export, day or night.\n\n## Switching\nYou can switch "
    "once a year for free. The new tariff starts on the first day of your next billing "
    "month.\n",
    "outages.md": "# Outages\n\n## Night work\nPlanned night work is announced a week ahead; "
    "the supply starts again by 6 am.\n",
    "moving.md": "# Moving home\n\n## Your plan\nYour plan moves with you. Tell us the date "
    "at least 2 days ahead and we start the supply at the new address.\n",
}
ASKED = "i want to go on the night saver plan"


async def knowledge(store: Store, cipher: Cipher, app_dir: Path) -> Knowledge:
    for name, body in DOCS.items():
        (app_dir / "docs" / name).write_text(body)
    backend = "local" if store.is_sqlite else "postgres"
    spec = KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": {"backend": backend, "k": 2}}
    )
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    kn = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await kn.start()
    return kn


async def test_a_follow_up_finds_its_answer_in_the_subject_by_its_own_words(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge(store, cipher, app_dir)
    assert "docs/tariffs.md" in kn.planner.subject([ASKED], 2)
    plan = await kn.plan([ASKED, "when would it start"], 2)
    texts = [p.text for p in plan.parts[0].passages]
    assert any("next billing month" in t for t in texts), [p.section for p in plan.passages]
    kn.close()


async def test_a_question_of_its_own_adds_nothing_from_the_subject(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """Not a follow-up: retrieved by its own words everywhere, nothing added."""
    kn = await knowledge(store, cipher, app_dir)
    alone = await kn.plan(["how far ahead is planned night work announced"], 2)
    after = await kn.plan([ASKED, "how far ahead is planned night work announced"], 2)
    assert [p.section for p in after.passages] == [p.section for p in alone.passages]
    kn.close()
