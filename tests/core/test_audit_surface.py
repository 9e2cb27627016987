"""`stanchion audit verify` and GET /admin/audit/verify catch truncation as a user would meet
it: the CLI on a copy of the example app, the route on a served gateway."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from stanchion.store.db import Store
from stanchion.store.schema import audit_events
from tests.conftest import openai_route
from tests.upstream import Upstream

EXAMPLE = Path(__file__).parents[2] / "examples" / "support-assistant"


def cli(*args: str, app: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    return subprocess.run(
        [sys.executable, "-m", "stanchion.cli", *args, "--app", str(app)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_catches_truncation_and_accept_reanchors(tmp_path: Path) -> None:
    app = tmp_path / "support"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(".stanchion"))
    assert cli("quickstart", "--no-serve", app=app).returncode == 0
    ok = cli("audit", "verify", app=app)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: ") and "keyed" in ok.stdout
    store = Store(f"sqlite:///{app / '.stanchion' / 'stanchion.db'}")
    with store.engine.begin() as conn:
        last = conn.execute(select(func.max(audit_events.c.seq))).scalar_one()
        conn.execute(delete(audit_events).where(audit_events.c.seq > last - 2))
    bad = cli("audit", "verify", app=app)
    assert bad.returncode == 1
    assert f"TAMPERED at event {last - 1}: events {last - 1}..{last} deleted" in bad.stdout
    assert "--yes" in cli("audit", "accept", app=app).stderr
    accepted = cli("audit", "accept", "--yes", app=app)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert cli("audit", "verify", app=app).returncode == 0
    with store.engine.begin() as conn:
        conn.execute(delete(audit_events))
    gone = cli("audit", "verify", app=app)
    store.dispose()
    assert gone.returncode == 1 and "all events deleted" in gone.stdout


def test_admin_route_reports_truncation(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    admin = {"authorization": f"Bearer {gw.make_key('admin')}"}
    for user in ("bob", "carol"):
        r = httpx.post(gw.url + "/admin/keys", headers=admin, json={"user": user, "role": "user"})
        assert r.status_code == 201
    report = httpx.get(gw.url + "/admin/audit/verify", headers=admin).json()
    assert report["ok"] is True and report["keyed"] is True
    assert report["legacy_end"] == 1 and report["checkpoint_seq"] == report["events"] == 4
    with gw.store.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq == 4))
    report = httpx.get(gw.url + "/admin/audit/verify", headers=admin).json()
    assert report["ok"] is False and report["first_bad_seq"] == 4
    assert "truncated" in report["problem"]
