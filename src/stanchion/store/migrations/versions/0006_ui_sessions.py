"""Console sessions, hourly KPI rollups, and trace indexes for the console's lists.

Revision ID: 0011_ui_sessions
Revises: 0004_embeddings
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ui_sessions"
down_revision = "0005_dead_letters"
branch_labels = None
depends_on = None

TRACE_INDEXES = {
    "ix_traces_app_user_created": ["app", "user", "created_at"],
    "ix_traces_app_decision_created": ["app", "decision", "created_at"],
    "ix_traces_app_key_created": ["app", "key_id", "created_at"],
}

KPI_COUNTS = (
    "requests",
    "answered",
    "block",
    "hold",
    "refuse",
    "grounded",
    "ungrounded",
    "prompt_tokens",
    "completion_tokens",
)


def upgrade() -> None:
    op.create_table(
        "ui_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("seen_at", sa.Double, nullable=False),
        sa.Column("ended_at", sa.Double, nullable=True),
    )
    op.create_index("ix_ui_sessions_key", "ui_sessions", ["key_id"])
    for name, cols in TRACE_INDEXES.items():
        op.create_index(name, "traces", cols)
    op.create_table(
        "kpi_hours",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in KPI_COUNTS),
        sa.Column("cost", sa.Double, nullable=False),
        sa.Column("latency_sum", sa.Double, nullable=False),
        sa.Column("latency_hist", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kpi_hours")
    for name in TRACE_INDEXES:
        op.drop_index(name, "traces")
    op.drop_index("ix_ui_sessions_key", "ui_sessions")
    op.drop_table("ui_sessions")
