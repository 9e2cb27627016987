"""kill -9 of a real `stanchion serve` under load, its rollups buffered (the default
interval): once the server is started again, the rollups equal a full recount of the
traces it stored, the acknowledged answers' traces and the ones replayed from its spool
included, each counted once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from stanchion.reports.rollup_ledger import rollup_pending, rollup_writers
from stanchion.runtime import app_cipher, load_spec
from stanchion.store.schema import traces
from tests.conftest import openai_route
from tests.core.rollup_traffic import recount, requests, wait
from tests.core.test_durability_kill import _free_port, _load, _serve, _stored
from tests.upstream import Upstream


def _count(gw: Any, table: Any) -> int:
    with gw.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.slow
def test_kill_9_of_a_server_with_buffered_rollups(
    gateway_factory: Any, db_url: str, up: Upstream, tmp_path: Path
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], start=False)
    key = gw.make_key()
    cipher = app_cipher(load_spec(gw.spec_file), gw.folder, gw.settings, gw.store)
    env = {
        **os.environ,
        "STANCHION_DATABASE_URL": db_url,
        "STANCHION_ENCRYPTION_KEY": gw.key,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    env.pop("STANCHION_ROLLUP_FLUSH_SECONDS", None)  # the default: buffered
    port, log = _free_port(), tmp_path / "serve.log"
    proc = _serve(gw.folder, env, port, log)
    try:
        acked, _ = asyncio.run(_load(f"http://127.0.0.1:{port}", key, proc))
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        held = _count(gw, traces) - requests(gw.store, "demo")
        proc = _serve(gw.folder, env, port, log)
        wait(lambda: _stored(gw, acked) == set(acked), 60, "the acknowledged traces stored")
        wait(
            lambda: requests(gw.store, "demo") == _count(gw, traces),
            60,
            "every stored trace in the rollups",
        )
        stored, recounted = recount(gw.store, cipher, "demo")
        stored.pop("kpi_terms"), recounted.pop("kpi_terms")
        assert stored == recounted
        print(f"\n{db_url.split(':')[0]}: {held} stored traces not in the rollups at the kill")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert _count(gw, rollup_writers) == _count(gw, rollup_pending) == 0  # flushed at exit
    assert requests(gw.store, "demo") == _count(gw, traces)
