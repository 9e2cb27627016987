"""A rollout alert (a breached pilot gate rolled back, a canary rolled back) reaches the
spec's alert channels: raised in the rollout's store transaction, delivered signed by the
alerts dispatcher of the serving process to a real local webhook."""

from __future__ import annotations

import time
from typing import Any

import pytest

from stanchion.rollout.alerts import raise_alert
from stanchion.runtime import audit_keys
from stanchion.spec import load_spec
from stanchion.store.audit import bind_audit
from tests.conftest import openai_route
from tests.rollout.test_pilot import rollout_spec
from tests.telemetry.test_alerts import SECRET, Receiver
from tests.upstream import Upstream


def test_a_rollout_alert_is_delivered_to_the_alert_channels(
    sqlite_url: str, up: Upstream, gateway_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERT_SECRET", SECRET)
    receiver = Receiver(fail=1)
    channels = {"ops": {"url": receiver.url, "secret_env": "ALERT_SECRET", "backoff_seconds": 0.01}}
    try:
        gw = gateway_factory(
            sqlite_url,
            [openai_route(up)],
            start=False,
            rollout=rollout_spec(),
            alerts={"channels": channels},
        )
        bind_audit(gw.store.engine, audit_keys(load_spec(gw.spec_file), gw.folder, gw.settings))
        gw.start()
        with gw.store.engine.begin() as conn:  # as the controller does when a gate breaches
            raise_alert(conn, "demo", "rollback", "satisfaction fell to 2.1", {"from": "everyone"})
            raise_alert(conn, "another-app", "rollback", "not this app's", {})
        deadline = time.monotonic() + 15
        while not receiver.delivered() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        (got,) = receiver.delivered()
        assert got["rule"] == "rollout.rollback" and got["status"] == "firing"
        assert "satisfaction fell" in got["summary"] and got["detail"] == {"from": "everyone"}
        assert [c[0] for c in receiver.calls] == [500, 200] and all(s for *_, s in receiver.calls)
    finally:
        receiver.server.shutdown()
