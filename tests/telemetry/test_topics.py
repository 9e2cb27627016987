"""New topics: refused and low-rated questions clustered into themes with counts and
examples, through the CLI and the API (content: ``traces.read`` roles only)."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import orjson
from click.testing import CliRunner

from stanchion.cli.main import cli
from stanchion.evals.feedback import Rating, record
from stanchion.reports.rollup import store_traces
from stanchion.store.crypto import Cipher
from tests.conftest import openai_route
from tests.upstream import Upstream

REFUSED = [
    "can I pay with bitcoin",
    "do you take bitcoin payments",
    "bitcoin payment for my kettle",
    "pay in bitcoin please",
    "is the warranty valid in japan",
    "warranty in japan for a toaster",
]
LOW = ["why is the refund so slow", "refund still slow after a month", "refund slow \x1b[31m"]


def _row(i: int, q: str, at: float, cipher: Cipher, decision: str) -> dict[str, Any]:
    request = {"messages": [{"role": "user", "content": q}]}
    return {
        "id": f"q{i:04d}",
        "app": "demo",
        "created_at": at,
        "user": "ana",
        "status": 200,
        "decision": decision,
        "stream": False,
        "timings": "{}",
        "findings": "[]",
        "annotations": "{}",
        "request_enc": cipher.encrypt(orjson.dumps(request)),
    }


def test_topics_cli_and_api(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    cipher = Cipher(base64.b64decode(gw.key))
    now = time.time() - 60
    rows = [_row(i, q, now - i, cipher, "refuse") for i, q in enumerate(REFUSED)]
    rows += [_row(100 + i, q, now - i, cipher, "pass") for i, q in enumerate(LOW)]
    rows.append(_row(200, "what are your opening hours", now, cipher, "pass"))  # neither
    with gw.store.engine.begin() as conn:
        store_traces(conn, rows)
        for i in range(len(LOW)):
            record(conn, cipher, Rating(f"q{100 + i:04d}", "demo", "ana", None, 1, None, None))
    env = {"STANCHION_DATABASE_URL": sqlite_url, "STANCHION_ENCRYPTION_KEY": gw.key}
    out = CliRunner().invoke(cli, ["report", "topics", "--app", str(gw.folder), "--json"], env=env)
    assert out.exit_code == 0, out.output
    found = orjson.loads(out.output)
    themes = {
        w: next(t for t in found if w in t["label"].split()) for w in ("bitcoin", "japan", "refund")
    }
    assert themes["bitcoin"]["count"] == 4 and themes["bitcoin"]["refused"] == 4
    assert "bitcoin" in themes["bitcoin"]["label"] and "kettle" not in themes["bitcoin"]["label"]
    assert themes["japan"]["count"] == 2
    assert themes["refund"]["low_rated"] == 3 and themes["refund"]["refused"] == 0
    assert sorted(t["count"] for t in found) == [2, 3, 4]
    assert not any("opening" in e for t in themes.values() for e in t["examples"])
    table = CliRunner().invoke(cli, ["report", "topics", "--app", str(gw.folder)], env=env)
    assert table.exit_code == 0 and "\x1b" not in table.output  # a question is escaped
    reviewer = {"authorization": f"Bearer {gw.make_key('reviewer', user='rev')}"}
    api = httpx.get(gw.url + "/admin/reports/topics", headers=reviewer, timeout=10)
    assert api.status_code == 200
    assert {t["label"] for t in api.json()["data"]} == {t["label"] for t in themes.values()}
    user = {"authorization": f"Bearer {gw.make_key('user', user='bob')}"}
    assert httpx.get(gw.url + "/admin/reports/topics", headers=user).status_code == 403
