"""Erasure and export by data subject (issue 13 item 3), on SQLite and PostgreSQL. With
``retention.subject_keys`` each user's trace content is sealed under their own data key;
erasing destroys it, so every copy (a backup taken before) is unreadable even with the
master key, while the rows and the audit chain remain. Without, erasure empties the rows."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from stanchion.cli.main import cli
from stanchion.errors import CryptoError
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.keyring import LocalMasterKey
from stanchion.store.schema import traces
from stanchion.store.subjects import SubjectKeys
from tests.conftest import openai_route
from tests.upstream import Upstream


def chat(gw: Any, key: str, text: str) -> str:
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {key}"},
        json={"model": "gpt", "messages": [{"role": "user", "content": text}]},
    )
    assert r.status_code == 200, r.text
    return str(r.headers["x-stanchion-trace-id"])


def stored(gw: Any, trace_id: str, key: str) -> dict[str, Any]:
    deadline = time.time() + 10
    while True:
        r = httpx.get(f"{gw.url}/v1/traces/{trace_id}", headers={"authorization": f"Bearer {key}"})
        if r.status_code == 200:
            return dict(r.json())
        assert time.time() < deadline, r.text
        time.sleep(0.05)


def with_subject_keys(gw: Any, master: bytes) -> Cipher:
    """A reader holding the master key and access to the live key table."""
    cipher = Cipher(master)
    cipher.resolver = SubjectKeys(gw.store, [LocalMasterKey(master)], "demo", ttl=0).resolve
    return cipher


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_erase_and_export(
    db_url: str, gateway_factory: Any, up: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], retention={"subject_keys": True})
    admin, alice, bob = (
        gw.make_key("admin", user="root"),
        gw.make_key(user="alice"),
        gw.make_key(user="bob"),
    )
    # the secret is a word: "4242" once turned up inside an exported timestamp
    a_id, b_id = chat(gw, alice, "alice's secret is quokka"), chat(gw, bob, "bob's note")
    assert "quokka" in json.dumps(stored(gw, a_id, admin))
    stored(gw, b_id, admin)
    with gw.store.engine.connect() as conn:  # a backup of alice's row, taken before erasure
        backup = bytes(
            conn.execute(select(traces.c.request_enc).where(traces.c.id == a_id)).scalar()
        )
    master = base64.b64decode(gw.key)
    with pytest.raises(CryptoError):  # sealed under alice's key, not the app's
        Cipher(master).decrypt(backup)
    assert b"quokka" in with_subject_keys(gw, master).decrypt(backup)
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)
    monkeypatch.setenv("STANCHION_DATABASE_URL", db_url)
    app = str(gw.folder)

    exported = json.loads(run("subjects", "export", "alice", "--app", app))
    assert exported["traces"][0]["id"] == a_id and "quokka" in json.dumps(exported)
    refused = CliRunner().invoke(cli, ["subjects", "erase", "alice", "--app", app])
    assert refused.exit_code == 2 and "--yes" in refused.output
    erased = run("subjects", "erase", "alice", "--yes", "--app", app)
    assert "keys: 1" in erased and "traces: 1" in erased
    gw.stop()  # a fresh process: no key cached (a running replica forgets within 30 s)
    gw.store = Store(db_url)
    gw.start()

    gone = stored(gw, a_id, admin)
    assert gone["request"] is None and gone["response"] is None
    assert gone["cost"] >= 0 and gone["user"] == "alice"  # the row and its figures stay
    assert "bob's note" in json.dumps(stored(gw, b_id, admin))
    with pytest.raises(CryptoError):  # the backup: its key is gone, the master key cannot help
        with_subject_keys(gw, master).decrypt(backup)
    after = json.loads(run("subjects", "export", "alice", "--app", app))
    assert after["traces"][0]["request"] is None and "quokka" not in json.dumps(after)
    audit = httpx.get(gw.url + "/admin/audit/verify", headers={"authorization": f"Bearer {admin}"})
    assert audit.json()["ok"] is True, audit.text
    # alice may come back: new content gets a new key, readable
    new_id = chat(gw, alice, "a fresh start")
    assert "fresh start" in json.dumps(stored(gw, new_id, admin))


def test_erase_without_subject_keys_empties_the_rows(
    sqlite_url: str, gateway_factory: Any, up: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    admin, carol = gw.make_key("admin", user="root"), gw.make_key(user="carol")
    c_id = chat(gw, carol, "carol's address is 1 Main St")
    stored(gw, c_id, admin)
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)
    monkeypatch.setenv("STANCHION_DATABASE_URL", sqlite_url)
    erased = run("subjects", "erase", "carol", "--yes", "--app", str(gw.folder))
    assert "keys: 0" in erased and "traces: 1" in erased
    gone = stored(gw, c_id, admin)
    assert gone["request"] is None and gone["response"] is None and gone["user"] == "carol"
