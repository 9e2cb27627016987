"""Monitoring: rollups maintained as traces are written (per hour and dimension; latency
bins per hour and per day; users per hour; query term hashes), alert state and events, and
evaluator leases.
The frozen-on-read ``kpi_hours`` give way to them; existing traces are rolled up here.

Revision ID: 0009_monitor
Revises: 0008_rollout
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009_monitor"
down_revision = "0008_rollout"
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


TYPES: dict[str, Any] = {
    "app": sa.String(100),
    "dim": sa.String(16),
    "hour": sa.Integer,
    "day": sa.Integer,
    "key": sa.String(200),
    "bin": sa.Integer,
    "user": sa.String(200),
}


def _pk(*names: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(n, TYPES[n], primary_key=True) for n in names]


def _rollups() -> None:
    op.create_table(
        "kpi_rollup",
        *_pk("app", "dim", "hour", "key"),
        *(sa.Column(n, sa.BigInteger, nullable=False) for n in COUNTS),
        *(sa.Column(n, sa.Double, nullable=False) for n in ("cost", "cost_sq", "latency_sum")),
    )
    op.create_table(
        "kpi_latency",
        *_pk("app", "dim", "hour", "key", "bin"),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kpi_latency_days",
        *_pk("app", "dim", "day", "key", "bin"),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kpi_users",
        *_pk("app", "dim", "key", "user", "hour"),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kpi_terms",
        *_pk("app", "hour"),
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
    for name in ("kpi_terms", "kpi_users", "kpi_latency_days", "kpi_latency", "kpi_rollup"):
        op.drop_table(name)
