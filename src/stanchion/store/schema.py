"""The core tables. Every table of every module lives on this one ``metadata``.

Columns that hold content (prompts, responses, documents) are encrypted blobs; times are
epoch seconds (float) so that SQLite and PostgreSQL store them the same way.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("prefix", String(16), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("user", String(200), nullable=False),
    Column("role", String(50), nullable=False),
    Column("app", String(100), nullable=True),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=True),
    Column("revoked_at", Double, nullable=True),
)

traces = Table(
    "traces",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("app", String(100), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("key_id", String(32), nullable=True),
    Column("user", String(200), nullable=True),
    Column("status", Integer, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("stream", Boolean, nullable=False, default=False),
    Column("route", String(100), nullable=True),
    Column("provider", String(50), nullable=True),
    Column("model", String(200), nullable=True),
    Column("prompt_id", String(100), nullable=True),
    Column("prompt_tokens", Integer, nullable=False, default=0),
    Column("completion_tokens", Integer, nullable=False, default=0),
    Column("cost", Double, nullable=False, default=0.0),
    Column("latency_ms", Double, nullable=False, default=0.0),
    Column("timings", Text, nullable=False, default="{}"),
    Column("findings", Text, nullable=False, default="[]"),
    Column("annotations", Text, nullable=False, default="{}"),
    Column("request_enc", LargeBinary, nullable=True),
    Column("response_enc", LargeBinary, nullable=True),
    Column("error", Text, nullable=True),
    Column("cohort", String(100), nullable=True),
)
Index("ix_traces_app_created", traces.c.app, traces.c.created_at)

trace_dead_letters = Table(
    "trace_dead_letters",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("app", String(100), nullable=False),
    Column("at", Double, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("record", LargeBinary, nullable=False),
)
Index("ix_trace_dead_letters_app_at", trace_dead_letters.c.app, trace_dead_letters.c.at)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Double, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(200), nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
