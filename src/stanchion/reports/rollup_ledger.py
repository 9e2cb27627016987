"""Which stored traces a writer process holds in its rollup buffer and has not added to the
rollups yet (``reports/rollup_buffer.py``): what makes buffering exact when a process dies.

    register(conn, writer)                  # with its first batch after a flush
    note(conn, writer.id, seq, trace_ids)   # in each batch's transaction, beside its traces
    release(conn, writer.id)                # in the flush's transaction: {seq: ids} or None
    claim(conn, writer_id, before)          # another process takes over a dead writer's ids

A writer is registered exactly while it holds increments: its row goes in with its first
batch and out with its flush, which also deletes the batches it noted. Whoever deletes a
writer's row first owns its noted batches: the writer (it adds its buffer) or a process that
claims it (it recounts the noted traces from the store); the other finds the row gone, and a
writer that finds it gone drops its buffer. Every decision is one row's delete, which
PostgreSQL serialises with a row lock and SQLite with its one writer, so no trace is counted
twice or lost whatever the clocks say; the clocks only decide when a silent writer is taken
for dead.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Double,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
)

from stanchion.store.bulk import bulk_execute
from stanchion.store.schema import metadata

rollup_writers = Table(
    "rollup_writers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("instance", String(40), nullable=False),  # "<process>.<buffer>" tokens
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("since", Double, nullable=False),  # registered at (the writer's clock)
)
rollup_pending = Table(
    "rollup_pending",
    metadata,
    Column("writer", String(40), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("ids", Text, nullable=False),  # the batch's new trace ids, one a line
)


@dataclass(frozen=True, slots=True)
class Writer:
    id: str
    instance: str
    host: str
    pid: int
    since: float


def here() -> tuple[str, int]:
    """This process's host name and id, as a registration records them."""
    return socket.gethostname()[:255], os.getpid()


def alive(pid: int) -> bool:
    """Whether a process of this host has that id (another user's process counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Statements built once, their values bound per call: building and keying a statement cost
# more than running it, and the flush runs these every interval.
_REGISTER = insert(rollup_writers)
_NOTE = insert(rollup_pending)
_W, _P = rollup_writers.c, rollup_pending.c
_RELEASE = delete(rollup_writers).where(_W.id == bindparam("w"))
_TAKE = (
    delete(rollup_pending)
    .where(_P.writer == bindparam("w"), ~exists().where(_W.id == bindparam("w")))
    .returning(_P.seq, _P.ids)
)


def register(conn: Connection, writer: Writer) -> None:
    row = {
        "id": writer.id,
        "instance": writer.instance,
        "host": writer.host,
        "pid": writer.pid,
        "since": writer.since,
    }
    bulk_execute(conn, _REGISTER, [row])


def note(conn: Connection, writer_id: str, seq: int, trace_ids: Iterable[str]) -> None:
    bulk_execute(conn, _NOTE, [{"writer": writer_id, "seq": seq, "ids": "\n".join(trace_ids)}])


def _take(conn: Connection, writer_id: str) -> dict[int, list[str]]:
    """Delete the writer's noted batches, if its row is gone (deleted by the caller's
    transaction or before it), and return them."""
    return {int(seq): ids.split("\n") for seq, ids in conn.execute(_TAKE, {"w": writer_id})}


def release(conn: Connection, writer_id: str) -> dict[int, list[str]] | None:
    """The writer's own flush: its row and noted batches deleted, the batches returned;
    None when another process claimed it (the caller's buffer is counted already)."""
    done = conn.execute(_RELEASE, {"w": writer_id})
    if done.rowcount != 1:
        return None
    return _take(conn, writer_id)


def claim(conn: Connection, writer_id: str, before: float | None) -> list[str]:
    """Take over a writer: its row deleted (only if registered before ``before``, when
    given: it may have flushed since it was listed) and the trace ids of its noted batches
    returned, for the caller to count in this transaction. Empty when it flushed, or
    another process claimed it, meanwhile."""
    w = rollup_writers.c
    cond = w.id == writer_id if before is None else and_(w.id == writer_id, w.since < before)
    conn.execute(delete(rollup_writers).where(cond))
    taken = _take(conn, writer_id)
    return [i for seq in sorted(taken) for i in taken[seq] if i]


def claimable(conn: Connection, me: Writer, stale_before: float) -> list[tuple[str, bool]]:
    """Writers another process may take over, each with whether it needs to be stale still
    when claimed: registered before ``stale_before`` (a silent writer, on any host), of a
    dead process of this host (a restarted container's process often has its predecessor's
    id: a process token in ``instance`` tells them apart), of this buffer but not its
    current registration, and ids with noted batches and no writer row."""
    w, p = rollup_writers.c, rollup_pending.c
    rows = conn.execute(
        select(w.id, w.instance, w.host, w.pid, w.since).where(
            w.id != me.id, or_(w.since < stale_before, w.host == me.host)
        )
    ).all()
    out: list[tuple[str, bool]] = []
    process = me.instance.split(".")[0]
    for wid, instance, host, pid, since in rows:
        if host == me.host and (
            instance == me.instance  # this buffer's own, from a commit whose reply was lost
            or (pid == me.pid and not instance.startswith(process + "."))  # id reused
            or (pid != me.pid and not alive(pid))
        ):
            out.append((wid, False))
        elif since < stale_before:
            out.append((wid, True))
    orphans = select(p.writer).where(~exists().where(w.id == p.writer)).distinct()
    out += [(str(wid), False) for wid in conn.execute(orphans).scalars()]
    return out
