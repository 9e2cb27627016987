"""Ingest, versions, approval gating and retrieval, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from stanchion.knowledge.build import build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.versions import list_versions, show
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import audit_events

REFUNDS = """# Refunds

## Timing

Refunds are processed within 5 business days after the returned item arrives.

## Exceptions

Gift cards cannot be refunded.
"""
SHIPPING = "# Shipping\n\nStandard shipping takes 3 to 7 days. Express shipping takes 1 day.\n"


def spec_for(backend: str = "local") -> KnowledgeSpec:
    return KnowledgeSpec.model_validate(
        {
            "sources": [{"files": ["docs/*.md"]}],
            "retrieval": {"k": 3, "min_score": 0.2, "backend": backend, "refresh_seconds": 0.01},
        }
    )


def backend_of(store: Store) -> str:
    return "local" if store.is_sqlite else "postgres"


async def test_draft_never_retrieved_until_approved(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    (app_dir / "docs" / "refunds.md").write_text(REFUNDS)
    spec = spec_for(backend_of(store))
    report = ingest(spec, app_dir, store, cipher, app="shop")
    assert report.counts() == {"new": 1, "changed": 0, "unchanged": 0, "error": 0}
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    assert await knowledge.retriever.search("how long does a refund take to process", 3) == []
    await knowledge.approve("docs/refunds.md", None, actor="owner")
    hits = await knowledge.retriever.search("how long does a refund take to process", 3)
    assert hits and hits[0].section == "Refunds > Timing"
    assert "5 business days" in hits[0].text
    knowledge.close()


async def test_citation_spans_point_at_the_stored_text(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    (app_dir / "docs" / "refunds.md").write_text(REFUNDS)
    (app_dir / "docs" / "shipping.md").write_text(SHIPPING)
    spec = spec_for(backend_of(store))
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    hits = await knowledge.retriever.search("express shipping days", 3)
    assert hits[0].doc_id == "docs/shipping.md"
    with store.engine.connect() as conn:
        _, full = show(conn, "shop", hits[0].doc_id, hits[0].version, cipher)
    for p in hits:
        record = p.to_record()
        assert set(record) >= {"doc_id", "version", "title", "section", "start", "end"}
        if p.doc_id == "docs/shipping.md":
            assert full[p.start : p.end] == p.text
    knowledge.close()


async def test_changed_file_is_new_version_and_retire_stops_serving(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    path = app_dir / "docs" / "refunds.md"
    path.write_text(REFUNDS)
    spec = spec_for(backend_of(store))
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    again = ingest(spec, app_dir, store, cipher, app="shop")
    assert again.counts()["unchanged"] == 1
    path.write_text(REFUNDS.replace("5 business days", "10 business days"))
    changed = ingest(spec, app_dir, store, cipher, app="shop")
    assert changed.counts()["changed"] == 1 and changed.results[0].version == 2

    # two replicas of one app, each with its own index
    first = build_knowledge(spec, app_dir, store, cipher, app="shop")
    other_dir = app_dir.parent / "replica"
    other_dir.mkdir()
    second = build_knowledge(spec, other_dir, store, cipher, app="shop")
    await first.start()
    await second.start()
    hit = (await second.retriever.search("refunds business days", 1))[0]
    assert hit.version == 1 and "5 business" in hit.text  # v2 is still a draft

    await first.approve("docs/refunds.md", 2, actor="owner")
    await asyncio.sleep(0.05)  # the other replica notices within refresh_seconds
    hit = (await second.retriever.search("refunds business days", 1))[0]
    assert hit.version == 2 and "10 business" in hit.text

    await first.retire("docs/refunds.md", None, actor="owner")
    await asyncio.sleep(0.05)
    assert await second.retriever.search("refunds business days", 3) == []
    with store.engine.connect() as conn:
        statuses = [(v.version, v.status) for v in list_versions(conn, "shop")]
        actions = list(conn.execute(select(audit_events.c.action, audit_events.c.target)))
    assert statuses == [(1, "retired"), (2, "retired")]
    moves = [a for a, _ in actions if a != "knowledge.ingest"]  # each run is an event too
    assert moves == ["knowledge.approve", "knowledge.approve", "knowledge.retire"]
    assert [a for a, _ in actions].count("knowledge.ingest") == 3
    first.close()
    second.close()


async def test_no_evidence_returns_nothing(store: Store, cipher: Cipher, app_dir: Path) -> None:
    (app_dir / "docs" / "refunds.md").write_text(REFUNDS)
    spec = spec_for(backend_of(store))
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    assert await knowledge.retriever.search("what is the capital of Peru", 3) == []
    assert knowledge.no_evidence_reply.startswith("I don't have that")
    knowledge.close()


async def test_document_text_is_encrypted_at_rest(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    from stanchion.knowledge.schema import kn_chunks, kn_versions

    (app_dir / "docs" / "refunds.md").write_text(REFUNDS)
    ingest(spec_for(), app_dir, store, cipher, app="shop")
    with store.engine.connect() as conn:
        blobs = list(conn.execute(select(kn_versions.c.text_enc)).scalars())
        blobs += list(conn.execute(select(kn_chunks.c.text_enc)).scalars())
    assert blobs and all(b"business days" not in bytes(b) for b in blobs)
