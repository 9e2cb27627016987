"""Registry, feedback, review and evaluation tables, on the shared ``metadata``.

A version row is written once and never updated: its id is the content hash. Labels are the
only moving parts; ``reg_state.generation`` changes with every label move so that each
replica's cache notices with one cheap read. Content (templates, answers, comments,
datasets, per-example results) is encrypted; metrics stay in clear for reports.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from stanchion.store.schema import metadata

reg_versions = Table(
    "reg_versions",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("id", String(160), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("number", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("content_enc", LargeBinary, nullable=False),
    Column("author", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", Double, nullable=False),
)
Index(
    "ux_reg_versions_number",
    reg_versions.c.app,
    reg_versions.c.kind,
    reg_versions.c.name,
    reg_versions.c.number,
    unique=True,
)

reg_labels = Table(
    "reg_labels",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("label", String(40), primary_key=True),
    Column("version_id", String(160), nullable=False),
    Column("canary_id", String(160), nullable=True),
    Column("canary_percent", Integer, nullable=False),
    Column("moved_at", Double, nullable=False),
    Column("moved_by", String(200), nullable=False),
)

reg_label_history = Table(
    "reg_label_history",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("app", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("label", String(40), nullable=False),
    Column("version_id", String(160), nullable=False),
    Column("canary_id", String(160), nullable=True),
    Column("canary_percent", Integer, nullable=False),
    Column("at", Double, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("undone", Boolean, nullable=False),
)
Index(
    "ix_reg_label_history_label",
    reg_label_history.c.app,
    reg_label_history.c.kind,
    reg_label_history.c.name,
    reg_label_history.c.label,
)

reg_approvals = Table(
    "reg_approvals",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("app", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("version_id", String(160), nullable=False),
    Column("label", String(40), nullable=False),
    Column("role", String(50), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("comment", Text, nullable=False),
    Column("at", Double, nullable=False),
)
Index(
    "ix_reg_approvals_version",
    reg_approvals.c.app,
    reg_approvals.c.kind,
    reg_approvals.c.version_id,
)

reg_state = Table(
    "reg_state",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("changed_at", Double, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("trace_id", String(40), primary_key=True),
    Column("user", String(200), primary_key=True),
    Column("app", String(100), nullable=False),
    Column("key_id", String(32), nullable=True),
    Column("score", Integer, nullable=False),
    Column("comment_enc", LargeBinary, nullable=True),
    Column("correction_enc", LargeBinary, nullable=True),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
)
Index("ix_feedback_app_updated", feedback.c.app, feedback.c.updated_at)

review_items = Table(
    "review_items",
    metadata,
    Column("trace_id", String(40), primary_key=True),
    Column("app", String(100), nullable=False),
    Column("reason", String(20), nullable=False),
    Column("status", String(16), nullable=False),
    Column("key_id", String(32), nullable=True),
    Column("user", String(200), nullable=True),
    Column("prompt_id", String(160), nullable=True),
    Column("question_enc", LargeBinary, nullable=True),
    Column("answer_enc", LargeBinary, nullable=True),
    Column("final_enc", LargeBinary, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_at", Double, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", Double, nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", Double, nullable=False),
)
Index("ix_review_items_app_status", review_items.c.app, review_items.c.status)

eval_datasets = Table(
    "eval_datasets",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("examples", Integer, nullable=False),
    Column("data_enc", LargeBinary, nullable=False),
    Column("author", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", Double, nullable=False),
)

eval_experiments = Table(
    "eval_experiments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("app", String(100), nullable=False),
    Column("dataset", String(100), nullable=False),
    Column("dataset_version", Integer, nullable=False),
    Column("prompt_version", String(160), nullable=True),
    Column("model_version", String(160), nullable=True),
    Column("target", String(200), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("summary", Text, nullable=False),
    Column("results_enc", LargeBinary, nullable=False),
)
Index("ix_eval_experiments_app_prompt", eval_experiments.c.app, eval_experiments.c.prompt_version)
