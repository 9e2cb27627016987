"""The trace writer: traces leave the request path through a queue and are written in
batches by one thread, so a request never waits on the database.

Durability: ``submit`` first appends the sealed trace to the local spool (``store/spool.py``),
so a killed process loses nothing: the next start replays what the store did not take.
Inserts skip ids already stored, so a replay never duplicates.

Failures, by kind:
- the store is unreachable (down, refused, read-only, locked, its tables missing): the batch
  waits and is retried with a capped backoff; the traces stay in the spool meanwhile;
- the store refuses a row (a value the driver rejects): the batch is split, each row is
  retried on its own, and a row that still fails is set aside, sealed, in
  ``trace_dead_letters`` (``stanchion traces dead-letters``, metric
  ``stanchion_trace_dead_letters_total``); the other rows of its batch are stored.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy.engine import Connection, Engine

from stanchion.pipeline.exchange import Exchange
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store, refused
from stanchion.store.schema import trace_dead_letters, traces
from stanchion.store.spool import Segment, Spool
from stanchion.store.trace_notes import RowNotes
from stanchion.store.traces import insert_new, noted_row, open_record, seal_record
from stanchion.telemetry.metrics import Metrics

log = logging.getLogger("stanchion.traces")

_STOP = object()


def _reason(exc: BaseException) -> str:
    """The driver's own first line: never the statement or its parameters."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).splitlines()
    return f"{type(orig).__name__}: {lines[0] if lines else ''}"[:500]


@dataclass(slots=True)
class Pending:
    """A trace on its way to the store; ``row`` is None for a spool record that no longer
    opens (it goes straight to the dead letters, as it was)."""

    row: dict[str, Any] | None
    segment: Segment | None
    record: bytes | None = None
    error: str = ""
    attempts: int = 0
    notes: RowNotes | None = None  # None for a replayed spool record
    tried: bool = False  # handed to the store once already (it may hold the row now)

    @property
    def trace_id(self) -> str:
        if self.row is not None:
            return str(self.row["id"])
        return "unreadable-" + hashlib.sha256(self.record or b"").hexdigest()[:28]


def store_new(
    conn: Connection,
    rows: Sequence[dict[str, Any]],
    notes: Sequence[RowNotes | None] = (),
    fresh: bool = False,
) -> None:
    insert_new(conn, traces, rows)


# (connection, rows, each row's notes or None, whether no row can be stored already):
# inserts the rows
StoreRows = Callable[[Connection, Sequence[dict[str, Any]], Sequence[RowNotes | None], bool], None]


class Sink(Protocol):
    """Where batches go: ``write`` in each batch's transaction, ``committed`` once it has
    committed, ``tick`` on the writer thread between batches and once more when closing
    (work kept past a batch's transaction: the rollup buffer, ``reports/rollup_buffer.py``)."""

    def write(
        self,
        conn: Connection,
        rows: Sequence[dict[str, Any]],
        notes: Sequence[RowNotes | None],
        fresh: bool,
    ) -> None: ...

    def committed(self) -> None: ...

    def tick(self, engine: Engine, closing: bool = False) -> None: ...


@dataclass(frozen=True, slots=True)
class Plain:
    """A sink whose writes are whole in their transaction."""

    fn: StoreRows = store_new

    def write(
        self,
        conn: Connection,
        rows: Sequence[dict[str, Any]],
        notes: Sequence[RowNotes | None],
        fresh: bool,
    ) -> None:
        self.fn(conn, rows, notes, fresh)

    def committed(self) -> None:
        """Nothing waits for the commit."""

    def tick(self, engine: Engine, closing: bool = False) -> None:
        """Nothing to flush."""


class _GaveUp(Exception):
    """Closing while the store is unreachable: what is left stays in the spool."""


class TraceWriter:
    """Spools each trace, then batches them into inserts on a daemon thread."""

    def __init__(
        self,
        store: Store,
        cipher: Cipher,
        *,
        spool: Spool | None = None,
        metrics: Metrics | None = None,
        batch: int = 256,
        flush_ms: float = 50.0,
        row_attempts: int = 3,
        max_backoff: float = 2.0,
        on_written: Callable[[int], None] | None = None,
        store_rows: StoreRows | Sink = store_new,
        reseal: Callable[[Connection, list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.store, self.cipher, self.spool, self.metrics = store, cipher, spool, metrics
        self.reseal = reseal  # content moved under each user's key as it is written
        self.batch, self.flush_s = batch, flush_ms / 1000
        self.row_attempts, self.max_backoff = row_attempts, max_backoff
        self.on_written = on_written
        # the runtime's also maintains the report rollups
        self.sink: Sink = Plain(store_rows) if callable(store_rows) else store_rows
        if metrics is not None:  # present from the first scrape, before any trace is written
            metrics.inc("stanchion_traces_written_total", (), 0)
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="stanchion-traces", daemon=True)
        self._closing = False
        self._closed = False
        self._due = 0.0  # monotonic time before which the next batch is not started
        self.written = self.dead = self.failed = self.replayed = 0
        self.outage = False
        self.replay_done = threading.Event()
        self._thread.start()

    def submit(self, ex: Exchange) -> None:
        """Spool the trace (raises ``SpoolFull`` when the spool is at its limit) and queue it.
        With subject keys, the row and its spooled copy are sealed under the user's key."""
        sealer = self.cipher.cached_for(ex.principal.user if ex.principal else None)
        row, notes = noted_row(ex, sealer)
        segment = None
        if self.spool is not None:
            segment, _ = self.spool.append(seal_record(row, sealer))
        self._q.put(Pending(row, segment, notes=notes))

    async def commit(self, ex: Exchange) -> None:
        """``submit``, and with ``durability: fsync`` wait for the group commit to disk."""
        self.submit(ex)
        if self.spool is not None and self.spool.syncer is not None:
            await self.spool.syncer.wait()

    def _take(self) -> tuple[list[Pending], bool]:
        """The next batch: what arrived during the last flush interval, at most ``batch``.
        The thread polls the queue rather than waiting on it, so a request's ``put`` never
        wakes it: a wake-up per batch (a GIL hand-off in the middle of a request) cost the
        request path more than writing the traces did. Batches start at most once per
        interval (unless the last one was full): taking whatever arrived while the last
        batch was written made batches of a few traces under load, and each batch has a
        fixed cost (a transaction, the rollup upserts) of several traces' worth."""
        wait = self._due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        while self._q.empty():
            time.sleep(max(self.flush_s, 0.001))
            self.sink.tick(self.store.engine)
        items: list[Pending] = []
        while len(items) < self.batch:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return items, True
            items.append(item)
        full = len(items) >= self.batch
        self._due = time.monotonic() + (0.0 if full else self.flush_s)
        return items, False

    def _loop(self) -> None:
        try:
            self._replay()
        except _GaveUp:
            pass
        except Exception:
            log.exception("replaying the trace spool failed; its segments stay for the next start")
        finally:
            self.replay_done.set()
        self.sink.tick(self.store.engine)  # a stopped writer's rollups counted at start
        stop = False
        while not stop:
            items, stop = self._take()
            try:
                if items:
                    self._write(items)
            except _GaveUp:
                continue
            except Exception:
                self.failed += len(items)
                log.exception("writing %d traces failed; they stay in the spool", len(items))
            self.sink.tick(self.store.engine, closing=stop)

    def _replay(self) -> None:
        """Write what dead processes left in the spool (already stored ids are skipped)."""
        if self.spool is None:
            return
        for segment, records in self.spool.orphans():
            items = [self._reopen(r, segment) for r in records]
            for i in range(0, len(items), self.batch):
                self._write(items[i : i + self.batch])
                self.sink.tick(self.store.engine)
            self.replayed += len(items)
        if self.replayed:
            log.warning("replayed %d traces from the spool", self.replayed)

    def _reopen(self, record: bytes, segment: Segment) -> Pending:
        try:
            row = open_record(record, self.cipher)
            row.setdefault("cohort", None)  # spooled before traces had a cohort
            return Pending(row, segment)
        except Exception as exc:
            return Pending(None, segment, record, f"unreadable spool record: {_reason(exc)}")

    def _write(self, items: list[Pending]) -> None:
        good = [p for p in items if p.row is not None]
        if good:
            error = self._attempt(lambda conn: self._insert(conn, good))
            if error is None:
                self.sink.committed()
                self._stored(good)
            else:
                self._isolate(good)
        for p in items:
            if p.row is None:
                self._dead(p)

    def _insert(self, conn: Connection, items: list[Pending]) -> None:
        rows = [p.row for p in items if p.row is not None]
        # Fresh: submitted by this process and never handed to the store, so none of the
        # rows can be stored yet (a replayed record, or a batch retried after an error that
        # may have come after its commit, may be).
        fresh = all(p.notes is not None and not p.tried for p in items)
        for p in items:
            p.tried = True
        if self.reseal is not None:
            self.reseal(conn, rows)
        self.sink.write(conn, rows, [p.notes for p in items if p.row is not None], fresh)

    def _attempt(self, fn: Callable[[Connection], None]) -> Exception | None:
        """Run ``fn`` in a transaction; an unreachable store is waited for, a refusal returned."""
        backoff = 0.05
        while True:
            try:
                with self.store.engine.begin() as conn:
                    fn(conn)
            except Exception as exc:
                if refused(exc):
                    return exc
                self._unreachable(exc)
                time.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if self.outage:
                self.outage = False
                log.warning("the store is reachable again; writing the spooled traces")
            return None

    def _unreachable(self, exc: Exception) -> None:
        if not self.outage:
            self.outage = True
            log.error("the store is unreachable (%s); traces wait in the spool", _reason(exc))
        if self._closing and self.spool is not None:
            raise _GaveUp from exc

    def _isolate(self, items: list[Pending]) -> None:
        """One refused row must not cost its batch: each row alone, a few times."""
        for p in items:
            for _ in range(self.row_attempts):
                p.attempts += 1
                error = self._attempt(partial(self._insert, items=[p]))
                if error is None:
                    self.sink.committed()
                    self._stored([p])
                    break
                p.error = _reason(error)
            else:
                self._dead(p)

    def _dead(self, p: Pending) -> None:
        row = p.row or {}
        sealer = self.cipher.cached_for(row.get("user"))
        record = p.record if p.record is not None else seal_record(row, sealer)
        app = str(row.get("app", ""))
        letter = {
            "id": p.trace_id,
            "app": app,
            "at": time.time(),
            "attempts": p.attempts,
            "error": p.error or "unknown",
            "record": record,
        }
        error = self._attempt(lambda conn: insert_new(conn, trace_dead_letters, [letter]))
        if error is not None:
            self.failed += 1
            log.error(
                "trace %s: no dead letter either (%s); kept in the spool",
                p.trace_id,
                _reason(error),
            )
            return
        self.dead += 1
        if self.metrics is not None:
            self.metrics.inc("stanchion_trace_dead_letters_total", (("app", app),))
        log.error(
            "trace %s set aside as a dead letter after %d attempts: %s",
            p.trace_id,
            p.attempts,
            p.error,
        )
        if self.spool is not None:
            self.spool.done([p.segment])

    def _stored(self, items: list[Pending]) -> None:
        self.written += len(items)
        if self.metrics is not None:
            self.metrics.inc("stanchion_traces_written_total", (), len(items))
            if self.spool is not None:
                self.metrics.set_gauge("stanchion_trace_queue_depth", self.spool.pending())
        if self.spool is not None:
            self.spool.done(p.segment for p in items)
        if self.on_written:
            self.on_written(len(items))

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued (or leave it in the spool if the store is away), then stop."""
        if self._closed:
            return
        self._closed = self._closing = True
        self._q.put(_STOP)
        self._thread.join(timeout)
        if self.spool is not None:
            self.spool.close()
