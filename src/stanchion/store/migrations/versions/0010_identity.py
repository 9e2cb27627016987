"""Data keys wrapped by the master key (envelope encryption); SSO users' grants (sealed
refresh tokens, removal times); keys bound to an SSO user.

Revision ID: 0010_identity
Revises: 0009_monitor
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_identity"
down_revision = "0009_monitor"
branch_labels = None
depends_on = None


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION stanchion_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
TRIGGERS = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events"
    " FOR EACH ROW EXECUTE FUNCTION stanchion_audit_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events"
    " FOR EACH STATEMENT EXECUTE FUNCTION stanchion_audit_append_only()",
    # the role the app runs as (this one, unless a separate owner runs migrations) and
    # everyone else keep INSERT and SELECT only
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC, CURRENT_USER",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
        for statement in TRIGGERS:
            op.execute(statement)
    op.create_table(
        "sso_grants",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("refresh_enc", sa.Text, nullable=True),
        sa.Column("verified_at", sa.Double, nullable=False),
        sa.Column("removed_at", sa.Double, nullable=True),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("bound_to", sa.String(32), nullable=True))
    op.create_table(
        "data_keys",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
        sa.Column("master_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("prev_wrapped", sa.LargeBinary, nullable=True),
        sa.Column("prev_master_id", sa.String(16), nullable=True),
    )
    op.create_index("ix_data_keys_master", "data_keys", ["master_id"])
    op.create_index("ix_data_keys_subject", "data_keys", ["app", "kind", "subject"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", sa.Double, nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS stanchion_audit_append_only()")
    op.drop_table("leases")
    op.drop_index("ix_data_keys_subject", "data_keys")
    op.drop_index("ix_data_keys_master", "data_keys")
    op.drop_table("data_keys")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("bound_to")
    op.drop_table("sso_grants")
