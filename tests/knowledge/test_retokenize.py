"""A stemmer change (or a store from before sealing) rebuilds stored term bags: store chunks
and the local index file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func, select, update

from stanchion.knowledge.build import build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.schema import kn_chunks
from stanchion.knowledge.sealed_terms import TermKey
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.text import TERMS_VERSION, stem
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

ORDERS = "# Orders\n\nYou can cancel an order until it ships. Cancelled orders are refunded.\n"


def test_inflections_share_a_stem() -> None:
    assert stem("cancelled") == stem("cancel") == stem("cancelling") == stem("cancels")
    assert stem("retired") == stem("retire")
    assert stem("called") == stem("call") and stem("smaller") == stem("small")


async def test_old_term_bags_are_rebuilt_at_start(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    (app_dir / "docs" / "orders.md").write_text(ORDERS)
    backend = "local" if store.is_sqlite else "postgres"
    spec = KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": {"backend": backend}}
    )
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    question = "Until when can I cancel my order?"
    assert await knowledge.retriever.search(question, 3)
    knowledge.close()

    # what the previous stemmer stored: "cancell", and a local index file of version 1
    key = TermKey(cipher)
    with store.engine.begin() as conn:
        old = func.replace(kn_chunks.c.terms, key("cancel"), key("cancell"))
        conn.execute(update(kn_chunks).values(terms=old))
    index = app_dir / spec.retrieval.index_path
    if index.exists():
        with sqlite3.connect(index) as db:
            db.execute("UPDATE meta SET value='1' WHERE key='terms_version'")
    stale = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await stale.start()
    hits = await stale.retriever.search(question, 3)
    assert hits and "cancel an order" in hits[0].text
    with store.engine.connect() as conn:
        assert key("cancel") in conn.execute(select(kn_chunks.c.terms)).scalar_one().split()
    if index.exists():
        with sqlite3.connect(index) as db:
            row = db.execute("SELECT value FROM meta WHERE key='terms_version'").fetchone()
            served = db.execute("SELECT terms FROM chunks").fetchone()[0]
        assert row[0].startswith(f"{TERMS_VERSION}:") and key("cancel") in served.split()
    stale.close()
