"""The trace writer's rollups kept in memory between flushes: each batch of traces is
inserted (and noted in the ledger, ``reports/rollup_ledger.py``) in its own transaction,
its increments are merged in memory with the batches before it, and every ``interval``
seconds (and at shutdown) they are added to the rollup tables in one upsert per key. A busy
hour costs one upsert per key and interval, not per batch.

    buffer = RollupBuffer(Folder(term_hash, questions, user_key), interval=2.0)
    writer = TraceWriter(store, cipher, store_rows=buffer)

What the readers see: every trace the writer has stored is in the rollups at most
``interval`` later (plus the writer's own batch interval, ``STANCHION_TRACE_FLUSH_MS``). A
process killed with increments in memory leaves its registration and noted batches in the
ledger; they are counted from the stored traces by the next process of the same host to
start (at once: the dead process's id is gone) or by any running writer once the
registration is ``stale`` seconds old, so the rollups equal a recount of the traces either
way. Replicas add up: every increment is an additive upsert.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from stanchion.reports.rollup import (
    REBUILD_COLUMNS,
    Batch,
    Folder,
    Noted,
    apply_all,
    insert_traces,
)
from stanchion.reports.rollup_ledger import Writer, claim, claimable, here, note, register, release
from stanchion.reports.rollup_privacy import forget_erased
from stanchion.store.schema import traces
from stanchion.store.trace_notes import RowNotes

log = logging.getLogger("stanchion.rollups")
PROCESS = secrets.token_hex(6)  # this process's token in every registration it makes
CHUNK = 500  # trace ids per look-up when noted traces are counted from the store


class _TakenOver(Exception):
    """A flush found its registration claimed: nothing of it is written."""


@dataclass(frozen=True, slots=True)
class _Staged:
    """A batch's new traces, written in a transaction not known to be committed yet."""

    writer: Writer
    seq: int
    rows: list[Noted]


class RollupBuffer:
    """A ``TraceWriter`` sink (``store/trace_writer.py: Sink``): ``write`` in each batch's
    transaction, ``committed`` after it, ``tick`` on the writer thread between batches."""

    def __init__(
        self,
        folder: Folder,
        interval: float = 2.0,
        *,
        stale: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder, self.interval, self.clock = folder, interval, clock
        self.stale = stale if stale is not None else max(30.0, 10 * interval)
        self.recover_every = self.stale / 2
        self.instance = f"{PROCESS}.{secrets.token_hex(6)}"
        self.host, self.pid = here()
        self.writer: Writer | None = None  # registered while it holds increments
        self.buffered = 0  # traces in memory, not in the rollups yet
        self.recounted = 0  # traces of stopped writers counted from the store
        self.failing = False  # the last flush or look-up failed
        self._mem: dict[str, Batch] = {}
        self._held: set[int] = set()
        self._seq = 0
        self._staged: _Staged | None = None
        self._due = 0.0  # the clock's time of the next flush
        self._recover_due = 0.0  # and of the next look for stopped writers

    def write(
        self,
        conn: Connection,
        rows: Sequence[dict[str, Any]],
        notes: Sequence[RowNotes | None] = (),
        fresh: bool = False,
    ) -> None:
        """Insert the traces not stored yet and note exactly those, in the caller's
        transaction; their increments wait for ``committed``."""
        if self._staged is not None:  # the last write's commit failed, or its reply was
            self._recover_due = 0.0  # lost: if it did commit, its noted batch is left over
        self._staged = None
        new = insert_traces(conn, rows, notes, fresh)
        if not new:
            return
        writer = self.writer
        if writer is None:
            writer = Writer(secrets.token_hex(16), self.instance, self.host, self.pid, self.clock())
            register(conn, writer)
        self._seq += 1
        note(conn, writer.id, self._seq, (r["id"] for r, _ in new))
        self._staged = _Staged(writer, self._seq, new)

    def committed(self) -> None:
        """The last ``write``'s transaction committed: its increments join the buffer."""
        staged, self._staged = self._staged, None
        if staged is None:
            return
        if self.writer is None:
            self.writer = staged.writer
            self._due = self.clock() + self.interval
        self._held.add(staged.seq)
        self.buffered += len(staged.rows)
        self.folder.fold(self._mem, staged.rows)

    def tick(self, engine: Engine, closing: bool = False) -> None:
        """Flush when due (or closing); look for stopped writers when that is due."""
        now = self.clock()
        if self.writer is not None and (closing or now >= self._due):
            self._guarded(self.flush, engine, "adding the buffered rollups")
        if not closing and now >= self._recover_due:
            self._recover_due = now + self.recover_every
            self._guarded(self.recover, engine, "counting stopped writers' traces")

    def _guarded(self, fn: Callable[[Engine], None], engine: Engine, what: str) -> None:
        try:
            fn(engine)
        except Exception as exc:  # the store away: the ledger keeps it all, try again later
            self._due = self.clock() + min(self.interval, 1.0)
            if not self.failing:  # once per outage, as the trace writer says it
                log.warning("%s failed (%s: %s); trying again", what, type(exc).__name__, exc)
            self.failing = True
        else:
            self.failing = False

    def flush(self, engine: Engine) -> None:
        """Add the buffer to the rollups and end the registration, in one transaction."""
        writer = self.writer
        if writer is None:
            return
        try:
            with engine.begin() as conn:
                noted = release(conn, writer.id)
                if noted is None or self._held - noted.keys():
                    raise _TakenOver
                forget_erased(conn, self._mem, self.folder.user_key, writer.since)
                apply_all(conn, self._mem)
                extra = [i for seq in sorted(noted.keys() - self._held) for i in noted[seq]]
                self._recount(conn, extra)
        except _TakenOver:
            # another process claimed it and counted its noted batches from the store
            # (or, should the ledger miss a batch, what is left is recounted as this
            # buffer's own leftover): the buffer is dropped either way
            log.warning("rollup writer %s was taken over; its buffer is dropped", writer.id)
        self.writer, self._mem, self._held, self.buffered = None, {}, set(), 0

    def recover(self, engine: Engine) -> None:
        """Count the noted traces of writers that stopped before their flush."""
        now = self.clock()
        me = self.writer or Writer("", self.instance, self.host, self.pid, now)
        with engine.connect() as conn:
            found = claimable(conn, me, now - self.stale)
        for writer_id, stale in found:
            with engine.begin() as conn:
                ids = claim(conn, writer_id, now - self.stale if stale else None)
                self._recount(conn, ids)
            if ids:
                self.recounted += len(ids)
                log.warning(
                    "rollup writer %s stopped before adding %d traces; counted them from the store",
                    writer_id,
                    len(ids),
                )

    def _recount(self, conn: Connection, ids: list[str]) -> None:
        if not ids:
            return
        per_app: dict[str, Batch] = {}
        cols = [traces.c[c] for c in (*REBUILD_COLUMNS, "response_enc")]
        oldest = float("inf")
        for i in range(0, len(ids), CHUNK):
            found = conn.execute(select(*cols).where(traces.c.id.in_(ids[i : i + CHUNK])))
            rows = [dict(r) for r in found.mappings()]
            oldest = min([oldest, *(float(r["created_at"]) for r in rows)])
            self.folder.fold(per_app, ((r, None) for r in rows))
        forget_erased(conn, per_app, self.folder.user_key, oldest)
        apply_all(conn, per_app)
