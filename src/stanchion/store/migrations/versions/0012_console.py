"""The console's overview rollups: users' active hours and days as bits (distinct active
users over any period without a probe per user and hour) and ratings per hour; both filled
here from what is stored (``kpi_users``, ``feedback``).

Revision ID: 0012_console
Revises: 0011_identity
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_console"
down_revision = "0011_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_user_bits",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("dim", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("unit", sa.Integer, primary_key=True),
        sa.Column("block", sa.Integer, primary_key=True),
        sa.Column("user", sa.String(200), primary_key=True),
        sa.Column("bits", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kpi_ratings",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("total", sa.Double, nullable=False),
        sa.Column("total_sq", sa.Double, nullable=False),
        sa.Column("high", sa.BigInteger, nullable=False),
        sa.Column("low", sa.BigInteger, nullable=False),
    )
    from stanchion.reports.activity import add_users, rebuild_ratings

    conn = op.get_bind()
    for (app,) in conn.execute(sa.text("SELECT DISTINCT app FROM kpi_users")).all():
        rows = conn.execute(
            sa.text('SELECT hour, dim, key, "user" FROM kpi_users WHERE app = :app'), {"app": app}
        )
        add_users(conn, app, ((r[0], r[1], r[2], r[3]) for r in rows))
    for (app,) in conn.execute(sa.text("SELECT DISTINCT app FROM feedback")).all():
        rows = conn.execute(
            sa.text("SELECT score, updated_at FROM feedback WHERE app = :app"), {"app": app}
        )
        rebuild_ratings(conn, app, rows.mappings())


def downgrade() -> None:
    op.drop_table("kpi_ratings")
    op.drop_table("kpi_user_bits")
