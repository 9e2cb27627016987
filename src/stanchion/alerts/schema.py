"""The alert tables: each rule's state (firing or not), every alert raised or resolved with
its delivery, and the leases that let exactly one replica evaluate at a time."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Double, Integer, String, Table, Text

from stanchion.store.schema import metadata

alert_state = Table(
    "alert_state",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("rule", String(100), primary_key=True),
    Column("firing", Boolean, nullable=False),
    Column("since", Double, nullable=False),
    Column("value", Double, nullable=True),
    Column("checked_at", Double, nullable=False),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("app", String(100), nullable=False, index=True),
    Column("rule", String(100), nullable=False),
    Column("status", String(16), nullable=False),  # firing | resolved | test
    Column("severity", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", Double, nullable=False),
    Column("delivered", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("delivery", Text, nullable=False),  # per channel: status, attempts, last error
)

monitor_leases = Table(
    "monitor_leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", Double, nullable=False),
)
