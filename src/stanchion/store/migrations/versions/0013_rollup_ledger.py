"""The rollup ledger: writer processes keep rollup increments in memory between flushes, and
note here which stored traces they hold, so a process killed before its flush has its traces
counted from the store by another (``reports/rollup_ledger.py``).

Revision ID: 0013_rollup_ledger
Revises: 0012_console
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_rollup_ledger"
down_revision = "0012_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_writers",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("instance", sa.String(40), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("since", sa.Double, nullable=False),
    )
    op.create_table(
        "rollup_pending",
        sa.Column("writer", sa.String(40), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("ids", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rollup_pending")
    op.drop_table("rollup_writers")
