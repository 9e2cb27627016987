"""What a scrape shows: ratings, the review queue's depth and age, upstream retries,
fallbacks and the circuit breaker."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import openai_route
from tests.registry.conftest import api, chat, ext
from tests.upstream import Upstream


def scrape(gw: Any, key: str) -> dict[str, float]:
    text = api(gw, key).get("/metrics").text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            name = s.name + "".join(f",{k}={v}" for k, v in sorted(s.labels.items()))
            out[name] = s.value
    return out


def test_ratings_and_review_backlog(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    user, admin = gw.make_key(user="alice"), gw.make_key(role="admin", user="ops")
    before = scrape(gw, admin)
    assert before["stanchion_review_queue_depth,app=demo"] == 0
    assert before["stanchion_review_oldest_age_seconds,app=demo"] == 0
    alice = api(gw, user)
    for score in (1, 2, 5):
        trace_id = ext(chat(gw, user))["trace_id"]
        assert alice.post("/v1/feedback", json={"trace_id": trace_id, "score": score}).is_success
    got = scrape(gw, admin)
    assert got["stanchion_ratings_total,app=demo,score=1"] == 1
    assert got["stanchion_ratings_total,app=demo,score=5"] == 1
    assert got["stanchion_review_queue_depth,app=demo"] == 2  # the low ratings wait for review
    assert got["stanchion_review_oldest_age_seconds,app=demo"] >= 0


def test_upstream_retries_fallbacks_and_breaker(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    routes = [
        openai_route(
            up,
            retries=1,
            fallbacks=["backup"],
            options={"breaker_threshold": 1, "breaker_cooldown": 60},
        ),
        {"name": "backup", "provider": "scripted", "options": {"replies": ["b"]}},
    ]
    gw = gateway_factory(sqlite_url, routes)
    user, admin = gw.make_key(), gw.make_key(role="admin", user="ops")
    up.reset()
    up.script({"status": 500}, {"status": 500})
    for _ in range(2):  # the first fails over after a retry; the second finds the circuit open
        assert chat(gw, user).choices[0].message.content == "b"
    got = scrape(gw, admin)
    assert got["stanchion_upstream_retries_total,route=gpt"] == 1
    assert got["stanchion_upstream_fallbacks_total,route=backup"] == 2
    assert got["stanchion_upstream_short_circuits_total,route=gpt"] == 1
    assert got["stanchion_upstream_circuit_state,route=gpt"] == 2
    assert len(up.requests) == 2
