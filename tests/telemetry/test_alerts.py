"""Alerts end to end on replayed traffic: an injected shift (a new topic, a ratings drop, a
cost jump) raises the right alerts once each, delivered, signed, to a real local webhook
receiver that fails twice first; a steady replay raises none; a shift that ends resolves.
The evaluator's lease is held by one of two evaluators (store and Redis)."""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
import yaml
from sqlalchemy import select

from stanchion.alerts.deliver import Dispatcher, list_events, raise_alert, verify
from stanchion.alerts.engine import Monitor
from stanchion.alerts.lease import RedisLease, StoreLease
from stanchion.alerts.schema import alert_events
from stanchion.knowledge.sealed_terms import TermKey
from stanchion.reports.rollup import HOUR
from stanchion.spec.model import AppSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from tests.telemetry.traffic import Shift, replay_hour, shifted_at

SECRET = "whsec-test-0123456789"
REDIS_URL = os.environ.get("STANCHION_TEST_REDIS", "redis://127.0.0.1:6379/0")
RULES = """
- {name: new-topic, signal: query_terms, test: js, threshold: 0.05, window: 3h,
   baseline: 24h, min_sample: 100, channels: [ops]}
- {name: unanswerable-up, signal: unanswerable_rate, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 100, channels: [ops]}
- {name: refusals-up, signal: refusal_rate, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 100, channels: [ops]}
- {name: ratings-drop, signal: satisfaction, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 30, severity: critical, channels: [ops]}
- {name: cost-jump, signal: cost_per_output, test: z, threshold: 4, window: 3h,
   baseline: 24h, min_sample: 100, channels: [ops]}
- {name: latency-shift, signal: latency, test: psi, threshold: 0.25, window: 3h,
   baseline: 24h, min_sample: 300, channels: [ops]}
"""
EXPECTED = {
    "topic": {"new-topic", "unanswerable-up", "refusals-up"},
    "ratings": {"ratings-drop"},
    "cost": {"cost-jump"},
    None: set(),
}


def spec_with(url: str) -> AppSpec:
    doc = {
        "app": "demo",
        "goal": {"statement": "test"},
        "owners": {"business": "b@example.com"},
        "models": {"default": "m", "routes": [{"name": "m", "provider": "local"}]},
        "alerts": {
            "channels": {
                "ops": {"url": url, "secret_env": "ALERT_SECRET", "backoff_seconds": 0.01}
            },
            "rules": yaml.safe_load(RULES),
        },
    }
    return AppSpec.model_validate(doc)


class Receiver:
    """A webhook endpoint that answers 500 to its first ``fail`` requests, then 200, and
    keeps what arrived with whether its signature verified."""

    def __init__(self, fail: int = 2) -> None:
        self.calls: list[tuple[int, dict[str, Any], bool]] = []
        receiver, self.fail = self, fail

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                sig = self.headers.get("x-stanchion-signature", "")
                ok = verify(SECRET, body, sig, time.time())
                status = 500 if len(receiver.calls) < receiver.fail else 200
                receiver.calls.append((status, orjson.loads(body), ok))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict[str, Any]]:
        return [body["stanchion"] for status, body, _ in self.calls if status == 200]


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _monitor(store: Store, spec: AppSpec, holder: str = "a") -> Monitor:
    sink = Dispatcher(store, spec.alerts.channels, {"ALERT_SECRET": SECRET}.get)
    return Monitor(store, spec, StoreLease(store), sink, holder=holder)


def run_replay(store: Store, spec: AppSpec, shift: Shift | None, hours: int) -> list[Any]:
    """Replay ``hours`` hours, one evaluation at the end of each; every event raised."""
    cipher, rng = Cipher(b"k" * 32), random.Random(11)
    term_hash = TermKey(cipher)
    start = (time.time() // HOUR - hours - 2) * HOUR
    monitor, events, index = _monitor(store, spec), [], 0
    for h in range(hours):
        with store.engine.begin() as conn:
            shifted = shifted_at(h, shift)
            index = replay_hour(conn, cipher, term_hash, rng, start + h * HOUR, index, 120, shifted)
        raised = asyncio.run(monitor.evaluate(now=start + (h + 1) * HOUR))
        events.extend((h, e) for e in raised or [])
    return events


@pytest.mark.parametrize("kind", ["topic", "ratings", "cost", None])
def test_a_shift_raises_its_alerts_once(sqlite_url: str, receiver: Receiver, kind: Any) -> None:
    store = Store(sqlite_url)
    store.upgrade()
    shift = Shift(kind, 24) if kind else None
    events = run_replay(store, spec_with(receiver.url), shift, 30)
    fired = [e.rule for h, e in events if e.status == "firing"]
    assert sorted(fired) == sorted(EXPECTED[kind]), events  # each once: no repeats
    assert all(h >= 24 for h, _ in events)  # nothing before the shift
    assert {d["rule"] for d in receiver.delivered()} == EXPECTED[kind]
    assert all(signed for _, _, signed in receiver.calls)
    if kind is not None:
        first, second, third = receiver.calls[:3]
        assert [first[0], second[0], third[0]] == [500, 500, 200]
        assert first[1] == third[1]  # the same event, retried
        assert third[1]["text"].startswith("[FIRING]")  # Slack's incoming-webhook shape
        with store.engine.connect() as conn:
            rows = list_events(conn, "demo")
        assert all(r["delivered"] for r in rows)
        assert max(r["attempts"] for r in rows) == 3
    store.dispose()


def test_a_shift_that_ends_is_resolved_once(sqlite_url: str, receiver: Receiver) -> None:
    store = Store(sqlite_url)
    store.upgrade()
    receiver.fail = 0
    spec = spec_with(receiver.url)
    spec.alerts.rules[:] = [r for r in spec.alerts.rules if r.name == "cost-jump"]
    cipher, rng = Cipher(b"k" * 32), random.Random(5)
    start = (time.time() // HOUR - 40) * HOUR
    monitor, statuses, index = _monitor(store, spec), [], 0
    for h in range(36):
        with store.engine.begin() as conn:
            shifted = {"cost"} if 24 <= h < 28 else set()
            index = replay_hour(
                conn, cipher, TermKey(cipher), rng, start + h * HOUR, index, 120, shifted
            )
        statuses += [
            e.status for e in asyncio.run(monitor.evaluate(now=start + (h + 1) * HOUR)) or []
        ]
    assert statuses == ["firing", "resolved"]
    assert [d["status"] for d in receiver.delivered()] == ["firing", "resolved"]
    assert "resolved" in receiver.calls[-1][1]["text"]
    store.dispose()


def test_store_lease_one_evaluator_at_a_time(db_url: str, receiver: Receiver) -> None:
    store = Store(db_url)
    store.upgrade()
    spec = spec_with(receiver.url)
    a, b = _monitor(store, spec, "a"), _monitor(store, spec, "b")
    now = time.time()
    assert asyncio.run(a.evaluate(now=now)) == []
    assert asyncio.run(b.evaluate(now=now + 1)) is None  # a holds it
    assert asyncio.run(a.evaluate(now=now + 60)) == []  # a renews it
    ttl = spec.alerts.lease_seconds
    assert asyncio.run(b.evaluate(now=now + 61 + ttl)) == []  # a went quiet: b takes over
    assert asyncio.run(a.evaluate(now=now + 62 + ttl)) is None
    assert (a.rounds, b.rounds) == (2, 1)
    store.dispose()


def test_redis_lease_one_holder() -> None:
    one, two = RedisLease(REDIS_URL), RedisLease(REDIS_URL)
    name = f"test-{random.random()}"
    try:
        assert one.acquire(name, "a", 0.3, 0)
        assert not two.acquire(name, "b", 0.3, 0)
        assert one.acquire(name, "a", 0.3, 0)  # renewal
        time.sleep(0.45)
        assert two.acquire(name, "b", 5, 0)  # a's lease lapsed
        assert not one.acquire(name, "a", 5, 0)
        two.release(name, "b")
        assert one.acquire(name, "a", 5, 0)
    finally:
        one.release(name, "a")
        one.close()
        two.close()


def test_raise_alert_for_other_parts(sqlite_url: str, receiver: Receiver) -> None:
    """What a pilot gate calls: recorded, delivered with retries, in the events list."""

    class Rt:
        store = Store(sqlite_url)
        spec = spec_with(receiver.url)
        settings = type("S", (), {"env_value": staticmethod({"ALERT_SECRET": SECRET}.get)})()
        clock = staticmethod(time.time)

    Rt.store.upgrade()
    event = asyncio.run(raise_alert(Rt, "pilot-gate", "critical", "csat below gate", {"gate": 4}))
    assert receiver.delivered()[0]["id"] == event.id
    with Rt.store.engine.connect() as conn:
        row = conn.execute(select(alert_events).where(alert_events.c.id == event.id)).one()
    assert row.delivered and row.attempts == 3 and row.status == "firing"
    Rt.store.dispose()
