"""Issue 8 item 11: no title, section or index term of a document sits in clear at rest.

A document with distinctive words in its title, a heading and its body is ingested; the raw
database (the SQLite file's bytes, or every knowledge row of PostgreSQL as text, tsvectors
included) and the raw local index file hold neither the words nor their stems, while
retrieval still finds the document by them, misspelt too (spelling correction reads the
sealed word lists). A store written before sealing is converted at start.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text, update

from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.schema import kn_chunks, kn_documents, kn_versions
from stanchion.knowledge.sealed_terms import TermKey
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.text import stem, term_string
from stanchion.store.crypto import SEALED, Cipher
from stanchion.store.db import Store

DOC = (
    "# Zorblattine Handbook\n\n## Quixotrel Calibration\n\n"
    "Hold the dial for ten seconds to recalibrate the frobnicators. "
    "Frobnicators drift after a firmware update.\n"
)
SECRETS = ("zorblattine", "quixotrel", "frobnicators")
TABLES = ("kn_documents", "kn_versions", "kn_chunks", "kn_state", "audit_log")


def _spec(store: Store) -> KnowledgeSpec:
    backend = "local" if store.is_sqlite else "postgres"
    return KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": {"backend": backend}}
    )


async def _knowledge(store: Store, cipher: Cipher, app_dir: Path) -> Knowledge:
    (app_dir / "docs" / "guide.md").write_text(DOC)
    spec = _spec(store)
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    return knowledge


def _raw_files(paths: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for path in paths for p in path.parent.glob(path.name + "*"))


def _raw_store(store: Store) -> bytes:
    """The store as an attacker with a copy of it reads it."""
    if store.is_sqlite:
        assert store.engine.url.database
        return _raw_files([Path(store.engine.url.database)])
    with store.engine.connect() as conn:
        known = set(conn.execute(text("SELECT tablename FROM pg_tables")).scalars())
        rows = [
            str(r[0])
            for table in TABLES
            if table in known
            for r in conn.execute(text(f"SELECT t::text FROM {table} t"))
        ]
    return "\n".join(rows).encode()


def _assert_sealed(raw: bytes) -> None:
    lowered = raw.lower()
    for word in SECRETS:
        for form in {word, stem(word)}:
            assert form.encode() not in lowered, f"{form!r} sits in clear at rest"


async def test_titles_sections_and_terms_are_not_in_clear(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    knowledge = await _knowledge(store, cipher, app_dir)
    hits = await knowledge.retriever.search("How do I recalibrate the frobnicators?", 3)
    assert hits and hits[0].doc_id == "docs/guide.md"
    assert hits[0].title == "Zorblattine Handbook" and hits[0].section.endswith(
        "Quixotrel Calibration"
    )
    knowledge.close()
    store.engine.dispose()  # the SQLite WAL checkpointed into the file
    _assert_sealed(_raw_store(store))
    _assert_sealed(_raw_files([app_dir / _spec(store).retrieval.index_path]))


async def test_search_by_title_word_and_typo_still_works(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    knowledge = await _knowledge(store, cipher, app_dir)
    for question in (
        "What does the zorblattine handbook say?",
        "quixotrel calibration",
        "when do frobnicatros drift?",  # misspelt: corrected against the sealed vocabulary
    ):
        hits = await knowledge.retriever.search(question, 3)
        assert hits and hits[0].doc_id == "docs/guide.md", question
    parsed = knowledge.retriever.parse("when do frobnicatros drift?")
    assert any(c.how == "spelling" for c in parsed.concepts)
    knowledge.close()


async def test_a_store_from_before_sealing_is_sealed_at_start(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    knowledge = await _knowledge(store, cipher, app_dir)
    knowledge.close()
    with store.engine.begin() as conn:  # what an older release wrote: all in clear
        for cid, section, blob in conn.execute(
            select(kn_chunks.c.id, kn_chunks.c.section, kn_chunks.c.text_enc)
        ).all():
            clear = cipher.open_text(section)
            body = cipher.decrypt(bytes(blob)).decode()
            conn.execute(
                update(kn_chunks)
                .where(kn_chunks.c.id == cid)
                .values(section=clear, terms=term_string(clear + "\n" + body))
            )
        conn.execute(update(kn_versions).values(title="Zorblattine Handbook", words_enc=None))
        conn.execute(update(kn_documents).values(title="Zorblattine Handbook"))
    index = app_dir / _spec(store).retrieval.index_path
    for p in index.parent.glob(index.name + "*"):
        p.unlink()
    again = build_knowledge(_spec(store), app_dir, store, cipher, app="shop")
    await again.start()
    hits = await again.retriever.search("zorblattine frobnicators", 3)
    assert hits and hits[0].title == "Zorblattine Handbook"
    with store.engine.connect() as conn:
        assert conn.execute(select(kn_versions.c.title)).scalar_one().startswith(SEALED)
        assert conn.execute(select(kn_documents.c.title)).scalar_one().startswith(SEALED)
        assert conn.execute(select(kn_versions.c.words_enc)).scalar_one() is not None
    again.close()
    store.engine.dispose()
    if store.is_sqlite:
        with store.engine.begin() as conn:
            conn.execute(text("VACUUM"))  # freed pages of the clear rows
        store.engine.dispose()
    _assert_sealed(_raw_store(store))


def test_term_hashes_are_one_token_for_both_full_text_engines(cipher: Cipher) -> None:
    """PostgreSQL's parser splits a token that opens like a number ("0e12ab" -> "0e12",
    "ab"); a hash must stay one token whatever its digits."""
    key = TermKey(cipher)
    hashes = {key(f"w{i}") for i in range(5000)}
    assert len(hashes) == 5000
    assert all(h[0].isalpha() and h.isalnum() and h.isascii() for h in hashes)
    assert key("refund") == TermKey(cipher)("refund") != TermKey(Cipher(bytes(32)))("refund")


def test_postgres_keeps_every_term_hash_whole(store: Store, cipher: Cipher) -> None:
    if store.is_sqlite:
        return  # FTS5's unicode61 keeps any run of letters and digits whole
    key = TermKey(cipher)
    hashes = {key(f"w{i}") for i in range(20_000)} | {"t0e12345abcdef0123456789a"}
    q = text(
        "SELECT word FROM ts_stat(format('SELECT to_tsvector(''simple'', %L)', CAST(:bag AS text)))"
    )
    with store.engine.connect() as conn:
        assert set(conn.execute(q, {"bag": " ".join(sorted(hashes))}).scalars()) == hashes
