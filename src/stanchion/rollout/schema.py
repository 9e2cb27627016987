"""The rollout's tables: where each app's rollout stands, and the owners' sign-offs.

Every write to them is also an audit event (the chain is the record; these tables are the
state a replica reads, so the cohort check needs no walk of the chain)."""

from __future__ import annotations

from sqlalchemy import Column, Double, Index, Integer, String, Table, Text

from stanchion.store.schema import metadata

rollout_state = Table(
    "rollout_state",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("stage", String(100), nullable=False),
    Column("since", Double, nullable=False),
    Column("moved_by", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # active | rolled_back
    Column("note", Text, nullable=False, default=""),
    Column("generation", Integer, nullable=False),
)

rollout_seats = Table(
    "rollout_seats",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("user", String(200), primary_key=True),
    Column("stage", String(100), nullable=False),
    Column("at", Double, nullable=False),
)

signoffs = Table(
    "signoffs",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("app", String(100), nullable=False),
    Column("subject", String(120), nullable=False),  # goal | go-live | stage:<name>
    Column("function", String(20), nullable=False),  # business | it_security | legal | end_users
    Column("actor", String(200), nullable=False),
    Column("at", Double, nullable=False),
    Column("report_hash", String(64), nullable=False),
    Column("comment", Text, nullable=False, default=""),
)
Index("ix_signoffs_app_subject", signoffs.c.app, signoffs.c.subject)
