"""store/bulk.py on SQLite: rows go to the driver inside the caller's transaction, and the
driver's errors come back as SQLAlchemy's, so the trace writer still tells a refused row
(set aside) from a store that is away (waited for)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, create_engine, select
from sqlalchemy import exc as sa_exc

from stanchion.store.bulk import bulk_execute
from stanchion.store.db import refused, unreachable

META = MetaData()
ROWS = Table(
    "rows",
    META,
    Column("id", String, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("blob", LargeBinary),
)


def _stored(engine: object) -> list[tuple[str, int, bytes | None]]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return [tuple(r) for r in conn.execute(select(ROWS).order_by(ROWS.c.id))]


def test_rows_in_the_transaction_and_errors_as_sqlalchemy_raises_them(tmp_path: Path) -> None:
    path = tmp_path / "bulk.db"
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    META.create_all(engine)
    with engine.begin() as conn:
        bulk_execute(conn, ROWS.insert(), [{"id": "a", "n": 1, "blob": b"\x00x"}])
        bulk_execute(conn, ROWS.insert(), [{"id": "b", "n": 2, "blob": None}])
    assert _stored(engine) == [("a", 1, b"\x00x"), ("b", 2, None)]

    with pytest.raises(sa_exc.IntegrityError) as dup, engine.begin() as conn:
        bulk_execute(conn, ROWS.insert(), [{"id": "c", "n": 3, "blob": None}])
        bulk_execute(conn, ROWS.insert(), [{"id": "a", "n": 9, "blob": None}])
    assert refused(dup.value) and not unreachable(dup.value)
    assert _stored(engine) == [("a", 1, b"\x00x"), ("b", 2, None)]  # "c" rolled back with it

    with pytest.raises(sa_exc.IntegrityError), engine.begin() as conn:
        bulk_execute(conn, ROWS.insert(), [{"id": "d", "n": None, "blob": None}])

    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        with pytest.raises(sa_exc.OperationalError) as locked, engine.begin() as conn:
            bulk_execute(conn, ROWS.insert(), [{"id": "e", "n": 5, "blob": None}])
    finally:
        other.rollback()
        other.close()
    assert unreachable(locked.value) and not refused(locked.value)
    with engine.begin() as conn:
        bulk_execute(conn, ROWS.insert(), [{"id": "e", "n": 5, "blob": None}])
    assert [r[0] for r in _stored(engine)] == ["a", "b", "e"]
    engine.dispose()
