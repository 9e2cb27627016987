"""Index terms and titles at rest: each version's sealed word list; room for sealed titles.

The chunk term bags become keyed hashes and titles and sections sealed text (longer than
the clear text they replace): the re-tokenising pass at start (knowledge/retokenize.py)
rewrites existing rows, since only the running service holds the key.

Revision ID: 0007_sealed_terms
Revises: 0006_ui_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_sealed_terms"
down_revision = "0006_ui_sessions"
branch_labels = None
depends_on = None

WIDENED = (("kn_documents", "title"), ("kn_versions", "title"), ("kn_chunks", "section"))


def upgrade() -> None:
    with op.batch_alter_table("kn_versions") as batch:
        batch.add_column(sa.Column("words_enc", sa.LargeBinary, nullable=True))
    for table, column in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.Text, existing_nullable=False)


def downgrade() -> None:
    for table, column in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(500), existing_nullable=False)
    with op.batch_alter_table("kn_versions") as batch:
        batch.drop_column("words_enc")
