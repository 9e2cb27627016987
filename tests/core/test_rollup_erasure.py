"""A subject erased while their traces wait in a rollup buffer (``reports/rollup_buffer.py``),
or in a stopped writer's noted batches, must not have their pseudonym brought back into the
KPI rollups when those increments are added: the erasure cut it in the stored rows, the flush
and the recount cut it in memory (``rollup_privacy.forget_erased``). The counts stay."""

from __future__ import annotations

import os

from sqlalchemy import func, select

from stanchion.reports.activity import kpi_user_bits
from stanchion.reports.rollup import kpi_users
from stanchion.reports.rollup_buffer import RollupBuffer
from stanchion.reports.rollup_privacy import UserKey
from stanchion.reports.rollup_writer import folder
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.subjects import erase_subject
from stanchion.store.traces import noted_row
from tests.core.rollup_traffic import APP, exchange, requests, start_of_traffic

ERASED = "user-2"  # rollup_traffic's users are user-0 .. user-5


def _store(db_url: str) -> Store:
    store = Store(db_url)
    store.upgrade()
    return store


def _write(store: Store, sink: RollupBuffer, cipher: Cipher, n: int) -> None:
    made = [exchange(i, start_of_traffic(), n=n) for i in range(n)]
    noted = [noted_row(ex, cipher) for ex in made]
    with store.engine.begin() as conn:
        sink.write(conn, [r for r, _ in noted], [x for _, x in noted], True)
    sink.committed()


def _users(store: Store) -> tuple[set[str], int]:
    with store.engine.connect() as conn:
        names = {str(u) for (u,) in conn.execute(select(kpi_users.c.user).distinct())}
        names |= {str(u) for (u,) in conn.execute(select(kpi_user_bits.c.user).distinct())}
        all_ = kpi_users.c.dim == "all"
        total = conn.execute(select(func.sum(kpi_users.c.n)).where(all_)).scalar()
    return names, int(total or 0)


def _erase(store: Store, cipher: Cipher) -> None:
    with store.engine.begin() as conn:
        erase_subject(conn, APP, ERASED, "test", UserKey(cipher))


def test_a_subject_erased_before_the_flush_is_not_added_back(db_url: str) -> None:
    store, cipher = _store(db_url), Cipher(os.urandom(32))
    sink = RollupBuffer(folder(cipher), interval=3600.0)
    _write(store, sink, cipher, 30)
    _erase(store, cipher)  # their traces are stored, their increments in memory only
    sink.flush(store.engine)
    names, total = _users(store)
    assert requests(store) == 30 and total == 30  # every trace counted, users included
    assert UserKey(cipher)(ERASED) not in names and ERASED not in names
    assert UserKey(cipher)("user-1") in names  # the others keep theirs
    store.dispose()


def test_a_stopped_writers_traces_recounted_after_an_erasure(db_url: str) -> None:
    store, cipher = _store(db_url), Cipher(os.urandom(32))
    now = [1_000_000.0]
    a = RollupBuffer(folder(cipher), interval=5.0, stale=30.0, clock=lambda: now[0])
    b = RollupBuffer(folder(cipher), interval=5.0, stale=30.0, clock=lambda: now[0])
    _write(store, a, cipher, 30)  # a stops here, its increments never flushed
    _erase(store, cipher)
    now[0] += 31
    b.recover(store.engine)
    names, total = _users(store)
    assert b.recounted == 30 and requests(store) == 30 and total == 30
    assert UserKey(cipher)(ERASED) not in names
    assert UserKey(cipher)("user-1") in names
    store.dispose()


def test_without_an_erasure_the_pseudonyms_stay(db_url: str) -> None:
    store, cipher = _store(db_url), Cipher(os.urandom(32))
    sink = RollupBuffer(folder(cipher), interval=3600.0)
    _write(store, sink, cipher, 12)
    sink.flush(store.engine)
    names, _ = _users(store)
    assert {UserKey(cipher)(f"user-{i}") for i in range(6)} <= names
    store.dispose()
