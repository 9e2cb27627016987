"""The writer skips the look-up of already stored ids only on the first try of traces it
was handed itself: a batch retried after an error that came after its commit, or a record
replayed from the spool, may be stored already, and must not be counted twice."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest, Completion, Usage
from stanchion.reports.rollup import kpi_rollup
from stanchion.reports.rollup_writer import rollup_writer
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import traces
from stanchion.store.trace_notes import RowNotes
from stanchion.store.trace_writer import Sink, TraceWriter


def _exchange(trace_id: str) -> Exchange:
    ex = Exchange(
        id=trace_id,
        app="fresh",
        started=time.time(),
        request=ChatRequest(model="gpt", messages=[{"role": "user", "content": "Refunds?"}]),
        principal=Principal(key_id="k1", user="ana", role="user"),
        route="gpt",
    )
    ex.completion = Completion(content="Five days.", model="m", usage=Usage(7, 2))
    return ex


def _wait(writer: TraceWriter, n: int) -> None:
    deadline = time.monotonic() + 20
    while writer.written < n:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class CommittedThenLost:
    """The real sink, whose first batch is stored and committed (on another connection)
    before the connection drops: the writer cannot know it was."""

    def __init__(self, real: Sink, store: Store) -> None:
        self.real, self.store, self.calls = real, store, list[bool]()

    def write(
        self,
        conn: Connection,
        rows: Sequence[dict[str, Any]],
        notes: Sequence[RowNotes | None],
        fresh: bool,
    ) -> None:
        self.calls.append(fresh)
        if len(self.calls) == 1:
            with self.store.engine.begin() as other:
                self.real.write(other, rows, notes, fresh)
            raise sa_exc.OperationalError("COMMIT", {}, Exception("connection lost"))
        self.real.write(conn, rows, notes, fresh)

    def committed(self) -> None:
        self.real.committed()

    def tick(self, engine: Engine, closing: bool = False) -> None:
        self.real.tick(engine, closing)


@pytest.mark.parametrize("interval", [0.0, 0.2])
def test_a_batch_retried_after_its_commit_is_counted_once(db_url: str, interval: float) -> None:
    """In the batch's transaction (0) or buffered (the batch noted in the ledger is left
    over, and counted from the store once: the retry finds its traces stored)."""
    store = Store(db_url)
    store.upgrade()
    cipher = Cipher(os.urandom(32))
    sink = CommittedThenLost(rollup_writer(cipher, interval), store)
    writer = TraceWriter(store, cipher, flush_ms=10, store_rows=sink)
    try:
        for i in range(3):
            writer.submit(_exchange(f"t-{i}"))
        _wait(writer, 3)
        deadline = time.monotonic() + 20
        while (counted := _requests(store)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(interval * 3)  # and no more than once
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(traces)).scalar_one()
        counted = _requests(store)
    finally:
        writer.close()
        store.dispose()
    calls = sink.calls
    assert calls[0] is True and all(f is False for f in calls[1:]) and len(calls) >= 2
    assert stored == counted == 3


def _requests(store: Store) -> int:
    with store.engine.connect() as conn:
        q = select(kpi_rollup.c.requests).where(kpi_rollup.c.dim == "all")
        return int(conn.execute(q).scalar() or 0)


def test_fresh_and_looked_up_writes_add_the_same_rollups(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    cipher = Cipher(os.urandom(32))
    write = rollup_writer(cipher)
    from stanchion.store.traces import noted_row

    made = [noted_row(_exchange(f"t-{i}"), cipher) for i in range(4)]
    rows, notes = [r for r, _ in made], [n for _, n in made]
    try:
        with store.engine.begin() as conn:
            write.write(conn, rows[:2], notes[:2], True)
            write.write(conn, rows, notes, False)  # the first two are stored: only two more count
        with store.engine.connect() as conn:
            counted = conn.execute(
                select(kpi_rollup.c.requests).where(kpi_rollup.c.dim == "all")
            ).scalar_one()
    finally:
        store.dispose()
    assert counted == 4
