"""Issue 8, item 14: a key's expiry is a real time in the future (at most ten years ahead)
at every door: ``create_key``, the CLI and the admin API. ``1e308`` used to be stored, after
which ``keys list`` failed for good; ``true`` and ``-1`` were stored too."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from stanchion.errors import BadRequest
from stanchion.store.db import Store
from stanchion.store.keys import create_key
from stanchion.store.schema import api_keys, audit_events
from tests.conftest import openai_route
from tests.core.test_cli_commands import invoke
from tests.upstream import Upstream

EXAMPLE = Path(__file__).parents[2] / "examples" / "support-assistant"
BAD_EXPIRIES: list[Any] = [
    1e308,
    True,
    False,
    -1,
    0,
    math.inf,
    math.nan,
    "2030-01-01",
    [1],
    {"at": 1},
]
JSON_SAFE = [e for e in BAD_EXPIRIES if not isinstance(e, float) or math.isfinite(e)]


def _rows(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        keys = conn.execute(select(func.count()).select_from(api_keys)).scalar_one()
        events = conn.execute(select(func.count()).select_from(audit_events)).scalar_one()
    return keys, events


@pytest.mark.parametrize("expires", [*BAD_EXPIRIES, "past", "eleven years"])
def test_create_key_refuses_bad_expiry(db_url: str, expires: Any) -> None:
    store = Store(db_url)
    store.upgrade()
    if expires == "past":
        expires = time.time() - 1
    elif expires == "eleven years":
        expires = time.time() + 11 * 365 * 86400
    before = _rows(store)
    with pytest.raises(BadRequest) as err, store.engine.begin() as conn:
        create_key(conn, user="u", role="user", actor="t", expires_at=expires)
    assert err.value.param == "expires_at"
    assert _rows(store) == before  # no half-written key or audit event
    store.dispose()


@pytest.mark.parametrize("user", ["", "   ", "a" * 201, "nul\x00name", 7, None])
def test_create_key_refuses_bad_user(db_url: str, user: Any) -> None:
    store = Store(db_url)
    store.upgrade()
    with pytest.raises(BadRequest) as err, store.engine.begin() as conn:
        create_key(conn, user=user, role="user", actor="t")
    assert err.value.param == "user"
    store.dispose()


def test_create_key_accepts_good_expiry(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    soon, far = time.time() + 60, time.time() + 3649 * 86400
    with store.engine.begin() as conn:
        _, a = create_key(conn, user="u", role="user", actor="t", expires_at=int(soon))
        _, b = create_key(conn, user="u", role="user", actor="t", expires_at=far)
        _, c = create_key(conn, user="u", role="user", actor="t")
    assert (a.expires_at, b.expires_at, c.expires_at) == (float(int(soon)), far, None)
    store.dispose()


def test_admin_api_answers_400_for_bad_expiry(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    admin = {"authorization": f"Bearer {gw.make_key('admin')}"}
    literals = [json.dumps(e) for e in JSON_SAFE]
    for expires in [*literals, "1e999", "-1e999", str(time.time() - 5)]:
        r = httpx.post(
            gw.url + "/admin/keys",
            headers={**admin, "content-type": "application/json"},
            content=f'{{"user": "bob", "role": "user", "expires_at": {expires}}}',
        )
        err = r.json()["error"]
        assert err["type"] == "invalid_request_error"
        # 1e999 overflows to infinity, which is not JSON: the body is refused as a whole;
        # a value of the wrong type is a 422, a number out of range a 400 (the README's table)
        if "e999" in expires:
            want = (400, None, "invalid_json")
        elif isinstance(json.loads(expires), bool | str | list | dict):
            want = (422, "expires_at", "unprocessable")
        else:
            want = (400, "expires_at", "invalid_request")
        assert (r.status_code, err["param"], err["code"]) == want, (expires, r.text)
    r = httpx.get(gw.url + "/admin/keys", headers=admin)
    assert r.status_code == 200 and len(r.json()["data"]) == 1


def _cli(app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    return subprocess.run(
        [sys.executable, "-m", "stanchion.cli", *args, "--app", str(app)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_cli_refuses_bad_durations_and_lists_a_bad_row(tmp_path: Path) -> None:
    app = tmp_path / "support"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(".stanchion"))
    assert _cli(app, "quickstart", "--no-serve").returncode == 0
    # In process (a CLI process costs seconds of imports on a loaded machine); the real
    # process runs quickstart and the listing.
    for bad in ("99999999999d", "0d", "3651d", "-1d", "1e308s", "1.5d", "５d"):
        res = invoke(
            "keys", "create", "--user", "x", "--role", "user", "--expires-in", bad, app=app
        )
        assert res.exit_code == 2 and "--expires-in" in res.stderr, (bad, res.stderr)
        assert "Traceback" not in res.stderr
    made = invoke(
        "keys", "create", "--user", "ok", "--role", "user", "--expires-in", "30d", app=app
    )
    assert made.exit_code == 0, made.output
    # A row written before this fix (or by hand) must not stop `keys list` for good.
    store = Store(f"sqlite:///{app / '.stanchion' / 'stanchion.db'}")
    with store.engine.begin() as conn:
        conn.execute(update(api_keys).where(api_keys.c.user == "ok").values(expires_at=1e308))
    store.dispose()
    listing = _cli(app, "keys", "list")
    assert listing.returncode == 0, listing.stderr
    assert "ok" in listing.stdout and "invalid (1e+308)" in listing.stdout
