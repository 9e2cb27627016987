"""Where the audit chain's signed head is kept: outside the audit table, so that deleting the
newest events (or all of them) leaves a witness the table's owner cannot rewrite.

Two places, chosen by the setting ``STANCHION_AUDIT_CHECKPOINT``: a file (the default,
``<app>/.stanchion/audit.checkpoint``) or, given a database URL, a table in a second store
(replicas on several hosts share one witness that way). Both only ever move forward::

    where = open_checkpoints("/srv/app/.stanchion/audit.checkpoint", app="shop")
    where.advance(12, b'{"seq": 12, ...}')
    assert where.read() == b'{"seq": 12, ...}'

The stores hold opaque signed bytes; ``store/audit.py`` signs and checks them.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

import orjson
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.exc import IntegrityError

from stanchion.store.files import private_dir, private_file, write_private


class Checkpoints(Protocol):
    """One app's witness of the audit head."""

    where: str

    def read(self) -> bytes | None:
        """The last checkpoint written, or None when there is none."""
        ...

    def advance(self, seq: int, data: bytes) -> None:
        """Store ``data`` for head ``seq`` unless a checkpoint at ``seq`` or later is there."""
        ...

    def reset(self, seq: int, data: bytes) -> None:
        """Store ``data`` whatever is there (an operator accepting the current head)."""
        ...


def _seq_of(data: bytes | None) -> int:
    try:
        return int(orjson.loads(data or b"{}").get("seq", -1))
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return -1


class FileCheckpoints:
    """A 0600 file replaced atomically, under an advisory lock shared by local processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def _write(self, seq: int, data: bytes, *, forward_only: bool) -> None:
        private_dir(self.path.parent)
        lock = private_file(self.path.with_name(self.path.name + ".lock"), folder=False)
        fd = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not forward_only or _seq_of(self.read()) < seq:
                write_private(self.path, data)
        finally:
            os.close(fd)

    def advance(self, seq: int, data: bytes) -> None:
        self._write(seq, data, forward_only=True)

    def reset(self, seq: int, data: bytes) -> None:
        self._write(seq, data, forward_only=False)


_meta = MetaData()
checkpoint_table = Table(
    "stanchion_audit_checkpoints",
    _meta,
    Column("name", String(100), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("body", Text, nullable=False),
)


class SqlCheckpoints:
    """A row per app in a second database (its own engine; the table is made on first use)."""

    def __init__(self, url: str, name: str) -> None:
        from stanchion.store.db import normalize_url

        url = normalize_url(url)
        if url.startswith("sqlite:///") and ":memory:" not in url:
            private_file(Path(url.split("///", 1)[1]))
        self.engine = create_engine(url)
        self.name = name
        self.where = url.split("@")[-1] if "@" in url else url
        self._made = False

    def _table(self) -> Table:
        if not self._made:
            _meta.create_all(self.engine, checkfirst=True)
            self._made = True
        return checkpoint_table

    def read(self) -> bytes | None:
        t = self._table()
        with self.engine.connect() as conn:
            body = conn.execute(select(t.c.body).where(t.c.name == self.name)).scalar()
        return None if body is None else str(body).encode()

    def _write(self, seq: int, data: bytes, *, forward_only: bool) -> None:
        t = self._table()
        cond = t.c.name == self.name
        if forward_only:
            cond = cond & (t.c.seq < seq)
        values = {"seq": seq, "body": data.decode()}
        with self.engine.begin() as conn:
            if conn.execute(t.update().where(cond).values(**values)).rowcount:
                return
            if conn.execute(select(t.c.seq).where(t.c.name == self.name)).first() is not None:
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(t.insert().values(name=self.name, **values))
        except IntegrityError:
            self._write(seq, data, forward_only=forward_only)

    def advance(self, seq: int, data: bytes) -> None:
        self._write(seq, data, forward_only=True)

    def reset(self, seq: int, data: bytes) -> None:
        self._write(seq, data, forward_only=False)

    def dispose(self) -> None:
        self.engine.dispose()


def open_checkpoints(location: str, app: str) -> Checkpoints:
    """A database URL names a second store; anything else is a file path."""
    if "://" in location:
        return SqlCheckpoints(location, app)
    return FileCheckpoints(Path(location))
