"""Issue 8 item 9: one bad registry version must not stop any replica. Versions are checked
in full when pushed; a label move is all-or-nothing; a replica that meets an unloadable
version keeps serving the last good one and says so (log, metric, readiness), and a
restart with a bad version in the store still starts. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from stanchion.registry.labels import generation
from stanchion.registry.schema import reg_label_history, reg_labels
from stanchion.store.schema import audit_events
from tests.conftest import Gateway, openai_route
from tests.registry.conftest import FAST, api, chat
from tests.registry.test_cli_evals import run
from tests.registry.test_hardening_secrets import force_label, plant, push, refused, route
from tests.upstream import Upstream

OPEN = {**FAST, "protected": []}


def served_model(up: Upstream) -> str:
    model: str = up.requests[-1]["body"]["model"]
    return model


def wait_for(check: Any, seconds: float = 3.0) -> None:
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < seconds, "condition never held"
        time.sleep(0.05)


def test_push_validates_like_the_spec(
    db_url: str, up: Upstream, gateway_factory: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("UP_KEY", raising=False)
    models = {"default": "gpt", "routes": [openai_route(up)], "allow": {"secrets": ["UP_KEY"]}}
    gw = gateway_factory(db_url, [openai_route(up)], models=models)
    c = api(gw, gw.make_key("owner", user="ana"))
    cases = [
        (route(provider="nope", base_url=up.base_url), "unknown provider 'nope'"),
        (route(base_url=up.base_url, options={"bogus": 1}), "options.bogus: unknown option"),
        (route(base_url=up.base_url, options={"breaker_threshold": "x"}), "breaker_threshold"),
        (route(base_url=up.base_url, options={"api_version": "1&x=2"}), "api_version"),
        (route(), "needs base_url"),
        (route(base_url="ftp://127.0.0.1/v1"), "http"),
        (route(base_url=up.base_url, timeout=-1), "timeout"),
        ({"name": "gpt", "provider": "openai", "surprise": 1}, "surprise"),
        (route(base_url=up.base_url, api_key_env="UP_KEY"), "UP_KEY is not set"),
    ]
    for content, words in cases:
        refused(push(c, content), words)
    other = c.post(
        "/admin/registry/models/versions", json={"name": "other", "content": route("gpt")}
    )
    refused(other, "differs from name")
    assert c.get("/admin/registry/models/versions").json()["data"] == []
    good = push(c, route("gpt", base_url=up.base_url, options={"breaker_threshold": 3}))
    assert good.status_code == 201, good.text


def test_label_move_is_all_or_nothing(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry=OPEN)
    c = api(gw, gw.make_key("owner", user="ana"))
    good = push(c, route(base_url=up.base_url, model="up-model-v2")).json()["id"]
    assert c.put("/admin/registry/models/labels/production", json={"version": good}).is_success
    bad = plant(gw, route(provider="nope", base_url=up.base_url))
    with gw.store.engine.connect() as conn:
        before = (
            generation(conn, "demo"),
            conn.execute(select(func.count()).select_from(reg_label_history)).scalar(),
            conn.execute(select(func.count()).select_from(audit_events)).scalar(),
        )
    for body in ({"version": bad}, {"version": bad, "canary_percent": 10}):
        r = c.put("/admin/registry/models/labels/production", json=body)
        refused(r, "unknown provider 'nope'")
    assert c.put("/admin/registry/models/labels/staging", json={"version": bad}).status_code == 400
    with gw.store.engine.connect() as conn:
        after = (
            generation(conn, "demo"),
            conn.execute(select(func.count()).select_from(reg_label_history)).scalar(),
            conn.execute(select(func.count()).select_from(audit_events)).scalar(),
        )
        rows = conn.execute(select(reg_labels.c.label, reg_labels.c.version_id)).all()
    assert after == before and [tuple(r) for r in rows] == [("production", good)]
    chat(gw, gw.make_key())
    assert served_model(up) == "up-model-v2"


def test_a_replica_keeps_the_last_good_version_and_says_so(
    db_url: str, up: Upstream, gateway_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry=OPEN)
    admin = api(gw, gw.make_key("admin", user="root"))
    c = api(gw, gw.make_key("owner", user="ana"))
    user = gw.make_key()
    good = push(c, route(base_url=up.base_url, model="up-model-v2")).json()["id"]
    assert c.put("/admin/registry/models/labels/production", json={"version": good}).is_success
    chat(gw, user)
    assert served_model(up) == "up-model-v2"
    assert admin.get("/readyz").json()["status"] == "ready"
    bad = plant(gw, route(provider="nope", base_url=up.base_url))
    with caplog.at_level(logging.ERROR, logger="stanchion.registry"):
        force_label(gw, bad)
        wait_for(lambda: admin.get("/readyz").json()["status"] == "degraded")
    ready = admin.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["issues"] == [f"model gpt: version {bad} cannot be loaded; serving {good}"]
    assert any(
        bad in r.getMessage() and "unknown provider" in r.getMessage() for r in caplog.records
    )
    for _ in range(3):
        chat(gw, user)
        assert served_model(up) == "up-model-v2"
    metrics = admin.get("/metrics").text
    assert 'stanchion_registry_unloadable_total{kind="model"} 1' in metrics
    assert "stanchion_registry_unloadable_versions 1" in metrics
    listed = c.get("/admin/registry/models/labels").json()["unloadable"]
    assert listed[0]["version_id"] == bad and "unknown provider" in listed[0]["reason"]
    assert c.put("/admin/registry/models/labels/production", json={"version": good}).is_success
    wait_for(lambda: admin.get("/readyz").json()["status"] == "ready")


def test_a_restart_with_a_bad_version_in_the_store_still_starts(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw1: Gateway = gateway_factory(db_url, [openai_route(up)], registry=OPEN)
    bad = plant(gw1, route(provider="nope", base_url=up.base_url))
    bad_prompt = plant(gw1, {"template": "Hi {{ nobody }}"}, kind="prompt")
    force_label(gw1, bad)
    force_label(gw1, bad_prompt, kind="prompt")
    gw1.stop()
    gw2: Gateway = gateway_factory(db_url, [openai_route(up)], start=False, registry=OPEN)
    gw2.settings, gw2.key = gw1.settings, gw1.key
    gw2.start()
    admin = api(gw2, gw2.make_key("admin", user="root"))
    assert chat(gw2, gw2.make_key()).choices[0].message.content == "echo: hello"
    assert served_model(up) == "up-model"
    assert up.requests[-1]["body"]["messages"][0]["content"].startswith("You are the assistant")
    issues = sorted(admin.get("/readyz").json()["issues"])
    assert len(issues) == 2, issues
    assert issues[0].startswith(f"model gpt: version {bad} cannot be loaded; serving gpt@")
    assert issues[1].startswith(
        f"prompt system: version {bad_prompt} cannot be loaded; serving system@"
    )


def test_the_cli_refuses_a_label_move_to_an_unloadable_version(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw: Gateway = gateway_factory(db_url, [openai_route(up)], start=False, registry=OPEN)
    bad = plant(gw, route(provider="nope", base_url=up.base_url))
    evil = plant(gw, route(base_url="http://169.254.169.254/v1"))
    for vid, words in ((bad, "unknown provider 'nope'"), (evil, "not in models.allow.hosts")):
        out = run(gw, "models", "label", "production", vid, code=2)
        assert words in out, out
    with gw.store.engine.connect() as conn:
        assert conn.execute(select(reg_labels)).first() is None


def test_an_unloadable_version_is_reported_without_its_values(
    db_url: str, up: Upstream, gateway_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry=OPEN)
    c = api(gw, gw.make_key("owner", user="ana"))
    bad = plant(gw, route(base_url="http://user:hunter2@127.0.0.1:1/v1"))
    with caplog.at_level(logging.INFO, logger="stanchion"):
        force_label(gw, bad)
        wait_for(lambda: bool(c.get("/admin/registry/models/labels").json()["unloadable"]))
    reason = c.get("/admin/registry/models/labels").json()["unloadable"][0]["reason"]
    assert "credentials" in reason and "hunter2" not in reason
    assert not any("hunter2" in r.getMessage() for r in caplog.records)
