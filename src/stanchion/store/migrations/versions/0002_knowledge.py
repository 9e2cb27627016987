"""Knowledge: documents, versions, chunks, and the generation counter replicas watch.

Revision ID: 0002_knowledge
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_knowledge"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kn_documents",
        sa.Column("id", sa.String(300), primary_key=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
    )
    op.create_index("ix_kn_documents_app", "kn_documents", ["app"])
    op.create_table(
        "kn_versions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("doc_id", sa.String(300), nullable=False),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("n_chunks", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("changed_at", sa.Double, nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=True),
        sa.Column("text_enc", sa.LargeBinary, nullable=False),
    )
    op.create_index("ux_kn_versions_doc_version", "kn_versions", ["doc_id", "version"], unique=True)
    op.create_index("ix_kn_versions_app_status", "kn_versions", ["app", "status"])
    op.create_table(
        "kn_chunks",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("version_id", sa.String(40), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("section", sa.String(500), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("text_enc", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_kn_chunks_version_id", "kn_chunks", ["version_id"])
    op.create_table(
        "kn_state",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.Double, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The shared full-text backend: a stored tsvector over the term bag, GIN-indexed.
        op.execute(
            "ALTER TABLE kn_chunks ADD COLUMN tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED"
        )
        op.execute("CREATE INDEX ix_kn_chunks_tsv ON kn_chunks USING GIN (tsv)")


def downgrade() -> None:
    op.drop_table("kn_state")
    op.drop_index("ix_kn_chunks_version_id", "kn_chunks")
    op.drop_table("kn_chunks")
    op.drop_index("ix_kn_versions_app_status", "kn_versions")
    op.drop_index("ux_kn_versions_doc_version", "kn_versions")
    op.drop_table("kn_versions")
    op.drop_index("ix_kn_documents_app", "kn_documents")
    op.drop_table("kn_documents")
