"""Dense chunk vectors for hybrid retrieval (float32 bytes, one row per chunk).

Revision ID: 0004_embeddings
Revises: 0003_registry
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_embeddings"
down_revision = "0003_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kn_vectors",
        sa.Column("chunk_id", sa.String(60), primary_key=True),
        sa.Column("version_id", sa.String(40), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_kn_vectors_version_id", "kn_vectors", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_kn_vectors_version_id", "kn_vectors")
    op.drop_table("kn_vectors")
