"""The trace writer's rollups buffered in memory between flushes (``reports/rollup_buffer.py``):
the readers see every stored trace within the flush interval, a process killed with
increments in memory has them counted from its stored traces, a writer claimed by another
process drops its buffer, and processes writing the same hours add up. Every case ends with
the rollups equal to a full recount of the traces (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from stanchion.reports.rollup_buffer import RollupBuffer
from stanchion.reports.rollup_ledger import rollup_pending, rollup_writers
from stanchion.reports.rollup_writer import folder, rollup_writer
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import traces
from stanchion.store.spool import Spool
from stanchion.store.trace_writer import TraceWriter
from stanchion.store.traces import noted_row
from tests.conftest import openai_route
from tests.core.rollup_traffic import (
    exchange,
    expected_terms,
    recount,
    requests,
    start_of_traffic,
    wait,
)
from tests.identity.test_subjects import chat
from tests.upstream import Upstream

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """The buffer's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _store(db_url: str) -> Store:
    store = Store(db_url)
    store.upgrade()
    return store


def _count(store: Store, table: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _assert_recounted(store: Store, cipher: Cipher, exchanges: list) -> None:  # type: ignore[type-arg]
    stored, recounted = recount(store, cipher)
    assert stored.pop("kpi_terms") == expected_terms(cipher, exchanges)
    recounted.pop("kpi_terms")
    assert stored == recounted
    assert _count(store, traces) == len(exchanges)
    assert _count(store, rollup_pending) == _count(store, rollup_writers) == 0


def test_readers_see_a_trace_within_the_interval(db_url: str) -> None:
    """Stored traces wait in memory until the interval has passed since the first of them,
    then all of them are in the rollups at once: the readers lag by at most the interval."""
    store, cipher, clock = _store(db_url), Cipher(os.urandom(32)), Clock()
    sink = RollupBuffer(folder(cipher), interval=5.0, clock=clock)
    writer = TraceWriter(store, cipher, flush_ms=10, store_rows=sink)
    start = start_of_traffic()
    made = [exchange(i, start, n=60) for i in range(60)]
    try:
        for ex in made[:30]:
            writer.submit(ex)
        wait(lambda: writer.written == 30, what="30 stored")
        clock.now += 4.9
        for ex in made[30:]:
            writer.submit(ex)
        wait(lambda: writer.written == 60, what="60 stored")
        assert requests(store) == 0 and sink.buffered == 60  # 4.9 s: none added yet
        assert _count(store, rollup_pending) >= 2  # batches noted, one row each
        clock.now += 0.1
        wait(lambda: requests(store) == 60, what="the rollups flushed at 5 s")
        assert sink.buffered == 0 and sink.writer is None
    finally:
        writer.close()
    _assert_recounted(store, cipher, made)
    store.dispose()


def test_readers_lag_by_at_most_the_interval_in_real_time(sqlite_url: str) -> None:
    store, cipher = _store(sqlite_url), Cipher(os.urandom(32))
    writer = TraceWriter(store, cipher, flush_ms=10, store_rows=rollup_writer(cipher, 0.5))
    try:
        writer.submit(exchange(0, start_of_traffic()))
        wait(lambda: writer.written == 1, what="stored")
        # the interval, the writer's 10 ms polling, and room for a loaded machine
        assert wait(lambda: requests(store) == 1, what="in the rollups") < 0.5 + 1.5
    finally:
        writer.close()
        store.dispose()


def test_a_writer_taken_over_drops_its_buffer(db_url: str) -> None:
    """A writer silent for longer than ``stale`` is claimed by another process, which counts
    its noted traces from the store; the writer, still alive, finds its registration gone
    at its flush and drops its buffer. A batch it noted after the claim is counted once
    too, by whoever looks for stopped writers next."""
    store, cipher, clock = _store(db_url), Cipher(os.urandom(32)), Clock()
    a = RollupBuffer(folder(cipher), interval=5.0, stale=30.0, clock=clock)
    b = RollupBuffer(folder(cipher), interval=5.0, stale=30.0, clock=clock)
    start = start_of_traffic()
    made = [exchange(i, start, n=40) for i in range(40)]

    def write(sink: RollupBuffer, part: list) -> None:  # type: ignore[type-arg]
        noted = [noted_row(ex, cipher) for ex in part]
        with store.engine.begin() as conn:
            sink.write(conn, [r for r, _ in noted], [n for _, n in noted], True)
        sink.committed()

    write(a, made[:20])
    b.recover(store.engine)  # not stale yet: a is left alone
    assert requests(store) == 0 and a.writer is not None
    clock.now += 31
    b.recover(store.engine)
    assert requests(store) == 20 and b.recounted == 20
    write(a, made[20:])  # noted under the claimed registration
    a.flush(store.engine)
    assert a.writer is None and a.buffered == 0 and requests(store) == 20
    b.recover(store.engine)
    assert requests(store) == 40 and b.recounted == 40
    _assert_recounted(store, cipher, made)
    store.dispose()


def test_replayed_traces_are_not_counted_again(db_url: str) -> None:
    store, cipher, clock = _store(db_url), Cipher(os.urandom(32)), Clock()
    sink = RollupBuffer(folder(cipher), interval=5.0, clock=clock)
    made = [exchange(i, start_of_traffic(), n=10) for i in range(10)]
    noted = [noted_row(ex, cipher) for ex in made]
    rows = [r for r, _ in noted]
    with store.engine.begin() as conn:
        sink.write(conn, rows[:6], [n for _, n in noted[:6]], True)
    sink.committed()
    for _ in range(2):  # as the spool hands them back: no notes, some stored already
        with store.engine.begin() as conn:
            sink.write(conn, rows, [None] * len(rows), False)
        sink.committed()
    assert sink.buffered == 10
    clock.now += 5
    sink.tick(store.engine)
    assert requests(store) == 10
    _assert_recounted(store, cipher, made)
    store.dispose()


def _child(db_url: str, key: bytes, start: float, *args: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "tests.core.rollup_child", db_url, key.hex(), str(start)]
    return subprocess.Popen(
        [*argv, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_kill_9_with_buffered_increments_is_recounted_at_the_next_start(
    db_url: str, tmp_path: Path
) -> None:
    """40 traces flushed, 60 stored and held in memory, kill -9: the 60 are not in the
    rollups; the next writer process on the host counts them from the store as it starts
    (the dead process's id is gone), and its spool replay adds nothing twice."""
    store, key = _store(db_url), os.urandom(32)
    cipher, start, spool = Cipher(key), start_of_traffic(), tmp_path / "spool"
    child = _child(db_url, key, start, "--first", "40", "--then", "60", "--spool", str(spool))
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.split() == ["held", "60"], (line, child.stderr and child.stderr.read())
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert requests(store) == 40 and _count(store, rollup_writers) == 1
    sink = RollupBuffer(folder(cipher), interval=0.2)
    writer = TraceWriter(store, cipher, spool=Spool(spool), flush_ms=10, store_rows=sink)
    try:
        wait(lambda: requests(store) == 100, what="the held traces recounted")
        assert sink.recounted == 60
    finally:
        writer.close()
    made = [exchange(i, start, n=100) for i in range(100)]
    _assert_recounted(store, cipher, made)
    store.dispose()


@pytest.mark.slow
def test_two_processes_writing_the_same_hours_add_up(db_url: str) -> None:
    store, key = _store(db_url), os.urandom(32)
    cipher, start = Cipher(key), start_of_traffic()
    kids = [
        _child(db_url, key, start, "--first", "50", "--then", "150", "--tag", tag, "--close")
        for tag in ("a", "b")
    ]
    for kid in kids:
        _, err = kid.communicate(timeout=120)
        assert kid.returncode == 0, err[-3000:]
    made = [exchange(i, start, tag, n=200) for tag in ("a", "b") for i in range(200)]
    assert requests(store) == 400
    _assert_recounted(store, cipher, made)
    store.dispose()


def test_a_flush_that_fails_keeps_the_buffer_for_the_next(sqlite_url: str, tmp_path: Path) -> None:
    """The store away at the flush (here: a database file that cannot be opened): nothing
    is lost, the next flush adds it all."""
    from sqlalchemy import create_engine

    store, cipher, clock = _store(sqlite_url), Cipher(os.urandom(32)), Clock()
    sink = RollupBuffer(folder(cipher), interval=5.0, clock=clock)
    made = [exchange(i, start_of_traffic(), n=8) for i in range(8)]
    noted = [noted_row(ex, cipher) for ex in made]
    with store.engine.begin() as conn:
        sink.write(conn, [r for r, _ in noted], [n for _, n in noted], True)
    sink.committed()
    away = create_engine(f"sqlite:///{tmp_path}/missing/folder/t.db")
    clock.now += 5
    sink.tick(away)
    assert sink.failing and sink.buffered == 8 and requests(store) == 0
    sink.tick(store.engine)  # retried no sooner than a second later
    assert requests(store) == 0
    clock.now += 1
    sink.tick(store.engine)
    assert not sink.failing and requests(store) == 8
    away.dispose()
    _assert_recounted(store, cipher, made)
    store.dispose()


def test_the_served_kpi_report_lags_by_at_most_the_interval(
    gateway_factory: Any, sqlite_url: str, up: Upstream
) -> None:
    """Through a real gateway and its reader (``GET /admin/reports/kpis``), buffered."""
    import dataclasses

    import httpx

    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    gw.settings = dataclasses.replace(gw.settings, rollup_flush_seconds=0.5)
    gw.start()
    admin = {"authorization": f"Bearer {gw.make_key('admin', user='root')}"}

    def reported() -> int:
        r = httpx.get(gw.url + "/admin/reports/kpis?period=1d", headers=admin)
        return int(r.json()["requests"])

    key = gw.make_key()
    for text in ("refunds?", "returns?"):
        chat(gw, key, text)
    wait(lambda: _count(gw.store, traces) == 2, what="stored")  # the lag counts from here
    assert wait(lambda: reported() == 2, what="reported") < 0.5 + 1.5
