"""The trace writer: traces leave the request path through a queue and are written in
batches by one thread, so a request never waits on the database.

On a clean shutdown ``close()`` drains the queue before the process exits. A SIGKILL loses
what is still queued: at most ``flush_ms`` worth of traces (50 ms by default).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import select

from stanchion.pipeline.exchange import Exchange
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import traces
from stanchion.telemetry.metrics import Metrics

log = logging.getLogger("stanchion.traces")
_STOP = object()


def trace_row(ex: Exchange, cipher: Cipher) -> dict[str, Any]:
    """The stored form of an exchange: content sealed, findings as offsets only."""
    comp = ex.completion
    principal = ex.principal
    request = {"messages": ex.request.messages, "params": ex.request.params}
    response = {"content": ex.response_text, "passages": [p.to_record() for p in ex.passages]}
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
        "timings": orjson.dumps(ex.timings).decode(),
        "findings": orjson.dumps([f.to_record() for f in ex.findings]).decode(),
        "annotations": orjson.dumps(ex.annotations, default=str).decode(),
        "request_enc": cipher.encrypt(orjson.dumps(request)),
        "response_enc": cipher.encrypt(orjson.dumps(response)),
        "error": ex.error,
    }


class TraceWriter:
    """Batches exchanges into inserts on a daemon thread."""

    def __init__(
        self,
        store: Store,
        cipher: Cipher,
        *,
        batch: int = 256,
        flush_ms: float = 50.0,
        on_written: Callable[[int], None] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store, self.cipher = store, cipher
        self.batch, self.flush_s = batch, flush_ms / 1000
        self.on_written = on_written
        self.metrics = metrics
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="stanchion-traces", daemon=True)
        self._closed = False
        self.written = 0
        self.failed = 0
        self._thread.start()

    def submit(self, ex: Exchange) -> None:
        self._q.put(ex)

    def _take(self) -> tuple[list[Exchange], bool]:
        first = self._q.get()
        if first is _STOP:
            return [], True
        items, deadline = [first], time.monotonic() + self.flush_s
        while len(items) < self.batch:
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self._q.get(timeout=max(remaining, 0))
                    if remaining > 0
                    else self._q.get_nowait()
                )
            except queue.Empty:
                break
            if item is _STOP:
                return items, True
            items.append(item)
        return items, False

    def _loop(self) -> None:
        stop = False
        while not stop:
            items, stop = self._take()
            if items:
                self._write(items)

    def _write(self, items: list[Exchange]) -> None:
        try:
            rows = [trace_row(ex, self.cipher) for ex in items]
            with self.store.engine.begin() as conn:
                conn.execute(traces.insert(), rows)
            self.written += len(rows)
            if self.on_written:
                self.on_written(len(rows))
            self._observe("stanchion_traces_written_total", items)
        except Exception:
            self.failed += len(items)
            log.exception("writing %d traces failed", len(items))
            self._observe("stanchion_traces_failed_total", items)

    def _observe(self, counter: str, items: list[Exchange]) -> None:
        """Written or dead-lettered, how far behind the oldest was, how many still wait."""
        if self.metrics is None:
            return
        self.metrics.inc(counter, (), len(items))
        lag = time.perf_counter() - min(ex.t0 for ex in items)
        self.metrics.set_gauge("stanchion_trace_lag_seconds", lag)
        self.metrics.set_gauge("stanchion_trace_queue_depth", self._q.qsize())

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._q.put(_STOP)
        self._thread.join(timeout)


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
        data[out] = orjson.loads(cipher.decrypt(blob)) if blob else None
    for col in ("timings", "findings", "annotations"):
        data[col] = orjson.loads(data[col])
    return data
