"""Rollout: each trace's cohort, the rollout's current stage, sized stages' seats, and
owners' sign-offs.

Revision ID: 0008_rollout
Revises: 0007_sealed_terms
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_rollout"
down_revision = "0007_sealed_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("traces") as batch:
        batch.add_column(sa.Column("cohort", sa.String(100), nullable=True))
    op.create_table(
        "rollout_state",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("since", sa.Double, nullable=False),
        sa.Column("moved_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("generation", sa.Integer, nullable=False),
    )
    op.create_table(
        "rollout_seats",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("user", sa.String(200), primary_key=True),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_table(
        "signoffs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("function", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("report_hash", sa.String(64), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_signoffs_app_subject", "signoffs", ["app", "subject"])


def downgrade() -> None:
    op.drop_index("ix_signoffs_app_subject", "signoffs")
    op.drop_table("signoffs")
    op.drop_table("rollout_seats")
    op.drop_table("rollout_state")
    with op.batch_alter_table("traces") as batch:
        batch.drop_column("cohort")
