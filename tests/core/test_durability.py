"""A response that reached its client has its trace: streams the client abandons, a store
that goes away and comes back, a full spool, fsync group commits, a bad start-up URL."""

from __future__ import annotations

import base64
import dataclasses
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from stanchion.cli.main import cli
from stanchion.store.crypto import Cipher
from stanchion.store.schema import traces
from stanchion.store.spool import Spool
from stanchion.store.traces import read_trace
from tests.conftest import PG_ADMIN, _pg_database, openai_route
from tests.upstream import Upstream

CHAT = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}]}


def _wait(cond: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _stored(gw: Any, ids: list[str]) -> set[str]:
    with gw.store.engine.connect() as conn:
        rows = conn.execute(select(traces.c.id).where(traces.c.id.in_(ids)))
        return {r[0] for r in rows}


def test_an_abandoned_stream_is_recorded_as_cancelled_with_its_spend(
    gateway_factory: Any, db_url: str, up: Upstream
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    key = gw.make_key()
    words = " ".join(f"word{i}." for i in range(200))
    up.script({"content": words, "chunk_delay": 0.02})
    body = {**CHAT, "stream": True}
    headers = {"authorization": f"Bearer {key}"}
    with (
        httpx.Client(base_url=gw.url, headers=headers) as client,
        client.stream("POST", "/v1/chat/completions", json=body) as r,
    ):
        assert r.status_code == 200
        trace_id = r.headers["x-stanchion-trace-id"]
        got = 0
        for line in r.iter_lines():
            got += line.startswith("data: ")
            if got >= 5:
                break
    cipher = Cipher(base64.b64decode(gw.key))
    _wait(lambda: bool(_stored(gw, [trace_id])))
    trace = read_trace(gw.store, cipher, trace_id)
    assert trace is not None
    assert (trace["decision"], trace["status"]) == ("cancelled", 499)
    assert 0 < trace["completion_tokens"] < 200 * 3
    assert trace["prompt_tokens"] > 0 and trace["cost"] > 0
    assert trace["response"]["content"].startswith("word0. word1.")  # what it produced
    with httpx.Client(base_url=gw.url, headers=headers) as client:  # read to the end: pass
        r = client.post("/v1/chat/completions", json=body)
        assert r.text.endswith("data: [DONE]\n\n")
    whole = r.headers["x-stanchion-trace-id"]
    _wait(lambda: bool(_stored(gw, [whole])))
    done = read_trace(gw.store, cipher, whole)
    assert done is not None and (done["decision"], done["status"]) == ("pass", 200)


def test_fsync_durability_group_commits_each_trace(
    gateway_factory: Any, sqlite_url: str, up: Upstream
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    gw.settings = dataclasses.replace(gw.settings, durability="fsync")
    gw.start()
    key = gw.make_key()
    ids = []
    with httpx.Client(base_url=gw.url, headers={"authorization": f"Bearer {key}"}) as client:
        for _ in range(5):
            r = client.post("/v1/chat/completions", json=CHAT)
            assert r.status_code == 200
            ids.append(r.headers["x-stanchion-trace-id"])
    _wait(lambda: _stored(gw, ids) == set(ids))
    assert gw.server.config.app.state.runtime.traces.spool.syncer.rounds >= 5
    _wait(lambda: httpx.get(gw.url + "/readyz").json()["traces_waiting"] == 0)


def test_an_unknown_durability_setting_fails_at_start(
    gateway_factory: Any, sqlite_url: str, up: Upstream
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    env = {
        "STANCHION_DATABASE_URL": sqlite_url,
        "STANCHION_ENCRYPTION_KEY": gw.key,
        "STANCHION_DURABILITY": "sometimes",
    }
    result = CliRunner().invoke(cli, ["serve", "--app", str(gw.folder)], env=env)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: STANCHION_DURABILITY is 'sometimes'; use one of ['fsync', 'os']"
    ]


def test_serve_against_a_wrong_port_prints_one_line(
    gateway_factory: Any, sqlite_url: str, up: Upstream
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    env = {
        "STANCHION_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
        "STANCHION_ENCRYPTION_KEY": gw.key,
    }
    result = CliRunner().invoke(cli, ["serve", "--app", str(gw.folder)], env=env)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot use the database"), lines
    assert "Traceback" not in result.output


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own: the store is dropped and made again."""
    yield from _pg_database()


def _drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _create(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def test_with_the_store_gone_answers_are_spooled_then_stored(
    gateway_factory: Any, pg_url: str, up: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    gw = gateway_factory(pg_url, [openai_route(up)], start=False)
    # Keys are trusted for a minute, so a known caller is still answered while the store
    # is away; a 20 KB spool holds a handful of traces, then requests are refused.
    gw.settings = dataclasses.replace(gw.settings, auth_cache_seconds=60.0, spool_max_mb=0.02)
    key, stranger = gw.make_key(), gw.make_key(user="bob")
    gw.start()
    auth = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=gw.url, timeout=30) as client:
        assert client.post("/v1/chat/completions", json=CHAT, headers=auth).status_code == 200
        gw.store.dispose()
        _drop(pg_url)
        answered, refused = _while_gone(client, auth, stranger, pg_url, caplog)
        _create(pg_url)
        gw.store.upgrade()
    assert answered and refused
    _wait(lambda: _stored(gw, answered) == set(answered), timeout=30)


def _while_gone(
    client: httpx.Client,
    auth: dict[str, str],
    stranger: str,
    pg_url: str,
    caplog: pytest.LogCaptureFixture,
) -> tuple[list[str], list[httpx.Response]]:
    caplog.set_level(logging.WARNING)
    r = client.post(
        "/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {stranger}"}
    )
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "service_unavailable"
    trace_id = r.headers["x-stanchion-trace-id"]
    assert trace_id in r.json()["error"]["message"]
    assert any(trace_id in rec.getMessage() for rec in caplog.records)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "reason": "database unreachable"}
    answered: list[str] = []
    refused: list[httpx.Response] = []
    for _ in range(60):
        r = client.post("/v1/chat/completions", json=CHAT, headers=auth)
        if r.status_code == 200:
            answered.append(r.headers["x-stanchion-trace-id"])
            continue
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "service_unavailable"
        refused.append(r)
        if len(refused) >= 3:
            break
    return answered, refused


def test_spool_segments_left_by_a_dead_process_are_replayed_once(tmp_path: Path) -> None:
    """Covered end to end by the kill -9 tests; this checks the file-level contract."""
    first = Spool(tmp_path / "sp")
    first.append(b"one")
    first.append(b"two")
    # A second process sharing the folder cannot take segments the first still holds.
    second = Spool(tmp_path / "sp")
    assert list(second.orphans()) == []
    first.close()  # not stored: the segment stays for the next start
    third = Spool(tmp_path / "sp")
    orphans = list(third.orphans())
    assert [records for _, records in orphans] == [[b"one", b"two"]]
    third.done([orphans[0][0], orphans[0][0]])
    names = {p.name for p in (tmp_path / "sp").iterdir()}
    assert names == {second._current.path.name, third._current.path.name}
    second.close()
    third.close()
    assert not list((tmp_path / "sp").iterdir())


def test_an_unwritable_spool_folder_fails_at_start_with_one_line(
    gateway_factory: Any, sqlite_url: str, up: Upstream, tmp_path: Path
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    (tmp_path / "a-file").write_text("")
    env = {
        "STANCHION_DATABASE_URL": sqlite_url,
        "STANCHION_ENCRYPTION_KEY": gw.key,
        "STANCHION_SPOOL_DIR": str(tmp_path / "a-file" / "spool"),
    }
    result = CliRunner().invoke(cli, ["serve", "--app", str(gw.folder)], env=env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot write the trace spool" in lines[0], lines
