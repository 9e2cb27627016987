"""Keep the store's chunk term bags in step with the tokenizer and the key, sealed at rest.

``kn_chunks.terms`` is written at ingest with the tokenizer of that day as keyed hashes
(``sealed_terms``), and both backends search it (the local index copies it, PostgreSQL
derives its tsvector from it). When the stemmer changes (``text.TERMS_VERSION``) or the key
rotates, bags written before no longer match the terms of new queries; stores written
before sealing hold clear stems, titles and sections. ``retokenize`` rewrites the bags from
the decrypted chunk text, seals clear titles and sections, rewrites each version's sealed
word list, and bumps the app's generation so every replica re-syncs::

    with store.engine.begin() as conn:
        changed = retokenize(conn, cipher, "support")
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, bindparam, select

from stanchion.knowledge.schema import kn_chunks, kn_documents, kn_versions
from stanchion.knowledge.sealed_terms import TermKey, seal_words
from stanchion.knowledge.text import term_string
from stanchion.knowledge.versions import bump_generation
from stanchion.store.crypto import SEALED, Cipher

PROBE = 20
BATCH = 500


def _chunks(app: str, limit: int | None = None) -> Select[Any]:
    q = (
        select(
            kn_chunks.c.id,
            kn_chunks.c.version_id,
            kn_chunks.c.section,
            kn_chunks.c.terms,
            kn_chunks.c.text_enc,
        )
        .join(kn_versions, kn_versions.c.id == kn_chunks.c.version_id)
        .where(kn_versions.c.app == app)
        .order_by(kn_chunks.c.id)
    )
    return q.limit(limit) if limit else q


def words_of(cipher: Cipher, section: str, text_enc: bytes) -> str:
    """A chunk's clear term bag (its section is sealed, or clear in an old store)."""
    return term_string(cipher.open_text(section) + "\n" + cipher.decrypt(bytes(text_enc)).decode())


def fresh_terms(cipher: Cipher, section: str, text_enc: bytes) -> str:
    return TermKey(cipher).bag(words_of(cipher, section, text_enc))


def _unsealed_versions(conn: Connection, app: str) -> bool:
    """Whether a version of ``app`` lacks its word list or keeps its title in clear."""
    q = select(kn_versions.c.id).where(
        kn_versions.c.app == app,
        kn_versions.c.words_enc.is_(None) | ~kn_versions.c.title.startswith(SEALED),
    )
    return conn.execute(q.limit(1)).first() is not None


def is_stale(conn: Connection, cipher: Cipher, app: str) -> bool:
    """Whether a sample of the app's chunks carries term bags of another tokenizer or key,
    or anything of the app still sits in clear."""
    if _unsealed_versions(conn, app):
        return True
    key = TermKey(cipher)
    rows = conn.execute(_chunks(app, PROBE)).all()
    return any(
        r.terms != key.bag(words_of(cipher, r.section, r.text_enc))
        or not r.section.startswith(SEALED)
        for r in rows
    )


def retokenize(conn: Connection, cipher: Cipher, app: str) -> int:
    """Rewrite stale chunk term bags of ``app`` (sealing what is still clear); the number of
    chunks changed (0: none)."""
    if not is_stale(conn, cipher, app):
        return 0
    key = TermKey(cipher)
    words: dict[str, set[str]] = {}
    updates: list[dict[str, str]] = []
    for r in conn.execute(_chunks(app)).all():
        bag = words_of(cipher, r.section, r.text_enc)
        words.setdefault(r.version_id, set()).update(bag.split())
        terms = key.bag(bag)
        if terms != r.terms or not r.section.startswith(SEALED):
            section = cipher.seal_text(cipher.open_text(r.section))
            updates.append({"cid": r.id, "new_terms": terms, "new_section": section})
    stmt = (
        kn_chunks.update()
        .where(kn_chunks.c.id == bindparam("cid"))
        .values(terms=bindparam("new_terms"), section=bindparam("new_section"))
    )
    for i in range(0, len(updates), BATCH):
        conn.execute(stmt, updates[i : i + BATCH])
    _seal_versions(conn, cipher, app, words)
    bump_generation(conn, app)
    return len(updates)


def _seal_versions(conn: Connection, cipher: Cipher, app: str, words: dict[str, set[str]]) -> None:
    """Seal clear titles and rewrite every version's word list (chunks and title)."""
    for vid, doc_id, stored in conn.execute(
        select(kn_versions.c.id, kn_versions.c.doc_id, kn_versions.c.title).where(
            kn_versions.c.app == app
        )
    ).all():
        title = cipher.open_text(stored)
        sealed = stored if stored.startswith(SEALED) else cipher.seal_text(title)
        vocab = words.get(vid, set()) | set(term_string(title).split())
        conn.execute(
            kn_versions.update()
            .where(kn_versions.c.id == vid)
            .values(title=sealed, words_enc=seal_words(cipher, vocab))
        )
        conn.execute(
            kn_documents.update()
            .where(kn_documents.c.id == doc_id, ~kn_documents.c.title.startswith(SEALED))
            .values(title=sealed)
        )
