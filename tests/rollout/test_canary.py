"""The KPI-gated canary: the sequential test in a simulation with known effects (false
alarms bounded, better promoted, worse rolled back), then a real canary through a real
server and the registry, promoted when better and rolled back (with an alert) when worse."""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from stanchion.cli.main import cli
from stanchion.registry.cache import bucket
from stanchion.rollout.sequential import Arms, CanaryTest, Running, log_lambda
from stanchion.rollout.simulate import Scenario, simulate
from stanchion.store.schema import audit_events, traces
from tests.conftest import Gateway, openai_route
from tests.registry.conftest import FAST, PROMPT_V2, api, chat, ext, push
from tests.upstream import Upstream

V1 = {"template": "You are the long-winded and careful assistant of {{ company }}, always.",
      "variables": {"company": "Acme"}}  # fmt: skip


def test_log_lambda_matches_the_formula() -> None:
    a, b = Running(), Running()
    for x in (1.0, 2.0, 3.0, 4.0):
        a.add(x)
    for x in (2.0, 3.0, 4.0, 5.0, 6.0):
        b.add(x)
    v = a.var / 4 + b.var / 5
    tau2 = (0.3 * math.sqrt((a.var + b.var) / 2)) ** 2
    d = b.mean - a.mean
    want = 0.5 * math.log(v / (v + tau2)) + d * d * tau2 / (2 * v * (v + tau2))
    assert log_lambda(a, b, 0.3) == pytest.approx((want, 1.5))


def test_no_promotion_before_every_metric_with_data_is_judged() -> None:
    prod, canary = Arms(), Arms()
    for i in range(40):
        prod.add({"cost": 0.004 + i % 2 * 1e-4, "rating": 4.0 if i < 10 else None})
        canary.add({"cost": 0.002 + i % 2 * 1e-4, "rating": 4.0 if i < 10 else None})
    d = CanaryTest(metrics=("cost", "rating")).decide(prod, canary)
    assert d.better == ["cost"] and d.action == "continue"  # cheaper, ratings not in yet
    assert CanaryTest(metrics=("cost",)).decide(prod, canary).action == "promote"


def test_no_decision_before_min_n_then_a_clear_one() -> None:
    prod, canary = Arms(), Arms()
    test = CanaryTest(metrics=("rating",), min_n=30)
    for i in range(29):
        prod.add({"rating": 3.0 + i % 2})
        canary.add({"rating": 5.0 - i % 2})
    assert test.decide(prod, canary).action == "continue"
    for i in range(30):
        prod.add({"rating": 3.0 + i % 2})
        canary.add({"rating": 5.0 - i % 2})
    d = test.decide(prod, canary)
    assert d.action == "promote" and d.better == ["rating"]


def test_simulation_false_alarms_and_power() -> None:
    """Known effects: no difference, better ratings and groundedness, worse latency."""
    same = simulate(Scenario("same"), runs=150, seed=7)
    better = simulate(Scenario("better", rating=0.3, grounded=0.04), runs=60, seed=8)
    worse = simulate(Scenario("slower", latency=1.15), runs=60, seed=9)
    false_alarms = same.actions["promote"] + same.actions["rollback"]
    assert false_alarms / same.runs <= 0.05
    assert better.rates()["promote"] >= 0.9 and better.actions["rollback"] == 0
    assert worse.rates()["rollback"] >= 0.9 and worse.actions["promote"] == 0


def _canary_app(
    gateway_factory: Any, url: str, up: Upstream, **extra: Any
) -> tuple[Gateway, httpx.Client]:
    gw: Gateway = gateway_factory(
        url, [openai_route(up)], registry={**FAST, "protected": []}, **extra
    )
    owner = api(gw, gw.make_key("owner", user="ana"))
    v1, v2 = push(owner, V1)["id"], push(owner, PROMPT_V2)["id"]
    owner.put("/admin/registry/prompts/labels/production", json={"version": v1})
    r = owner.put(
        "/admin/registry/prompts/labels/production", json={"version": v2, "canary_percent": 50}
    )
    assert r.status_code == 200 and r.json()["canary_id"] == v2
    time.sleep(0.3)  # the label cache's refresh
    return gw, owner


def _traffic(gw: Gateway, canary_id: str, score: dict[bool, int]) -> int:
    """90 users ask once and rate; ``score[True]`` is what the canary's users give.
    Returns how many were served the canary."""
    on_canary = 0
    for i in range(90):
        key = gw.make_key(user=f"user{i}")
        info = ext(chat(gw, key, "What is the refund period?"))
        hit = info["prompt_id"] == canary_id
        on_canary += hit
        r = httpx.post(
            f"{gw.url}/v1/feedback",
            json={"trace_id": info["trace_id"], "score": score[hit] - i % 2},
            headers={"authorization": f"Bearer {key}"},
        )
        assert r.status_code in (200, 201), r.text
    return on_canary


def _v2(gw: Gateway) -> str:
    with gw.store.engine.connect() as conn:
        from stanchion.registry.schema import reg_labels

        return str(conn.execute(select(reg_labels.c.canary_id)).scalar() or "")


def _check(gw: Gateway, monkeypatch: pytest.MonkeyPatch, *extra: str) -> str:
    monkeypatch.setenv("STANCHION_DATABASE_URL", gw.settings.database_url or "")
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)
    argv = ["canary", "check", "--apply", "--metric", "rating", *extra, "--app", str(gw.folder)]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    return result.output


def _wait_traces(gw: Gateway, n: int) -> None:
    end = time.monotonic() + 10
    while time.monotonic() < end:
        with gw.store.engine.connect() as conn:
            if len(conn.execute(select(traces.c.id)).all()) >= n:
                return
        time.sleep(0.05)
    raise AssertionError("traces not stored in time")


@pytest.mark.parametrize(("scores", "action"), [({True: 5, False: 4}, "promote"),
                                                ({True: 3, False: 5}, "rollback")])  # fmt: skip
def test_real_canary_is_promoted_or_rolled_back(
    gateway_factory: Any,
    sqlite_url: str,
    up: Upstream,
    monkeypatch: pytest.MonkeyPatch,
    scores: dict[bool, int],
    action: str,
) -> None:
    gw, owner = _canary_app(gateway_factory, sqlite_url, up)
    v2 = _v2(gw)
    assert 30 <= _traffic(gw, v2, scores) <= 60
    _wait_traces(gw, 90)
    out = _check(gw, monkeypatch)
    assert f"decision: {action} (applied)" in out, out
    label = owner.get("/admin/registry/prompts/labels").json()["data"]
    production = next(x for x in label if x["label"] == "production")
    assert production["canary_id"] is None
    assert (production["version_id"] == v2) == (action == "promote")
    with gw.store.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_events.c.action))]
    assert f"canary.{action}" in actions
    assert ("alert.raised" in actions) == (action == "rollback")


def test_real_model_canary_is_rolled_back(
    gateway_factory: Any, sqlite_url: str, up: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A route version as the canary: each answer's arm is its ``model_version``."""
    gw: Gateway = gateway_factory(
        sqlite_url, [openai_route(up)], registry={**FAST, "protected": []}
    )
    owner = api(gw, gw.make_key("owner", user="ana"))
    base = {"name": "gpt", "provider": "openai", "base_url": up.base_url, "timeout": 5}
    versions = [
        owner.post("/admin/registry/models/versions",
                   json={"name": "gpt", "content": {**base, "model": m}}).json()["id"]
        for m in ("up-model", "up-model-v2")
    ]  # fmt: skip
    v1, v2 = versions
    owner.put("/admin/registry/models/labels/production", json={"version": v1})
    r = owner.put(
        "/admin/registry/models/labels/production", json={"version": v2, "canary_percent": 50}
    )
    assert r.status_code == 200 and r.json()["canary_id"] == v2
    time.sleep(0.3)
    served: Counter[bool] = Counter()
    i = 0
    # the split follows the version's random id: ask until each arm has the check's min_n
    # (90 users fall short in about one run of a thousand)
    while i < 90 or min(served[True], served[False]) < 30:
        assert i < 300, served
        user = f"user{i}"
        key = gw.make_key(user=user)
        info = ext(chat(gw, key, "What is the refund period?"))
        on_canary = up.requests[-1]["body"]["model"] == "up-model-v2"
        assert on_canary == (bucket(v2, user) < 50)
        served[on_canary] += 1
        score = (3 if on_canary else 5) - i % 2
        got = httpx.post(f"{gw.url}/v1/feedback", json={"trace_id": info["trace_id"],
                         "score": score}, headers={"authorization": f"Bearer {key}"})  # fmt: skip
        assert got.status_code in (200, 201), got.text
        i += 1
    _wait_traces(gw, i)
    out = _check(gw, monkeypatch, "--kind", "model", "--name", "gpt")
    assert "decision: rollback (applied)" in out, out
    labels = owner.get("/admin/registry/models/labels").json()["data"]
    production = next(x for x in labels if x["label"] == "production")
    assert production["canary_id"] is None and production["version_id"] == v1


def test_the_server_judges_canaries_by_itself(
    gateway_factory: Any, sqlite_url: str, up: Upstream
) -> None:
    """With ``rollout.canary_auto``, each replica's rollout watcher acts on the decision."""
    rollout = {"canary_auto": True, "check_seconds": 0.2,
               "stages": [{"name": "everyone", "everyone": True}]}  # fmt: skip
    gw, _ = _canary_app(gateway_factory, sqlite_url, up, rollout=rollout)
    v2 = _v2(gw)
    _traffic(gw, v2, {True: 3, False: 5})
    end = time.monotonic() + 15
    while _v2(gw) and time.monotonic() < end:
        time.sleep(0.1)
    assert _v2(gw) == ""  # the split ended without a command
    with gw.store.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_events.c.action))]
    assert "canary.rollback" in actions and "alert.raised" in actions
