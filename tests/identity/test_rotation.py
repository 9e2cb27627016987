"""Master-key rotation under load (issue 13 item 4): ``keys rotate-master`` re-wraps the data
keys while chat requests keep flowing, none fails, and afterwards the app starts with the new
master key alone and still opens everything sealed before."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from stanchion.cli.main import cli
from stanchion.errors import CryptoError
from stanchion.runtime import build_runtime
from stanchion.store.db import Store
from stanchion.store.keyring import (
    LocalMasterKey,
    data_keys,
    finish_rotation,
    rewrap,
    subject_key,
)
from tests.conftest import openai_route
from tests.upstream import Upstream

SUBJECTS = 2000


class Load:
    """Chat requests back to back on one connection until stopped."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key
        self.statuses: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}]}
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self.stop.is_set():
                r = client.post(
                    "/v1/chat/completions",
                    json=body,
                    headers={"authorization": f"Bearer {self.key}"},
                )
                self.statuses.append(r.status_code)


def test_rotation_under_load(
    db_url: str, gateway_factory: Any, up: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], retention={"subject_keys": True})
    key = gw.make_key("admin")
    before = httpx.post(
        gw.url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {key}"},
        json={"model": "gpt", "messages": [{"role": "user", "content": "keep me"}]},
    )
    assert before.status_code == 200
    old_master = LocalMasterKey(base64.b64decode(gw.key))
    with gw.store.engine.begin() as conn:  # data keys of many subjects, to re-wrap
        for i in range(SUBJECTS):
            subject_key(conn, old_master, "demo", f"user-{i}", create=True)
    new_file = tmp_path / "new.key"
    new_b64 = base64.b64encode(secrets.token_bytes(32)).decode()
    new_file.write_text(new_b64 + "\n")
    new_file.chmod(0o600)
    for name, value in {
        "STANCHION_ENCRYPTION_KEY": gw.key,
        "STANCHION_DATABASE_URL": db_url,
    }.items():
        monkeypatch.setenv(name, value)

    load = Load(gw.url, key)
    load.thread.start()
    time.sleep(0.3)
    result = CliRunner().invoke(
        cli,
        [
            "keys",
            "rotate-master",
            "--app",
            str(gw.folder),
            "--new-key-file",
            str(new_file),
            "--batch",
            "200",
        ],
        catch_exceptions=False,
    )
    time.sleep(0.3)
    load.stop.set()
    load.thread.join(30)
    assert result.exit_code == 0, result.output
    with gw.store.engine.connect() as conn:
        total = len(conn.execute(data_keys.select()).all())
    assert total >= SUBJECTS + 2  # the app's key, the subjects', the chat users' own
    assert f"re-wrapped {total} data keys" in result.output
    assert load.statuses and set(load.statuses) == {200}, set(load.statuses)

    with gw.store.engine.connect() as conn:
        masters = {r.master_id for r in conn.execute(data_keys.select())}
    assert masters == {LocalMasterKey(base64.b64decode(new_b64)).id}
    gw.stop()

    # until the rotation is finished, a replica holding only the old key still starts;
    # after --finish (run with the new key), the old key opens nothing
    asyncio.run(build_runtime(gw.spec_file, gw.settings).aclose())
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", new_b64)
    done = CliRunner().invoke(
        cli, ["keys", "rotate-master", "--finish", "--app", str(gw.folder)], catch_exceptions=False
    )
    assert done.exit_code == 0 and f"wrapping of {total} data keys" in done.output, done.output
    with pytest.raises(CryptoError):
        build_runtime(gw.spec_file, gw.settings)
    gw.settings = dataclasses.replace(gw.settings, encryption_key=new_b64)
    gw.store = type(gw.store)(db_url)
    gw.start()
    trace = httpx.get(
        f"{gw.url}/v1/traces/{before.headers['x-stanchion-trace-id']}",
        headers={"authorization": f"Bearer {key}"},
    )
    assert trace.status_code == 200, trace.text
    assert "keep me" in trace.text
    audit = httpx.get(gw.url + "/admin/audit/verify", headers={"authorization": f"Bearer {key}"})
    assert audit.json()["ok"] is True, audit.text


def test_a_replica_with_the_old_key_keeps_working_until_finish(db_url: str) -> None:
    """Mid-rotation, a replica not yet given the new key still opens data keys re-wrapped
    under it (so its trace writer never stalls); after --finish the old key opens nothing."""
    store = Store(db_url)
    store.upgrade()
    old, new = LocalMasterKey(secrets.token_bytes(32)), LocalMasterKey(secrets.token_bytes(32))
    try:
        with store.engine.begin() as conn:
            key = subject_key(conn, old, "demo", "ana", create=True)
        assert rewrap(store, old, new).rows == 1
        with store.engine.connect() as conn:
            assert subject_key(conn, old, "demo", "ana", create=False) == key
            assert subject_key(conn, new, "demo", "ana", create=False) == key
        assert finish_rotation(store, new) == 1
        with store.engine.connect() as conn:
            with pytest.raises(CryptoError):
                subject_key(conn, old, "demo", "ana", create=False)
            assert subject_key(conn, new, "demo", "ana", create=False) == key
    finally:
        store.dispose()
