"""The hourly rollup tables (``reports/rollup.py`` fills and reads them): per app,
dimension, hour and key, each figure additive so any period is a sum of hours.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Double, Integer, String, Table

from stanchion.store.schema import metadata

HOUR = 3600
DAY = 86_400
BINS_PER_E = 40  # histogram resolution: bin width is e**(1/40), about 2.5%
DIMS = ("all", "version", "route", "cohort")
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
SUMS = ("cost", "cost_sq", "latency_sum")
KEY_LEN = 200


def _cols(*names: str) -> list[Column[Any]]:
    """Primary-key columns in this order: (app, dim, ...) keeps each dimension's rows
    together, so a period of one dimension is one index range."""
    types: dict[str, Any] = {
        "app": String(100),
        "dim": String(16),
        "hour": Integer,
        "day": Integer,
        "key": String(KEY_LEN),
        "bin": Integer,
        "user": String(200),
    }
    return [Column(n, types[n], primary_key=True) for n in names]


kpi_rollup = Table(
    "kpi_rollup",
    metadata,
    *_cols("app", "dim", "hour", "key"),
    *(Column(n, BigInteger, nullable=False) for n in COUNTS),
    *(Column(n, Double, nullable=False) for n in SUMS),
)
kpi_latency = Table(
    "kpi_latency",
    metadata,
    *_cols("app", "dim", "hour", "key", "bin"),
    Column("n", BigInteger, nullable=False),
)
kpi_latency_days = Table(  # the same per UTC day: a long period reads whole days from here
    "kpi_latency_days",
    metadata,
    *_cols("app", "dim", "day", "key", "bin"),
    Column("n", BigInteger, nullable=False),
)
kpi_users = Table(  # (key, user) first: active users are one index probe per known user
    "kpi_users",
    metadata,
    *_cols("app", "dim", "key", "user", "hour"),
    Column("n", BigInteger, nullable=False),
)
kpi_terms = Table(
    "kpi_terms",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("term", String(40), primary_key=True),
    Column("n", BigInteger, nullable=False),
)
