"""Keep the store's chunk term bags in step with the tokenizer.

``kn_chunks.terms`` is written at ingest with the tokenizer of that day, and both backends
search it (the local index copies it, PostgreSQL derives its tsvector from it). When the
stemmer changes (``text.TERMS_VERSION``), bags written before no longer match the terms of
new queries; ``retokenize`` rewrites them from the decrypted chunk text and bumps the app's
generation so every replica re-syncs::

    with store.engine.begin() as conn:
        changed = retokenize(conn, cipher, "support")
"""

from __future__ import annotations

from sqlalchemy import Connection, Select, bindparam, select

from stanchion.knowledge.schema import kn_chunks, kn_versions
from stanchion.knowledge.text import term_string
from stanchion.knowledge.versions import bump_generation
from stanchion.store.crypto import Cipher

PROBE = 20
BATCH = 500


def _chunks(app: str, limit: int | None = None) -> Select[tuple[str, str, str, bytes]]:
    q = (
        select(kn_chunks.c.id, kn_chunks.c.section, kn_chunks.c.terms, kn_chunks.c.text_enc)
        .join(kn_versions, kn_versions.c.id == kn_chunks.c.version_id)
        .where(kn_versions.c.app == app)
        .order_by(kn_chunks.c.id)
    )
    return q.limit(limit) if limit else q


def fresh_terms(cipher: Cipher, section: str, text_enc: bytes) -> str:
    return term_string(section + "\n" + cipher.decrypt(bytes(text_enc)).decode())


def is_stale(conn: Connection, cipher: Cipher, app: str) -> bool:
    """Whether a sample of the app's chunks carries term bags of another tokenizer."""
    rows = conn.execute(_chunks(app, PROBE)).all()
    return any(r.terms != fresh_terms(cipher, r.section, r.text_enc) for r in rows)


def retokenize(conn: Connection, cipher: Cipher, app: str) -> int:
    """Rewrite stale chunk term bags of ``app``; the number of chunks changed (0: none)."""
    if not is_stale(conn, cipher, app):
        return 0
    changed = 0
    updates: list[dict[str, str]] = []
    for r in conn.execute(_chunks(app)).all():
        terms = fresh_terms(cipher, r.section, r.text_enc)
        if terms != r.terms:
            updates.append({"cid": r.id, "new_terms": terms})
    for i in range(0, len(updates), BATCH):
        stmt = (
            kn_chunks.update()
            .where(kn_chunks.c.id == bindparam("cid"))
            .values(terms=bindparam("new_terms"))
        )
        conn.execute(stmt, updates[i : i + BATCH])
        changed += len(updates[i : i + BATCH])
    if changed:
        bump_generation(conn, app)
    return changed
