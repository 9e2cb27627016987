"""Knowledge tables, on the shared ``metadata``.

A document has versions; a version is ``draft`` until approved, then ``approved`` or
``retired``. Document and chunk text, titles and sections are encrypted; ``terms`` keeps
only the bag of keyed hashes of the index terms (``sealed_terms``) so a shared backend can
search it, and ``words_enc`` the version's words themselves, sealed.
``kn_state.generation`` changes with every approval or retirement so replicas notice.
``kn_vectors`` holds chunk embeddings for hybrid retrieval (only when an embedder is set).
"""

from __future__ import annotations

from sqlalchemy import Column, Double, Index, Integer, LargeBinary, String, Table, Text

from stanchion.store.schema import metadata

kn_documents = Table(
    "kn_documents",
    metadata,
    Column("id", String(300), primary_key=True),
    Column("app", String(100), nullable=False, index=True),
    Column("source", String(500), nullable=False),
    Column("title", Text, nullable=False),  # sealed (Cipher.seal_text)
    Column("created_at", Double, nullable=False),
)

kn_versions = Table(
    "kn_versions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("doc_id", String(300), nullable=False),
    Column("app", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("format", String(16), nullable=False),
    Column("title", Text, nullable=False),  # sealed (Cipher.seal_text)
    Column("size", Integer, nullable=False),
    Column("n_chunks", Integer, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("changed_at", Double, nullable=False),
    Column("changed_by", String(200), nullable=True),
    Column("text_enc", LargeBinary, nullable=False),
    # the version's index terms, sealed: the vocabulary for spelling and weights
    Column("words_enc", LargeBinary, nullable=True),
)
Index("ux_kn_versions_doc_version", kn_versions.c.doc_id, kn_versions.c.version, unique=True)
Index("ix_kn_versions_app_status", kn_versions.c.app, kn_versions.c.status)

kn_chunks = Table(
    "kn_chunks",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("version_id", String(40), nullable=False, index=True),
    Column("ordinal", Integer, nullable=False),
    Column("section", Text, nullable=False),  # sealed (Cipher.seal_text)
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("terms", Text, nullable=False),
    Column("text_enc", LargeBinary, nullable=False),
)

kn_state = Table(
    "kn_state",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("changed_at", Double, nullable=False),
)

# One dense vector per chunk (float32, little-endian, unit length) under the embedder's
# ``model``; a chunk embedded by another model is re-embedded, replacing its row.
kn_vectors = Table(
    "kn_vectors",
    metadata,
    Column("chunk_id", String(60), primary_key=True),
    Column("version_id", String(40), nullable=False, index=True),
    Column("model", String(200), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)
