"""The audit log for an auditor (issue 13 item 5): Ed25519-signed checkpoints written outside
the database (by `serve` on a schedule and by `audit checkpoint`), checked by `audit verify
--checkpoints` against truncation, rewrites and forged files; `audit export --since`."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from stanchion.cli.main import cli
from tests.conftest import openai_route
from tests.upstream import Upstream


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_signed_checkpoints_and_export(
    sqlite_url: str,
    gateway_factory: Any,
    up: Upstream,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exports = tmp_path / "worm"
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    gw.settings = dataclasses.replace(gw.settings, audit_export_dir=exports)
    for i in range(3):
        gw.make_key(user=f"u{i}")
    gw.start()
    deadline = time.time() + 10
    while not list(exports.glob("*.json")):  # the replica exports the head at start
        assert time.time() < deadline, "serve wrote no checkpoint"
        time.sleep(0.05)
    gw.stop()
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)
    monkeypatch.setenv("STANCHION_DATABASE_URL", sqlite_url)
    app = str(gw.folder)
    assert run("keys", "create", "--user", "late", "--role", "user", "--app", app).exit_code == 0
    made = run("audit", "checkpoint", "--out", str(exports), "--app", app)
    assert made.exit_code == 0 and "public key" in made.output, made.output
    ok = run("audit", "verify", "--checkpoints", str(exports), "--app", app)
    assert ok.exit_code == 0 and ok.output.startswith("ok:"), ok.output

    lines = run("audit", "export", "--since", "1d", "--app", app).output.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert any(e["action"] == "key.create" and e["detail"]["user"] == "late" for e in events)
    assert run("audit", "export", "--since", "2999-01-01", "--app", app).output == ""

    newest = max(exports.glob("*.json"))
    forged = json.loads(newest.read_text())
    forged["seq"] = 1
    (exports / "forged.json").write_text(json.dumps(forged))
    db = Path(sqlite_url.split("///")[1])
    with closing(sqlite3.connect(db)) as conn, conn:  # an attacker trims the newest events
        conn.execute(
            "DELETE FROM audit_events WHERE seq >= (SELECT max(seq) - 1 FROM audit_events)"
        )
    bad = run("audit", "verify", "--checkpoints", str(exports), "--app", app)
    assert bad.exit_code == 1
    assert "forged.json: not signed" in bad.output and "is gone" in bad.output
