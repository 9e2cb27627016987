"""Retention (issue 13 item 3) on SQLite and PostgreSQL: per-kind periods purged, trace
content dropped while rows stay, one replica at a time through a lease, and the serving
process purging on its own schedule."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from stanchion.cli.main import cli
from stanchion.retention.purge import leases, take_lease
from stanchion.store.db import Store
from stanchion.store.schema import traces
from tests.conftest import openai_route
from tests.upstream import Upstream

DAY = 86400.0
RETENTION = {"traces_days": 30, "content_days": 7, "feedback_days": 30, "eval_runs_days": 90}


def chat(gw: Any, key: str) -> str:
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {key}"},
        json={"model": "gpt", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 200, r.text
    return str(r.headers["x-stanchion-trace-id"])


def written(store: Store, ids: list[str]) -> None:
    deadline = time.time() + 10
    while True:
        with store.engine.connect() as conn:
            n = len(conn.execute(select(traces.c.id).where(traces.c.id.in_(ids))).all())
        if n == len(ids):
            return
        assert time.time() < deadline
        time.sleep(0.05)


def age(store: Store, trace_id: str, days: float) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(traces)
            .where(traces.c.id == trace_id)
            .values(created_at=time.time() - days * DAY)
        )


def test_purge_per_kind(
    db_url: str, gateway_factory: Any, up: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], retention=RETENTION)
    key = gw.make_key()
    ids = [chat(gw, key) for _ in range(3)]
    written(gw.store, ids)
    gw.stop()
    old, mid, new = ids
    age(gw.store, old, 40)
    age(gw.store, mid, 10)
    with gw.store.engine.begin() as conn:  # the stopped replica's lease has run out
        conn.execute(update(leases).values(until=0))
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)
    monkeypatch.setenv("STANCHION_DATABASE_URL", db_url)
    result = CliRunner().invoke(
        cli, ["retention", "purge", "--app", str(gw.folder)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "traces: 1" in result.output and "content: 1" in result.output
    with gw.store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(traces))}
    assert old not in rows
    assert rows[mid].request_enc is None and rows[mid].response_enc is None
    assert rows[mid].cost >= 0 and rows[new].request_enc is not None
    again = CliRunner().invoke(cli, ["retention", "purge", "--app", str(gw.folder)])
    assert again.exit_code == 0, again.output  # a one-off purge gives the lease back
    assert "traces: 0" in again.output
    with gw.store.engine.begin() as conn:  # a replica holding the lease: the CLI waits its turn
        assert take_lease(conn, "retention:demo", "replica-a", time.time(), 600)
    held = CliRunner().invoke(cli, ["retention", "purge", "--app", str(gw.folder)])
    assert held.exit_code == 1 and "holds the purge lease" in held.output


def test_one_replica_holds_the_lease(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    now = time.time()
    try:
        with store.engine.begin() as conn:
            assert take_lease(conn, "retention:demo", "a", now, 60)
            assert not take_lease(conn, "retention:demo", "b", now + 1, 60)
            assert take_lease(conn, "retention:demo", "a", now + 2, 60)  # renewed by its holder
            assert take_lease(conn, "retention:demo", "b", now + 100, 60)  # after it ran out
    finally:
        store.dispose()


def test_serving_replica_purges_on_schedule(
    sqlite_url: str, gateway_factory: Any, up: Upstream
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], retention=RETENTION)
    trace_id = chat(gw, gw.make_key())
    written(gw.store, [trace_id])
    gw.stop()
    age(gw.store, trace_id, 45)
    with gw.store.engine.begin() as conn:
        conn.execute(update(leases).values(until=0))
    gw.store = Store(sqlite_url)
    gw.start()
    deadline = time.time() + 10
    while True:
        with gw.store.engine.connect() as conn:
            if conn.execute(select(traces.c.id).where(traces.c.id == trace_id)).first() is None:
                break
        assert time.time() < deadline, "the replica did not purge at start"
        time.sleep(0.1)
