"""A scripted pilot through a real server, the official SDK and the real local upstream:
ten pilot users and an outsider, ratings, the readiness items moving red to green, an
advance on the owners' sign-off, and a deliberate ratings drop that rolls the stage back
with an alert. Every move is checked in the audit chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from click.testing import CliRunner
from openai import OpenAI
from sqlalchemy import select

from stanchion.cli.main import cli
from stanchion.rollout.alerts import add_sink
from stanchion.runtime import audit_keys, open_store
from stanchion.spec import load_spec
from stanchion.store.audit import bind_audit, open_detail, verify
from stanchion.store.db import Store
from stanchion.store.schema import audit_events, traces
from tests.conftest import Gateway, openai_route
from tests.upstream import Upstream

PILOT = [f"u{i:02d}" for i in range(1, 11)]
BUSINESS = "biz@example.com"


def rollout_spec(check_seconds: float = 0.2) -> dict[str, Any]:
    return {
        "check_seconds": check_seconds,
        "approvers": ["business"],
        "min_raters": 10,
        "tls": "proxy",
        "training": "https://wiki.example/assistant",
        "stages": [
            {"name": "pilot", "users": PILOT, "min_rated": 10, "gates": {"satisfaction": 4.0}},
            {
                "name": "everyone",
                "everyone": True,
                "min_rated": 5,
                "gates": {"satisfaction": 4.0, "block_rate": 0.5},
            },
        ],
    }


def answer(gw: Gateway, key: str, text: str = "How long do refunds take?") -> dict[str, Any]:
    """The ``stanchion`` extension of an answer, through the official SDK."""
    with OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0) as client:
        r = client.chat.completions.create(
            model="gpt", messages=[{"role": "user", "content": text}]
        )
    ext: dict[str, Any] = r.model_extra["stanchion"]  # type: ignore[index]
    return ext


def ask(gw: Gateway, key: str, text: str = "How long do refunds take?") -> str:
    trace_id: str = answer(gw, key, text)["trace_id"]
    return trace_id


def rate(gw: Gateway, key: str, trace_id: str, score: int, comment: str | None = None) -> None:
    body = {"trace_id": trace_id, "score": score, **({"comment": comment} if comment else {})}
    r = httpx.post(f"{gw.url}/v1/feedback", json=body, headers={"authorization": f"Bearer {key}"})
    assert r.status_code in (200, 201), r.text


def admin(gw: Gateway, key: str, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(
        method, gw.url + path, headers={"authorization": f"Bearer {key}"}, timeout=30, **kw
    )


def items(gw: Gateway, key: str) -> dict[str, bool]:
    rep = admin(gw, key, "GET", "/admin/readiness").json()
    return {i["key"]: i["ok"] for i in rep["items"]}


def audit_actions(gw: Gateway) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    """The audit events with their details opened, and whether the chain verifies, read
    through a store keyed like the server's."""
    store = open_store(load_spec(gw.spec_file), gw.folder, gw.settings)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(audit_events).order_by(audit_events.c.seq)).all()
            return [(r.action, open_detail(conn, r.detail)) for r in rows], verify(conn).ok
    finally:
        store.dispose()


def wait_for(pred: Callable[[], bool], seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture()
def pilot(gateway_factory: Any, db_url: str, up: Upstream) -> Gateway:
    gw: Gateway = gateway_factory(db_url, [openai_route(up)], start=False, rollout=rollout_spec())
    # The test's own key writes go into the chain keyed, like the CLI's and the server's.
    bind_audit(gw.store.engine, audit_keys(load_spec(gw.spec_file), gw.folder, gw.settings))
    gw.start()
    return gw


def cli_env(gw: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCHION_DATABASE_URL", gw.settings.database_url or "")
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)


def refused_outsider(gw: Gateway, outsider: str, up: Upstream) -> None:
    """Outside the cohort: a clear 403 in OpenAI's shape, saying the app is in pilot."""
    with pytest.raises(openai.PermissionDeniedError) as denied:
        ask(gw, outsider)
    err = denied.value.body
    assert isinstance(err, dict) and err["code"] == "pilot_only"
    assert "in pilot" in err["message"] and "wiki.example" in err["message"]
    assert up.requests == []  # the outsider never reached the model


def pilot_rates(gw: Gateway, keys: dict[str, str], owner: str) -> None:
    """Ten users ask and rate well; the cohort is on each trace, staff are "staff"; the
    answers carry the training material."""
    for key in keys.values():
        rate(gw, key, ask(gw, key), 5, "quick and clear about refunds")
    assert answer(gw, keys["u01"], "hi")["rollout"] == {
        "cohort": "pilot",
        "training": "https://wiki.example/assistant",
    }
    ask(gw, owner)

    def cohorts() -> list[Any]:
        with gw.store.engine.connect() as conn:
            return list(conn.execute(select(traces.c.user, traces.c.cohort)).all())

    wait_for(lambda: len(cohorts()) == 13)  # the outsider's refusal is traced too
    rows = cohorts()
    assert {c for u, c in rows if u in PILOT} == {"pilot"}
    assert {c for u, c in rows if u == BUSINESS} == {"staff"}


def advance_on_signoff(gw: Gateway, owner: str) -> None:
    """Advancing needs the business owner's sign-off, against the current report."""
    r = admin(gw, owner, "POST", "/admin/rollout/advance")
    assert r.status_code == 403 and "approval of stage:everyone" in r.json()["error"]["message"]
    not_owner = gw.make_key(role="owner", user="someone-else")
    report = admin(gw, owner, "GET", "/admin/readiness").json()
    stale = {"subject": "stage:everyone", "function": "business", "report_hash": "0" * 64}
    assert admin(gw, owner, "POST", "/admin/signoffs", json=stale).status_code == 400
    body = {**stale, "report_hash": report["hash"]}
    assert admin(gw, not_owner, "POST", "/admin/signoffs", json=body).status_code == 403
    assert admin(gw, owner, "POST", "/admin/signoffs", json=body).status_code == 201
    r = admin(gw, owner, "POST", "/admin/rollout/advance")
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "everyone"


def check_audit(gw: Gateway) -> None:
    actions, chain_ok = audit_actions(gw)
    assert chain_ok
    names = [a for a, _ in actions]
    assert names.index("rollout.start") < names.index("signoff.stage")
    assert names.index("signoff.stage") < names.index("rollout.advance")
    assert names.index("rollout.advance") < names.index("rollout.rollback")
    alert = next(d for a, d in actions if a == "alert.raised")
    assert alert["from"] == "everyone" and "satisfaction" in alert["breaches"][0]


def test_scripted_pilot(pilot: Gateway, up: Upstream, monkeypatch: pytest.MonkeyPatch) -> None:
    gw = pilot
    keys = {u: gw.make_key(user=u) for u in PILOT}
    outsider = gw.make_key(user="mallory")
    owner = gw.make_key(role="owner", user=BUSINESS)
    alerts: list[tuple[str, str]] = []
    sink = lambda app, kind, message, detail: alerts.append((app, kind))  # noqa: E731
    add_sink(sink)
    monkeypatch.setattr("stanchion.rollout.alerts._SINKS", [sink])

    refused_outsider(gw, outsider, up)
    before = items(gw, owner)
    assert not before["pilot.launched"] and not before["pilot.ratings"]
    assert admin(gw, owner, "POST", "/admin/rollout/advance").status_code == 403  # not started
    cli_env(gw, monkeypatch)
    result = CliRunner().invoke(cli, ["rollout", "start", "--app", str(gw.folder)])
    assert result.exit_code == 0 and "stage pilot" in result.output, result.output

    pilot_rates(gw, keys, owner)
    after = items(gw, owner)
    assert after["pilot.launched"] and after["pilot.ratings"]  # red -> green

    advance_on_signoff(gw, owner)
    ask(gw, outsider)  # everyone is in now

    # A deliberate ratings drop: the stage rolls back by itself, with an alert.
    for key in list(keys.values())[:5]:
        rate(gw, key, ask(gw, key), 1, "wrong refund period, not helpful")

    def rolled_back() -> bool:
        return admin(gw, owner, "GET", "/admin/rollout").json()["state"]["stage"] == "pilot"

    wait_for(rolled_back)
    with pytest.raises(openai.PermissionDeniedError):
        ask(gw, outsider)
    assert alerts == [("demo", "rollout.gate_breached")]
    check_audit(gw)

    # The people loop: comments' themes, the share of users who rated (11 users: not staff).
    people = admin(gw, owner, "GET", "/admin/readiness").json()["people"]
    assert people["raters"] == 10 and people["rated_share"] == round(10 / 11, 4)
    themes = {t["theme"]: t for t in people["themes"]}
    assert len(themes) == 2, themes
    assert sorted(t["comments"] for t in themes.values()) == [5, 10]


def test_a_sized_stage_seats_the_first_users(
    gateway_factory: Any, sqlite_url: str, up: Upstream
) -> None:
    """A stage of ``size: 2`` admits the named pilot plus the first two others to come; the
    third is refused, and the seats survive a restart (they are in the store)."""
    stages = [{"name": "pilot", "users": ["ana"]}, {"name": "two", "size": 2},
              {"name": "all", "everyone": True}]  # fmt: skip
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False, rollout={"stages": stages})
    bind_audit(gw.store.engine, audit_keys(load_spec(gw.spec_file), gw.folder, gw.settings))
    gw.start()
    owner = gw.make_key(role="owner", user=BUSINESS)
    x, y, z = (gw.make_key(user=u) for u in ("xavier", "yann", "zoe"))
    with pytest.raises(openai.PermissionDeniedError):
        ask(gw, x)  # still the pilot
    assert admin(gw, owner, "POST", "/admin/rollout/start").status_code == 200
    report = admin(gw, owner, "GET", "/admin/readiness").json()
    body = {"subject": "stage:two", "function": "business", "report_hash": report["hash"]}
    assert admin(gw, owner, "POST", "/admin/signoffs", json=body).status_code == 201
    assert admin(gw, owner, "POST", "/admin/rollout/advance").json()["stage"] == "two"
    assert answer(gw, x)["rollout"]["cohort"] == "two"
    assert answer(gw, y)["rollout"]["cohort"] == "two"
    with pytest.raises(openai.PermissionDeniedError) as full:
        ask(gw, z)
    assert full.value.body["code"] == "pilot_only"  # type: ignore[index]
    gw.stop()
    gw.store = Store(gw.settings.database_url or "")
    bind_audit(gw.store.engine, audit_keys(load_spec(gw.spec_file), gw.folder, gw.settings))
    gw.start()  # a new process: the seats come from the store
    assert answer(gw, x)["rollout"]["cohort"] == "two"
    with pytest.raises(openai.PermissionDeniedError):
        ask(gw, z)
    actions, chain_ok = audit_actions(gw)
    assert chain_ok and [a for a, _ in actions].count("rollout.seat") == 2
