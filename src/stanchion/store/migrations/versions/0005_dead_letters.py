"""Dead letters: traces the store refused (a value the driver rejects), kept sealed for an
operator (`stanchion traces dead-letters`) instead of being dropped with their batch.

Revision ID: 0005_dead_letters
Revises: 0004_embeddings
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_dead_letters"
down_revision = "0004_embeddings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trace_dead_letters",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("record", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_trace_dead_letters_app_at", "trace_dead_letters", ["app", "at"])


def downgrade() -> None:
    op.drop_index("ix_trace_dead_letters_app_at", "trace_dead_letters")
    op.drop_table("trace_dead_letters")
