"""Many rows through one precompiled statement: the trace writer's inserts and rollup upserts.

    bulk_execute(conn, insert_stmt, rows)   # rows: dicts with every column of the table

SQLAlchemy's ``executemany`` builds each row's parameters in Python (one ``construct_params``
per row, the execution context around it): on SQLite that cost the writer thread more than
the inserts themselves. Here a statement is compiled once per dialect and set of keys, each
row becomes a tuple in C (``itemgetter``), and the rows go to the driver's own
``executemany`` on the connection's DBAPI connection, inside its transaction (through
``exec_driver_sql`` each statement still had an execution context, a cursor wrapper and a
result made for it: an eighth of the writer thread's time, seven statements a batch). A
driver error is translated as SQLAlchemy translates it (``IntegrityError``,
``OperationalError``...), which the writer tells apart; no engine event listens to single
statements. Only where that changes nothing: SQLite, rows that give every column of the
table (no default for SQLAlchemy to fill in), and columns whose bind processing SQLite does
itself (bytes go in as they are, a REAL or INTEGER column's affinity makes floats of ints
and ints of booleans); else ``conn.execute``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Float, LargeBinary, Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import ValuesBase

Compiled = tuple[str, Callable[[dict[str, Any]], Any]] | None
_PLAIN = (LargeBinary, Float, Boolean)  # processors SQLite's affinity makes redundant


def _processed(table: Table, dialect: Dialect) -> bool:
    """Whether some column's type changes a value on its way that SQLite would not."""
    for column in table.c:
        if isinstance(column.type, _PLAIN):
            continue
        if column.type._cached_bind_processor(dialect) is not None:
            return True
    return False


@functools.lru_cache(maxsize=64)
def _compile(dialect: Dialect, stmt: ValuesBase, keys: tuple[str, ...]) -> Compiled:
    table = stmt.table
    if not isinstance(table, Table) or set(keys) != set(table.c.keys()):
        return None
    if dialect.positional is False or _processed(table, dialect):
        return None
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    names = compiled.positiontup
    if not names or not set(names) <= set(keys):
        return None
    getter = itemgetter(*names)
    if len(names) == 1:
        return compiled.string, lambda row: (getter(row),)
    return compiled.string, getter


def bulk_execute(conn: Connection, stmt: ValuesBase, rows: Sequence[dict[str, Any]]) -> None:
    """``conn.execute(stmt, rows)`` for an insert or upsert of whole rows, without the
    per-row parameter building where the driver takes the rows as they are."""
    if not rows:
        return
    plan = _compile(conn.dialect, stmt, tuple(rows[0])) if conn.dialect.name == "sqlite" else None
    try:
        params = [plan[1](r) for r in rows] if plan is not None else None
    except KeyError:  # a row short of a column: SQLAlchemy fills in its default
        params = None
    if plan is None or params is None:
        conn.execute(stmt, list(rows))
        return
    dbapi = conn.dialect.loaded_dbapi
    try:
        conn.connection.driver_connection.executemany(plan[0], params)  # type: ignore[union-attr]
    except dbapi.Error as exc:
        raise sa_exc.DBAPIError.instance(
            plan[0], params, exc, dbapi.Error, dialect=conn.dialect
        ) from exc
