"""A follow-up reads the documents the assistant's answer came from: "and when we arrive?"
after "your dog travels in the kennels on deck 3" is about the pets page, where every
section on arriving outranks the one that says where the dog is handed back."""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.conftest import knowledge_from

from stanchion.knowledge.build import Knowledge
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DOCS = {
    "pets.md": "# Travelling with pets\n\n## Kennels\nCats and dogs travel in the kennels on "
    "deck 3. A kennel costs 15 EUR a crossing.\n\n## Visits\nYou may visit the kennels once "
    "during the crossing with a crew member.\n\n## Handing back\nA crew member hands your dog "
    "or cat back at the car deck exit before the doors open.\n",
    "car-deck.md": "# The car deck\n\n## During the crossing\nNobody may stay in a car during "
    "the crossing, and no dog may stay in one either.\n\n## Electric cars\nElectric cars "
    "are not charged on board.\n",
    "arrival.md": "# Arriving in port\n\n## When we arrive\nWhen we arrive, foot passengers "
    "leave first from deck 5.\n\n## Cars\nWhen we arrive, cars leave the car deck in the "
    "order they boarded.\n\n## Luggage\nLuggage from the hold is on the belt in the terminal "
    "when we arrive.\n",
    "lounges.md": "# Lounges\n\n## Who may use them\nAssistance dogs are welcome in every "
    "lounge. A lounge seat costs 12 EUR a crossing.\n",
}
ASKED = "can my dog stay in the car during the crossing"
REPLY = "No, dogs travel in the kennels on deck 3."
THEN = "and when we arrive?"
REFUSAL = "I don't have that. Ask a crew member at the kennels on deck 3."


async def knowledge(store: Store, cipher: Cipher, app_dir: Path) -> Knowledge:
    return await knowledge_from(
        store, cipher, app_dir, DOCS, k=2, extra={"no_evidence": {"reply": REFUSAL}}
    )


async def test_a_follow_up_reads_the_documents_the_reply_came_from(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge(store, cipher, app_dir)
    plan = await kn.plan([ASKED, THEN], 2, REPLY)
    texts = [p.text for p in plan.parts[0].passages]
    assert any("hands your dog" in t for t in texts), [p.section for p in plan.passages]
    # its own ranking stays first: the reply's document adds, it does not displace
    alone = await kn.plan([ASKED, THEN], 2)
    assert [p.section for p in alone.parts[0].passages] == [
        p.section for p in plan.parts[0].passages[: len(alone.parts[0].passages)]
    ]
    kn.close()


async def test_a_question_of_its_own_reads_no_reply_documents(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """Not a follow-up: retrieved by its own words, nothing added from the reply's pages."""
    kn = await knowledge(store, cipher, app_dir)
    question = "how long before we arrive in port should i leave my cabin"
    alone = await kn.plan([question], 2)
    after = await kn.plan([ASKED, question], 2, REPLY)
    assert [p.section for p in after.passages] == [p.section for p in alone.passages]
    kn.close()


async def test_a_refusal_is_read_as_no_document(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """The no-evidence reply came from no document, whatever words it shares with one."""
    kn = await knowledge(store, cipher, app_dir)
    alone = await kn.plan([ASKED, THEN], 2)
    after = await kn.plan([ASKED, THEN], 2, REFUSAL)
    assert [p.section for p in after.passages] == [p.section for p in alone.passages]
    kn.close()
