"""Every operation in the OpenAPI document has a success-path test here, through a real
gateway: ``SUCCESS_TESTS`` maps each operationId to the test that drives it to a 2xx, and
``test_every_operation_has_a_success_test`` fails when a route is added without one."""

from __future__ import annotations

from typing import Any

import httpx

from stanchion import __version__
from stanchion.server.app import routes
from stanchion.server.openapi import openapi_document
from tests.conftest import Gateway, openai_route
from tests.upstream import Upstream

PROMPT = {
    "template": "You are the terse assistant of {{ company }}.",
    "variables": {"company": "A"},
}
APPROVALS = {"refresh_seconds": 0.1, "approvers": ["owner"]}

SUCCESS_TESTS = {
    "post_chat_completions": "test_chat_trace_feedback_and_models",
    "post_embeddings": "test_embeddings_responses_and_messages",
    "post_responses": "test_embeddings_responses_and_messages",
    "post_messages": "test_embeddings_responses_and_messages",
    "get_list_models": "test_chat_trace_feedback_and_models",
    "get_get_trace": "test_read_own_trace",
    "get_trace_answer": "test_chat_trace_feedback_and_models",
    "post_feedback": "test_chat_trace_feedback_and_models",
    "get_healthz": "test_public_routes_and_metrics",
    "get_readyz": "test_public_routes_and_metrics",
    "get_openapi": "test_public_routes_and_metrics",
    "get_metrics": "test_public_routes_and_metrics",
    "get_list_keys": "test_keys_and_audit",
    "post_create_key": "test_keys_and_audit",
    "delete_revoke_key": "test_keys_and_audit",
    "get_audit_verify": "test_keys_and_audit",
    "post_registry_push": "test_registry_versions_labels_and_report",
    "get_registry_versions": "test_registry_versions_labels_and_report",
    "get_registry_version": "test_registry_versions_labels_and_report",
    "get_registry_diff": "test_registry_versions_labels_and_report",
    "post_registry_approve": "test_registry_versions_labels_and_report",
    "post_registry_reject": "test_registry_versions_labels_and_report",
    "get_registry_labels": "test_registry_versions_labels_and_report",
    "put_registry_label_move": "test_registry_versions_labels_and_report",
    "post_registry_rollback": "test_registry_versions_labels_and_report",
    "get_report_versions": "test_registry_versions_labels_and_report",
    "get_report_kpis": "test_registry_versions_labels_and_report",
    "get_report_topics": "test_registry_versions_labels_and_report",
    "get_alerts_list": "test_registry_versions_labels_and_report",
    "get_review_list": "test_review_queue",
    "get_review_show": "test_review_queue",
    "post_review_claim": "test_review_queue",
    "post_review_decide": "test_review_queue",
    "get_rollout_status": "test_rollout_readiness_and_signoffs",
    "post_rollout_start": "test_rollout_readiness_and_signoffs",
    "post_rollout_advance": "test_rollout_readiness_and_signoffs",
    "get_readiness": "test_rollout_readiness_and_signoffs",
    "get_list_signoffs": "test_rollout_readiness_and_signoffs",
    "post_create_signoff": "test_rollout_readiness_and_signoffs",
}


def test_every_operation_has_a_success_test() -> None:
    doc = openapi_document(routes(), __version__)
    operations = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert operations - set(SUCCESS_TESTS) == set(), "routes without a success-path test"
    assert set(SUCCESS_TESTS) - operations == set(), "tests for routes that no longer exist"
    assert {name for name in SUCCESS_TESTS.values() if name not in globals()} == set()


def client(gw: Gateway, key: str) -> httpx.Client:
    return httpx.Client(base_url=gw.url, headers={"authorization": f"Bearer {key}"}, timeout=10)


def ok(r: httpx.Response, *statuses: int) -> Any:
    assert r.status_code in (statuses or (200,)), (
        f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    )
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


def test_chat_trace_feedback_and_models(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    with client(gw, gw.make_key()) as alice:
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}
        answer = ok(alice.post("/v1/chat/completions", json=body))
        trace_id = answer["stanchion"]["trace_id"]
        assert "gpt" in {m["id"] for m in ok(alice.get("/v1/models"))["data"]}
        assert ok(alice.post("/v1/feedback", json={"trace_id": trace_id, "score": 5}), 201)
        assert ok(alice.get(f"/v1/traces/{trace_id}/answer"))["trace_id"] == trace_id


def test_embeddings_responses_and_messages(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    with client(gw, gw.make_key()) as alice:
        vectors = ok(alice.post("/v1/embeddings", json={"model": "gpt", "input": ["hi"]}))
        assert len(vectors["data"][0]["embedding"]) == 8
        answer = ok(alice.post("/v1/responses", json={"model": "gpt", "input": "hi"}))
        assert answer["output"][0]["content"][0]["text"] == "echo: hi"
        body = {"model": "gpt", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
        assert ok(alice.post("/v1/messages", json=body))["content"][0]["text"] == "echo: hi"


def test_read_own_trace(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    with client(gw, gw.make_key()) as alice:
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}]}
        trace_id = ok(alice.post("/v1/chat/completions", json=body))["stanchion"]["trace_id"]
        ok(alice.post("/v1/feedback", json={"trace_id": trace_id, "score": 4}), 201)
        assert ok(alice.get(f"/v1/traces/{trace_id}"))["id"] == trace_id


def test_public_routes_and_metrics(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    assert ok(httpx.get(gw.url + "/healthz")) == {"status": "ok"}
    assert ok(httpx.get(gw.url + "/readyz"))["status"] == "ready"
    assert ok(httpx.get(gw.url + "/openapi.json"))["openapi"].startswith("3.1")
    with client(gw, gw.make_key("admin", user="root")) as root:
        assert "stanchion_traces_written_total" in ok(root.get("/metrics"))


def test_keys_and_audit(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    with client(gw, gw.make_key("admin", user="root")) as root:
        made = ok(root.post("/admin/keys", json={"user": "bob", "role": "user"}), 201)
        assert made["key"].startswith("sk-stn-")
        assert made["id"] in {k["id"] for k in ok(root.get("/admin/keys"))["data"]}
        assert ok(root.delete(f"/admin/keys/{made['id']}")) == {"id": made["id"], "revoked": True}
        assert ok(root.get("/admin/audit/verify"))["ok"] is True


def test_registry_versions_labels_and_report(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry=APPROVALS)
    ana = client(gw, gw.make_key("owner", user="ana"))
    bob = client(gw, gw.make_key("owner", user="bob"))
    with ana, bob:
        base = "/admin/registry/prompts"
        v1, v2 = (
            ok(ana.post(f"{base}/versions", json={"name": "system", "content": c}), 200, 201)
            for c in (PROMPT, {**PROMPT, "template": "Be brief, {{ company }}."})
        )
        assert {v["id"] for v in ok(ana.get(f"{base}/versions"))["data"]} >= {v1["id"], v2["id"]}
        assert ok(ana.get(f"{base}/versions/{v1['id']}"))["id"] == v1["id"]
        assert "diff" in ok(ana.get(f"{base}/diff", params={"a": v1["id"], "b": v2["id"]}))
        decision = {"label": "production", "comment": "fine"}
        ok(bob.post(f"{base}/versions/{v2['id']}/reject", json=decision), 201)
        for v in (v1, v2):
            ok(bob.post(f"{base}/versions/{v['id']}/approve", json=decision), 201)
            ok(ana.put(f"{base}/labels/production", json={"version": v["id"]}))
        assert ok(ana.get(f"{base}/labels"))["data"]
        back = ok(ana.post(f"{base}/labels/production/rollback", json={"name": "system"}))
        assert back
        assert "data" in ok(ana.get("/admin/reports/versions", params={"days": 1}))
        kpis = ok(ana.get("/admin/reports/kpis", params={"period": "24h", "by": "version"}))
        assert kpis["kpis"] and kpis["by"] == "version"
        assert ok(ana.get("/admin/reports/topics", params={"period": "24h"}))["data"] == []
        assert ok(ana.get("/admin/alerts"))["data"] == []


def test_review_queue(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    with client(gw, gw.make_key()) as alice, client(gw, gw.make_key("reviewer", "rita")) as rita:
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}]}
        trace_id = ok(alice.post("/v1/chat/completions", json=body))["stanchion"]["trace_id"]
        ok(alice.post("/v1/feedback", json={"trace_id": trace_id, "score": 1}), 201)
        assert trace_id in {i["trace_id"] for i in ok(rita.get("/admin/review"))["data"]}
        assert ok(rita.get(f"/admin/review/{trace_id}"))["trace_id"] == trace_id
        assert ok(rita.post(f"/admin/review/{trace_id}/claim"))["status"] == "claimed"
        done = ok(rita.post(f"/admin/review/{trace_id}/approve", json={"note": "fine"}))
        assert done["status"] == "approved"


def test_rollout_readiness_and_signoffs(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    stages = [{"name": "pilot", "users": ["ana"]}, {"name": "all", "everyone": True}]
    gw = gateway_factory(db_url, [openai_route(up)], rollout={"stages": stages})
    with client(gw, gw.make_key("owner", user="biz@example.com")) as owner:
        assert ok(owner.get("/admin/rollout"))["state"]["stage"] == "pilot"
        assert ok(owner.post("/admin/rollout/start"))["stage"] == "pilot"
        report = ok(owner.get("/admin/readiness"))
        assert not report["ok"] and len(report["timeline"]) == 8
        body = {"subject": "stage:all", "function": "business", "report_hash": report["hash"]}
        assert ok(owner.post("/admin/signoffs", json=body), 201)["actor"] == "biz@example.com"
        assert ok(owner.get("/admin/signoffs"))["data"][0]["subject"] == "stage:all"
        assert ok(owner.post("/admin/rollout/advance"))["stage"] == "all"
