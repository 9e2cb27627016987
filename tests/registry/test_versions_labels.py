"""Versions are immutable, labels move only through the API and need approvals, and the
hot path serves what the label names; on SQLite and PostgreSQL, over a real socket."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from stanchion.registry.cache import bucket
from stanchion.store.schema import audit_events
from tests.conftest import openai_route
from tests.registry.conftest import FAST, PROMPT_V2, api, chat, ext, push
from tests.upstream import Upstream

V1 = {"template": "You are the assistant of {{ company }}.", "variables": {"company": "Acme"}}


def system_sent(up: Upstream) -> str:
    content: str = up.requests[-1]["body"]["messages"][0]["content"]
    return content


def test_versions_are_immutable_and_diffable(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry=FAST)
    c = api(gw, gw.make_key("owner", user="ana"))
    v1 = push(c, V1, msg="from the file")
    trace_prompt = ext(chat(gw, gw.make_key()))["prompt_id"]
    assert v1["id"] == trace_prompt and v1["number"] == 1 and v1["author"] == "ana"
    again = c.post("/admin/registry/prompts/versions", json={"name": "system", "content": V1})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == v1["id"] and again.json()["message"] == "from the file"
    v2 = push(c, PROMPT_V2, msg="terser")
    assert v2["number"] == 2 and v2["id"] != v1["id"]
    path = f"/admin/registry/prompts/versions/{v1['id']}"
    for method in ("PUT", "PATCH", "DELETE"):
        r = c.request(method, path, json={"content": PROMPT_V2})
        assert r.status_code == 405, (method, r.status_code)
    assert c.get(path).json()["content"] == V1
    assert c.get("/admin/registry/prompts/versions/v1").json()["id"] == v1["id"]
    diff = c.get("/admin/registry/prompts/diff", params={"a": "1", "b": "2"}).json()["diff"]
    assert "-You are the assistant of {{ company }}." in diff
    assert "+You are the terse assistant of {{ company }}." in diff
    bad = c.post(
        "/admin/registry/prompts/versions",
        json={"name": "system", "content": {"template": "Hi {{ nobody }}"}},
    )
    assert bad.status_code == 400
    user = api(gw, gw.make_key("user", user="eve"))
    assert (
        user.post(
            "/admin/registry/prompts/versions", json={"name": "system", "content": V1}
        ).status_code
        == 403
    )


def test_label_serves_moves_and_rolls_back(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry={**FAST, "protected": []})
    c = api(gw, gw.make_key("owner", user="ana"))
    key = gw.make_key()
    v1, v2 = push(c, V1), push(c, PROMPT_V2)
    assert ext(chat(gw, key))["prompt_id"] == v1["id"]
    moved = c.put("/admin/registry/prompts/labels/production", json={"version": v2["id"]})
    assert moved.status_code == 200, moved.text
    r = chat(gw, key)
    assert ext(r)["prompt_id"] == v2["id"]
    assert system_sent(up).startswith("You are the terse assistant of Acme.")
    c.put("/admin/registry/prompts/labels/production", json={"version": v1["id"]})
    c.put("/admin/registry/prompts/labels/production", json={"version": v2["id"]})
    back = c.post("/admin/registry/prompts/labels/production/rollback", json={"name": "system"})
    assert back.status_code == 200 and back.json()["version_id"] == v1["id"]
    assert ext(chat(gw, key))["prompt_id"] == v1["id"]
    back = c.post("/admin/registry/prompts/labels/production/rollback", json={"name": "system"})
    assert back.json()["version_id"] == v2["id"]
    assert (
        c.post(
            "/admin/registry/prompts/labels/production/rollback", json={"name": "system"}
        ).status_code
        == 400
    )
    labels = c.get("/admin/registry/prompts/labels").json()["data"]
    assert [(x["label"], x["version_id"]) for x in labels] == [("production", v2["id"])]


APPROVALS = {**FAST, "approvers": ["owner", "legal"]}


def test_approval_rules(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(
        db_url,
        [openai_route(up)],
        registry=APPROVALS,
        roles={"extra": {"legal": ["prompts.approve", "reports.read"]}},
    )
    ana = api(gw, gw.make_key("owner", user="ana"))
    bob = api(gw, gw.make_key("owner", user="bob"))
    lea = api(gw, gw.make_key("legal", user="lea"))
    root = api(gw, gw.make_key("admin", user="root"))
    rev = api(gw, gw.make_key("reviewer", user="rita"))
    v = push(ana, PROMPT_V2)["id"]
    approve = f"/admin/registry/prompts/versions/{v}/approve"
    body = {"label": "production", "comment": "ok"}
    r = ana.post(approve, json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "self_approval"
    r = root.post(approve, json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_an_approver"
    assert rev.post(approve, json=body).status_code == 403
    move = ("/admin/registry/prompts/labels/production", {"version": v})
    r = ana.put(move[0], json=move[1])
    assert r.status_code == 403 and r.json()["error"]["code"] == "approval_required"
    assert bob.post(approve, json=body).json()["outstanding"] == [
        "needs an approval from role 'legal'"
    ]
    assert (
        lea.post(
            f"/admin/registry/prompts/versions/{v}/reject",
            json={"label": "production", "comment": "claims"},
        ).status_code
        == 201
    )
    r = ana.put(move[0], json=move[1])
    assert r.status_code == 403 and "rejected by lea" in r.json()["error"]["message"]
    assert lea.post(approve, json=body).json()["outstanding"] == []
    assert ana.put(move[0], json=move[1]).status_code == 200
    staging = ana.put("/admin/registry/prompts/labels/staging", json={"version": "1"})
    # staging needs no approval: version 1 (the spec's prompt, registered at start) moves there
    assert staging.status_code == 200, staging.text
    assert staging.json()["version_id"].startswith("system@")
    with gw.store.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_events.c.action))]
    assert actions.count("prompt.approve") == 2 and actions.count("prompt.reject") == 1
    assert actions.count("prompt.label") >= 1
    assert ext(chat(gw, gw.make_key()))["prompt_id"] == v


def test_canary_splits_sticky_by_user(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry={**FAST, "protected": []})
    c = api(gw, gw.make_key("owner", user="ana"))
    v1, v2 = push(c, V1)["id"], push(c, PROMPT_V2)["id"]
    c.put("/admin/registry/prompts/labels/production", json={"version": v1})
    r = c.put(
        "/admin/registry/prompts/labels/production", json={"version": v2, "canary_percent": 30}
    )
    assert r.status_code == 200 and r.json()["canary_id"] == v2
    users = [f"user{i}" for i in range(120)]
    keys = {u: gw.make_key(user=u) for u in users}
    served = {u: ext(chat(gw, keys[u]))["prompt_id"] for u in users}
    expected = {u: v2 if bucket(v2, u) < 30 else v1 for u in users}
    assert served == expected
    assert 20 <= sum(v == v2 for v in served.values()) <= 52
    assert all(ext(chat(gw, keys[u]))["prompt_id"] == served[u] for u in users[:10])
    share = sum(bucket(v2, f"u{i}") < 30 for i in range(20_000)) / 20_000
    assert abs(share - 0.30) < 0.015


def test_label_move_reaches_another_replica(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw1 = gateway_factory(db_url, [openai_route(up)], registry={**FAST, "protected": []})
    gw2 = gateway_factory(
        db_url, [openai_route(up)], start=False, registry={**FAST, "protected": []}
    )
    gw2.settings, gw2.key = gw1.settings, gw1.key
    gw2.start()
    c = api(gw1, gw1.make_key("owner", user="ana"))
    key = gw1.make_key()
    v2 = push(c, PROMPT_V2)["id"]
    assert ext(chat(gw2, key))["prompt_id"] != v2
    c.put("/admin/registry/prompts/labels/production", json={"version": v2})
    t0 = time.monotonic()
    while ext(chat(gw2, key))["prompt_id"] != v2:
        assert time.monotonic() - t0 < 3, "the other replica never served the new label"
        time.sleep(0.02)
