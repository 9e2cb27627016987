"""Feedback validation and the review state machine, through the real server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from stanchion.store.schema import audit_events
from tests.conftest import openai_route
from tests.registry.conftest import api, chat, ext
from tests.upstream import Upstream

HOLD_POLICY = {
    "detectors": {"toxicity": {"words": ["frobnicate"]}},
    "rules": [{"match": "toxicity.*", "direction": "output", "action": "hold"}],
}


def test_feedback_validation_and_replacement(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    alice_key, bob_key = gw.make_key(user="alice"), gw.make_key(user="bob")
    trace_id = ext(chat(gw, alice_key))["trace_id"]
    alice, bob = api(gw, alice_key), api(gw, bob_key)
    r = alice.post("/v1/feedback", json={"trace_id": trace_id, "score": 4, "comment": "good"})
    assert r.status_code == 201 and r.json()["replaced"] is False
    r = alice.post("/v1/feedback", json={"trace_id": trace_id, "score": 5})
    assert r.status_code == 200 and r.json()["replaced"] is True
    cases = [
        ({"trace_id": trace_id, "score": 0}, 400, "score"),
        ({"trace_id": trace_id, "score": 6}, 400, "score"),
        ({"trace_id": trace_id, "score": "5"}, 422, "score"),
        ({"trace_id": trace_id}, 400, "score"),
        ({"score": 3}, 400, "trace_id"),
        ({"trace_id": trace_id, "score": True}, 422, "score"),
    ]
    for body, status, param in cases:
        r = alice.post("/v1/feedback", json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["param"] == param, (body, r.text)
    r = bob.post("/v1/feedback", json={"trace_id": trace_id, "score": 1})
    assert r.status_code == 404 and r.json()["error"]["param"] == "trace_id"  # not 403: hidden
    r = alice.post("/v1/feedback", json={"trace_id": "nope", "score": 3})
    assert r.status_code == 404 and r.json()["error"]["param"] == "trace_id"
    low = ext(chat(gw, alice_key, "second question"))["trace_id"]
    r = alice.post("/v1/feedback", json={"trace_id": low, "score": 2, "correction": "better"})
    assert r.json()["queued_for_review"] is True
    rev = api(gw, gw.make_key("reviewer", user="rita"))
    items = rev.get("/admin/review").json()["data"]
    assert [(i["trace_id"], i["reason"], i["question"]) for i in items] == [
        (low, "low_rating", "second question")
    ]
    assert alice.get("/admin/review").status_code == 403
    owner = api(gw, gw.make_key("owner", user="olga"))
    report = owner.get("/admin/reports/versions").json()
    assert report["satisfaction_target"] == 4.2
    [row] = report["data"]
    assert row["prompt_version"].startswith("system@") and row["model_version"].startswith("gpt@")
    assert (row["requests"], row["ratings"], row["satisfaction"]) == (2, 2, 3.5)


def test_hold_is_released_once_by_a_reviewer(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], guards=HOLD_POLICY)
    key = gw.make_key(user="alice")
    alice = api(gw, key)
    up.script({"content": "You can frobnicate the hub."}, {"content": "frobnicate twice"})
    first, second = chat(gw, key, "how?"), chat(gw, key, "and then?")
    assert ext(first)["decision"] == "hold"
    assert "frobnicate" not in (first.choices[0].message.content or "")
    t1, t2 = ext(first)["trace_id"], ext(second)["trace_id"]
    assert alice.get(f"/v1/traces/{t1}/answer").json() == {
        "trace_id": t1,
        "status": "held",
        "content": None,
    }
    rita = api(gw, gw.make_key("reviewer", user="rita"))
    raj = api(gw, gw.make_key("reviewer", user="raj"))
    assert {i["trace_id"] for i in rita.get("/admin/review").json()["data"]} == {t1, t2}
    assert rita.post(f"/admin/review/{t1}/claim").json()["status"] == "claimed"
    r = raj.post(f"/admin/review/{t1}/approve")
    assert r.status_code == 409 and "claimed by rita" in r.json()["error"]["message"]
    r = rita.post(f"/admin/review/{t1}/edit", json={"content": ""})
    assert r.status_code == 400
    r = rita.post(f"/admin/review/{t1}/edit", json={"content": "Ask support to reset it."})
    assert r.status_code == 200 and r.json()["status"] == "edited"
    for action in ("approve", "reject", "edit"):
        r = rita.post(f"/admin/review/{t1}/{action}", json={"content": "again"})
        assert r.status_code == 409, action
    assert alice.get(f"/v1/traces/{t1}/answer").json() == {
        "trace_id": t1,
        "status": "released",
        "content": "Ask support to reset it.",
        "edited": True,
    }
    r = raj.post(f"/admin/review/{t2}/approve", json={"note": "fine"})
    assert r.json()["final"] == "frobnicate twice"
    assert raj.post(f"/admin/review/{t2}/reject").status_code == 409
    assert alice.get(f"/v1/traces/{t2}/answer").json()["content"] == "frobnicate twice"
    other = api(gw, gw.make_key(user="mallory"))
    assert other.get(f"/v1/traces/{t2}/answer").status_code == 404
    assert rita.post(f"/admin/review/{t1}/bogus").status_code == 404
    with gw.store.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_events.c.action))]
    assert {"review.claim", "review.edit", "review.approve"} <= set(actions)
    assert rita.get("/admin/review", params={"status": "open"}).json()["data"] == []
