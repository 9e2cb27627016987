"""What the retrieve stage hands the responder (issue 15): k passages even where the
relative cut-off kept fewer (the answerability judged on those kept, as before), and the
passages of a borderline part of an answered message."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.knowledge.conftest import knowledge_from
from tests.knowledge.test_query_understanding import knowledge_over

from stanchion.knowledge import plan as plan_module
from stanchion.knowledge.base import Passage
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store


async def test_the_responder_reads_k_passages_where_the_cut_off_kept_fewer(
    store: Store, cipher: Cipher, app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_module, "FILL", True)  # off by default (measured: plan.FILL)
    kn = await knowledge_over(store, cipher, app_dir)
    plan = await kn.plan(["how long does the orbit speaker battery last"], 3)
    part = plan.parts[0]
    kept = kn.retriever.ranked(part.query, 3)
    assert len(kept) == 2 and len(plan.passages) == 3  # the cut-off kept 2: the responder reads 3
    assert [_key(p) for p in plan.passages[:2]] == [_key(p) for p in kept]  # those kept first
    assert part.assessment.score == kn.retriever.assess(part.query, kept).score  # judged on them
    kn.close()


async def test_a_borderline_part_of_an_answered_message_hands_its_passages(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    band = {"threshold": 0.3, "borderline": [0.3, 0.75]}
    kn = await knowledge_over(store, cipher, app_dir, answerability=band)
    plan = await kn.plan(["how much is the orbit lamp? and do you refund damaged parcels"], 3)
    assert [p.decision for p in plan.parts] == ["answer", "borderline"]
    assert plan.decision == "answer"
    handed = {_key(p) for p in plan.passages}
    assert ("docs/returns.md", "Returns > Damaged parcels") in handed
    kn.close()


def _key(p: Passage) -> tuple[str, str]:
    return p.doc_id, p.section


KETTLE_DOCS = {
    "kettle.md": """# Kettle guide

## Descaling
Descale the kettle with white vinegar every month.

## Boiling
Water boils in about three minutes.
""",
    "toaster.md": """# Toaster guide

## Crumbs
Wipe the crumb tray with a little vinegar.

## Browning
Six browning levels take from one to four minutes.
""",
}


async def test_the_responder_also_reads_the_best_hits_document_where_the_cut_off_kept_fewer(
    store: Store, cipher: Cipher, app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_module, "FILL_FROM_DOCUMENT", True)
    # the descaling section holds the question; the cut-off keeps it alone, and the rest of
    # the window is the kettle page's other section, not the toaster's vinegar
    kn = await knowledge_from(store, cipher, app_dir, KETTLE_DOCS, k=3)
    plan = await kn.plan(["how often should i descale the kettle with vinegar"], 3)
    part = plan.parts[0]
    kept = kn.retriever.ranked(part.query, 3)
    assert len(kept) < 3
    assert [_key(p) for p in plan.passages[: len(kept)]] == [_key(p) for p in kept]
    added = plan.passages[len(kept) :]
    assert added and all(p.doc_id == kept[0].doc_id for p in added)
    assert part.assessment.score == kn.retriever.assess(part.query, kept).score  # judged on them
    kn.close()


async def test_without_the_document_fill_the_responder_reads_what_was_kept(
    store: Store, cipher: Cipher, app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_module, "FILL_FROM_DOCUMENT", False)
    kn = await knowledge_from(store, cipher, app_dir, KETTLE_DOCS, k=3)
    plan = await kn.plan(["how often should i descale the kettle with vinegar"], 3)
    kept = kn.retriever.ranked(plan.parts[0].query, 3)
    assert [_key(p) for p in plan.passages] == [_key(p) for p in kept]
    kn.close()
