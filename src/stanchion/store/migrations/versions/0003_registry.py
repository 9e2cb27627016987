"""Registry (prompt and model route versions, labels, approvals), feedback, the review
queue, eval datasets and experiments.

Revision ID: 0003_registry
Revises: 0002_knowledge
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_registry"
down_revision = "0002_knowledge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reg_versions",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("content_enc", sa.LargeBinary, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
    )
    op.create_index(
        "ux_reg_versions_number", "reg_versions", ["app", "kind", "name", "number"], unique=True
    )
    op.create_table(
        "reg_labels",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("label", sa.String(40), primary_key=True),
        sa.Column("version_id", sa.String(160), nullable=False),
        sa.Column("canary_id", sa.String(160), nullable=True),
        sa.Column("canary_percent", sa.Integer, nullable=False),
        sa.Column("moved_at", sa.Double, nullable=False),
        sa.Column("moved_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "reg_label_history",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("version_id", sa.String(160), nullable=False),
        sa.Column("canary_id", sa.String(160), nullable=True),
        sa.Column("canary_percent", sa.Integer, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("undone", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_reg_label_history_label", "reg_label_history", ["app", "kind", "name", "label"]
    )
    op.create_table(
        "reg_approvals",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version_id", sa.String(160), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_index("ix_reg_approvals_version", "reg_approvals", ["app", "kind", "version_id"])
    op.create_table(
        "reg_state",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.Double, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("trace_id", sa.String(40), primary_key=True),
        sa.Column("user", sa.String(200), primary_key=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment_enc", sa.LargeBinary, nullable=True),
        sa.Column("correction_enc", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_index("ix_feedback_app_updated", "feedback", ["app", "updated_at"])
    op.create_table(
        "review_items",
        sa.Column("trace_id", sa.String(40), primary_key=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("user", sa.String(200), nullable=True),
        sa.Column("prompt_id", sa.String(160), nullable=True),
        sa.Column("question_enc", sa.LargeBinary, nullable=True),
        sa.Column("answer_enc", sa.LargeBinary, nullable=True),
        sa.Column("final_enc", sa.LargeBinary, nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_at", sa.Double, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.Double, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
    )
    op.create_index("ix_review_items_app_status", "review_items", ["app", "status"])
    op.create_table(
        "eval_datasets",
        sa.Column("app", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("examples", sa.Integer, nullable=False),
        sa.Column("data_enc", sa.LargeBinary, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
    )
    op.create_table(
        "eval_experiments",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("dataset", sa.String(100), nullable=False),
        sa.Column("dataset_version", sa.Integer, nullable=False),
        sa.Column("prompt_version", sa.String(160), nullable=True),
        sa.Column("model_version", sa.String(160), nullable=True),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("results_enc", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_eval_experiments_app_prompt", "eval_experiments", ["app", "prompt_version"])


def downgrade() -> None:
    op.drop_index("ix_eval_experiments_app_prompt", "eval_experiments")
    op.drop_table("eval_experiments")
    op.drop_table("eval_datasets")
    op.drop_index("ix_review_items_app_status", "review_items")
    op.drop_table("review_items")
    op.drop_index("ix_feedback_app_updated", "feedback")
    op.drop_table("feedback")
    op.drop_table("reg_state")
    op.drop_index("ix_reg_approvals_version", "reg_approvals")
    op.drop_table("reg_approvals")
    op.drop_index("ix_reg_label_history_label", "reg_label_history")
    op.drop_table("reg_label_history")
    op.drop_table("reg_labels")
    op.drop_index("ux_reg_versions_number", "reg_versions")
    op.drop_table("reg_versions")
