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

import functools
import hashlib
import json
import logging
import queue
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from stanchion.errors import CryptoError
from stanchion.pipeline.exchange import Exchange
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store, refused
from stanchion.store.schema import trace_dead_letters, traces
from stanchion.store.spool import Segment, Spool
from stanchion.store.trace_notes import merge_notes, split_notes
from stanchion.telemetry.metrics import Metrics

log = logging.getLogger("stanchion.traces")
_STOP = object()
_BLOBS = ("request_enc", "response_enc")
_LENS = struct.Struct(">II")
_INSERTS: dict[str, Callable[[Table], Any]] = {"sqlite": sqlite_insert, "postgresql": pg_insert}


def _dumpb(value: Any) -> bytes:
    """JSON bytes; past orjson's limits (254 levels, 64-bit ints) the standard library."""
    try:
        return orjson.dumps(value, default=str)
    except orjson.JSONEncodeError:
        try:
            return json.dumps(value, default=str).encode()
        except (RecursionError, ValueError, TypeError) as exc:
            return orjson.dumps({"unserializable": type(exc).__name__})


def _dumps(value: Any) -> str:
    return _dumpb(value).decode()


def trace_row(ex: Exchange, cipher: Cipher) -> dict[str, Any]:
    """The stored form of an exchange: content sealed, findings as offsets only."""
    comp = ex.completion
    principal = ex.principal
    request = {"messages": ex.request.messages, "params": ex.request.params}
    response: dict[str, Any] = {
        "content": ex.response_text,
        "passages": [p.to_record() for p in ex.passages],
    }
    if ex.tool_calls:  # what the caller got to execute (sealed, like the content)
        response["tool_calls"] = ex.tool_calls
    annotations, notes = split_notes(ex.annotations)
    if notes:
        response["notes"] = notes
    return {
        "id": ex.id,
        "app": ex.app,
        "created_at": ex.started,
        "key_id": principal.key_id if principal else None,
        "user": principal.user if principal else None,
        "status": ex.status,
        "decision": ex.decision,
        "stream": ex.request.stream,
        "route": ex.route,
        "provider": comp.provider if comp else None,
        "model": comp.model if comp else None,
        "prompt_id": ex.prompt_id,
        "prompt_tokens": comp.usage.prompt_tokens if comp else 0,
        "completion_tokens": comp.usage.completion_tokens if comp else 0,
        "cost": ex.cost,
        "latency_ms": sum(ex.timings.values()),
        "timings": _dumps(ex.timings),
        "findings": _dumps([f.to_record() for f in ex.findings]),
        "annotations": _dumps(annotations),
        "request_enc": cipher.encrypt(_dumpb(request)),
        "response_enc": cipher.encrypt(_dumpb(response)),
        "error": ex.error,
        "cohort": ex.cohort,
    }


def seal_record(row: dict[str, Any], cipher: Cipher) -> bytes:
    """A trace row as the spool and the dead letters keep it: every byte sealed."""
    meta = cipher.encrypt(_dumpb({k: v for k, v in row.items() if k not in _BLOBS}))
    req, resp = row.get("request_enc") or b"", row.get("response_enc") or b""
    return _LENS.pack(len(meta), len(req)) + meta + req + resp


def open_record(blob: bytes, cipher: Cipher) -> dict[str, Any]:
    n_meta, n_req = _LENS.unpack_from(blob)
    start = _LENS.size
    row: dict[str, Any] = orjson.loads(cipher.decrypt(blob[start : start + n_meta]))
    req = blob[start + n_meta : start + n_meta + n_req]
    resp = blob[start + n_meta + n_req :]
    row["request_enc"], row["response_enc"] = req or None, resp or None
    return row


@functools.cache
def _insert_new_stmt(dialect: str, table: Table) -> Any:
    make = _INSERTS.get(dialect)
    return make(table).on_conflict_do_nothing() if make else table.insert()


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert, skipping rows whose primary key is already stored (replays are no-ops)."""
    conn.execute(_insert_new_stmt(conn.dialect.name, table), list(rows))


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

    @property
    def trace_id(self) -> str:
        if self.row is not None:
            return str(self.row["id"])
        return "unreadable-" + hashlib.sha256(self.record or b"").hexdigest()[:28]


def store_new(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    insert_new(conn, traces, rows)


StoreRows = Callable[[Connection, Sequence[dict[str, Any]]], None]


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
        store_rows: StoreRows = store_new,
        reseal: Callable[[Connection, list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.store, self.cipher, self.spool, self.metrics = store, cipher, spool, metrics
        self.reseal = reseal  # content moved under each user's key as it is written
        self.batch, self.flush_s = batch, flush_ms / 1000
        self.row_attempts, self.max_backoff = row_attempts, max_backoff
        self.on_written = on_written
        self.store_rows = store_rows  # the runtime's also maintains the report rollups
        if metrics is not None:  # present from the first scrape, before any trace is written
            metrics.inc("stanchion_traces_written_total", (), 0)
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="stanchion-traces", daemon=True)
        self._closing = False
        self._closed = False
        self.written = self.dead = self.failed = self.replayed = 0
        self.outage = False
        self.replay_done = threading.Event()
        self._thread.start()

    def submit(self, ex: Exchange) -> None:
        """Spool the trace (raises ``SpoolFull`` when the spool is at its limit) and queue it.
        With subject keys, the row and its spooled copy are sealed under the user's key."""
        sealer = self.cipher.cached_for(ex.principal.user if ex.principal else None)
        row = trace_row(ex, sealer)
        segment = None
        if self.spool is not None:
            segment, _ = self.spool.append(seal_record(row, sealer))
        self._q.put(Pending(row, segment))

    async def commit(self, ex: Exchange) -> None:
        """``submit``, and with ``durability: fsync`` wait for the group commit to disk."""
        self.submit(ex)
        if self.spool is not None and self.spool.syncer is not None:
            await self.spool.syncer.wait()

    def _take(self) -> tuple[list[Pending], bool]:
        """The next batch: what arrived during the last flush interval, at most ``batch``.
        The thread polls the queue rather than waiting on it, so a request's ``put`` never
        wakes it: a wake-up per batch (a GIL hand-off in the middle of a request) cost the
        request path more than writing the traces did."""
        while self._q.empty():
            time.sleep(max(self.flush_s, 0.001))
        items: list[Pending] = []
        while len(items) < self.batch:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return items, True
            items.append(item)
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

    def _replay(self) -> None:
        """Write what dead processes left in the spool (already stored ids are skipped)."""
        if self.spool is None:
            return
        for segment, records in self.spool.orphans():
            items = [self._reopen(r, segment) for r in records]
            for i in range(0, len(items), self.batch):
                self._write(items[i : i + self.batch])
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
        rows = [p.row for p in good if p.row is not None]
        if good:
            error = self._attempt(lambda conn: self._insert(conn, rows))
            if error is None:
                self._stored(good)
            else:
                self._isolate(good)
        for p in items:
            if p.row is None:
                self._dead(p)

    def _insert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if self.reseal is not None:
            self.reseal(conn, rows)
        self.store_rows(conn, rows)

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
                error = self._attempt(partial(self._insert, rows=[p.row or {}]))
                if error is None:
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


def read_trace(
    store: Store, cipher: Cipher, trace_id: str, app: str | None = None
) -> dict[str, Any] | None:
    """One trace, decrypted, as plain JSON-ready data. With ``app`` (every route passes its
    own), None when that app has no trace with this id: another app's trace in a shared
    database is not there for it. Without, any app's (operators' tools, tests)."""
    query = select(traces).where(traces.c.id == trace_id)
    if app is not None:
        query = query.where(traces.c.app == app)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    # Column names are SQLAlchemy ``quoted_name`` objects, a str subclass orjson refuses.
    data = {str(key): value for key, value in row._mapping.items()}
    for col, out in (("request_enc", "request"), ("response_enc", "response")):
        blob = data.pop(col)
        try:
            data[out] = orjson.loads(cipher.decrypt(blob)) if blob else None
        except CryptoError:  # its data subject was erased: the key is gone for good
            data[out], data["erased"] = None, True
    for col in ("timings", "findings", "annotations"):
        data[col] = orjson.loads(data[col])
    notes = data["response"].pop("notes", None) if data.get("response") else None
    if isinstance(notes, dict):
        data["annotations"] = merge_notes(data["annotations"], notes)
    return data


def list_dead_letters(conn: Connection, app: str, limit: int = 100) -> list[dict[str, Any]]:
    """The newest dead letters of an app, without their sealed records."""
    t = trace_dead_letters
    rows = conn.execute(
        select(t.c.id, t.c.at, t.c.attempts, t.c.error)
        .where(t.c.app == app)
        .order_by(t.c.at.desc())
        .limit(limit)
    )
    return [{str(k): v for k, v in r._mapping.items()} for r in rows]


def open_dead_letter(
    conn: Connection, cipher: Cipher, app: str, trace_id: str
) -> dict[str, Any] | None:
    """One dead letter with its trace opened (content decrypted), for an operator."""
    t = trace_dead_letters
    row = conn.execute(select(t).where(t.c.app == app, t.c.id == trace_id)).first()
    if row is None:
        return None
    data = {str(k): v for k, v in row._mapping.items()}
    trace = open_record(data.pop("record"), cipher)
    for col, out in (("request_enc", "request"), ("response_enc", "response")):
        blob = trace.pop(col)
        trace[out] = orjson.loads(cipher.decrypt(blob)) if blob else None
    data["trace"] = trace
    return data
