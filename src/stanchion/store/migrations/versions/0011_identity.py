"""Erasure generations: one integer per app that `subjects erase` moves on, so that every
replica drops the data-subject keys it caches within a second of an erasure.

Revision ID: 0011_identity
Revises: 0010_identity
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_identity"
down_revision = "0010_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_erasures",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subject_erasures")
