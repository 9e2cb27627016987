"""Monitoring: rollups maintained as traces are written (per hour and dimension, latency
bins, users per day and per hour, query term hashes), alert state and events, and evaluator leases.
The frozen-on-read ``kpi_hours`` give way to them; existing traces are rolled up here.

Revision ID: 0008_monitor
Revises: 0007_sealed_terms
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_monitor"
down_revision = "0007_sealed_terms"
branch_labels = None
depends_on = None

COUNTS = (
    "requests",
    "answered",
    "block",
    "hold",
    "refuse",
    "error",
    "grounded",
    "ungrounded",
    "unanswerable",
    "prompt_tokens",
    "completion_tokens",
)


def _key() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        sa.Column("dim", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
    ]


def _rollups() -> None:
    op.create_table(
        "kpi_rollup",
        *_key(),
        *(sa.Column(n, sa.BigInteger, nullable=False) for n in COUNTS),
        *(sa.Column(n, sa.Double, nullable=False) for n in ("cost", "cost_sq", "latency_sum")),
    )
    op.create_table(
        "kpi_latency",
        *_key(),
        sa.Column("bin", sa.Integer, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kpi_users",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True),
        sa.Column("dim", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("user", sa.String(200), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kpi_user_hours",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        sa.Column("dim", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("user", sa.String(200), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kpi_terms",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        sa.Column("term", sa.String(40), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )


def _alerts() -> None:
    op.create_table(
        "alert_state",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("rule", sa.String(100), primary_key=True),
        sa.Column("firing", sa.Boolean, nullable=False),
        sa.Column("since", sa.Double, nullable=False),
        sa.Column("value", sa.Double, nullable=True),
        sa.Column("checked_at", sa.Double, nullable=False),
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("delivered", sa.Boolean, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("delivery", sa.Text, nullable=False),
    )
    op.create_index("ix_alert_events_app", "alert_events", ["app"])
    op.create_table(
        "monitor_leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Double, nullable=False),
    )


def upgrade() -> None:
    _rollups()
    _alerts()
    op.drop_table("kpi_hours")
    from stanchion.reports.rollup import rebuild

    conn = op.get_bind()
    for (app,) in conn.execute(sa.text("SELECT DISTINCT app FROM traces")).all():
        rebuild(conn, app)


def downgrade() -> None:
    op.create_table(
        "kpi_hours",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        *(
            sa.Column(n, sa.Integer, nullable=False)
            for n in COUNTS
            if n not in ("error", "unanswerable")
        ),
        sa.Column("cost", sa.Double, nullable=False),
        sa.Column("latency_sum", sa.Double, nullable=False),
        sa.Column("latency_hist", sa.Text, nullable=False),
    )
    for name in ("monitor_leases", "alert_events", "alert_state"):
        op.drop_table(name)
    for name in ("kpi_terms", "kpi_user_hours", "kpi_users", "kpi_latency", "kpi_rollup"):
        op.drop_table(name)
