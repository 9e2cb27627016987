"""Alerts inside a served app: the background evaluator raises and resolves through the
trace writer's rollups (a real request, through the official SDK), and the CLI lists the
rules and alerts and sends a signed test alert."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest
from click.testing import CliRunner

from stanchion.cli.main import cli
from tests.conftest import openai_route
from tests.telemetry.test_alerts import SECRET, Receiver
from tests.upstream import Upstream


def _alerts(url: str) -> dict[str, Any]:
    return {
        "evaluate_seconds": 0.2,
        "channels": {"ops": {"url": url, "secret_env": "ALERT_SECRET", "backoff_seconds": 0.01}},
        "rules": [
            {
                "name": "no-traffic",
                "signal": "requests",
                "test": "threshold",
                "threshold": 0,
                "window": "1h",
                "severity": "critical",
                "channels": ["ops"],
            }
        ],
    }


def _wait(cond: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_served_app_raises_and_resolves_in_the_background(
    sqlite_url: str, up: Upstream, gateway_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERT_SECRET", SECRET)
    receiver = Receiver(fail=2)
    try:
        gw = gateway_factory(sqlite_url, [openai_route(up)], alerts=_alerts(receiver.url))
        _wait(lambda: len(receiver.delivered()) == 1)  # no traffic yet: firing, third try
        client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
        client.chat.completions.create(model="gpt", messages=[{"role": "user", "content": "hello"}])
        _wait(lambda: len(receiver.delivered()) == 2)  # the request is in the rollups
        statuses = [d["status"] for d in receiver.delivered()]
        assert statuses == ["firing", "resolved"]
        assert [c[0] for c in receiver.calls] == [500, 500, 200, 200]
        assert all(signed for _, _, signed in receiver.calls)
        time.sleep(0.5)  # more rounds change nothing
        assert len(receiver.delivered()) == 2
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_alerts_cli_list_and_test(
    sqlite_url: str, up: Upstream, gateway_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Receiver(fail=1)
    try:
        gw = gateway_factory(
            sqlite_url, [openai_route(up)], start=False, alerts=_alerts(receiver.url)
        )
        env = {
            "STANCHION_DATABASE_URL": sqlite_url,
            "STANCHION_ENCRYPTION_KEY": gw.key,
            "ALERT_SECRET": SECRET,
        }
        run = CliRunner().invoke
        out = run(cli, ["alerts", "list", "--app", str(gw.folder)], env=env)
        assert out.exit_code == 0, out.output
        assert "no-traffic" in out.output and "not yet" in out.output
        out = run(cli, ["alerts", "test", "--app", str(gw.folder), "--send"], env=env)
        assert out.exit_code == 0, out.output
        assert "BREACHED" in out.output  # no requests in the last hour
        assert "delivered" in out.output
        assert [c[0] for c in receiver.calls] == [500, 200] and receiver.calls[1][2]
        out = run(cli, ["alerts", "list", "--app", str(gw.folder)], env=env)
        assert "a test alert" in out.output
        bad = run(cli, ["alerts", "list", "--app", str(gw.folder), "--limit", "0"], env=env)
        assert bad.exit_code == 2 and "Traceback" not in bad.output
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
