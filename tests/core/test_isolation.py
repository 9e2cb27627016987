"""Issue 8, items 5, 12 and 19: trace reads.

- Apps sharing a database are isolated: every read of a trace, its answer, its feedback or
  its review item checks the app as well as the principal (a user of app B read app A's
  answer through ``/v1/traces/{id}/answer``: the check was the user name only).
- Someone else's trace is "not found", exactly like a missing one (a 403 told it existed).
- ``GET /v1/traces/{id}`` answers its owner (it answered 500 for every existing trace).
- Trace ids are random (they were a per-process prefix and a counter).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx

from stanchion.runtime import new_trace_id
from stanchion.store.crypto import Cipher, parse_key
from stanchion.store.keys import create_key
from stanchion.store.traces import read_trace
from tests.conftest import Gateway, openai_route
from tests.registry.conftest import api, chat, ext
from tests.upstream import Upstream

HOLD_POLICY = {
    "detectors": {"toxicity": {"words": ["frobnicate"]}},
    "rules": [{"match": "toxicity.*", "direction": "output", "action": "hold"}],
}


def other_app_key(gw: Gateway, role: str, user: str) -> str:
    with gw.store.engine.begin() as conn:
        secret, _ = create_key(conn, user=user, role=role, actor="test", app="other")
    return secret


def reads(client: httpx.Client, trace_id: str, feedback: bool = True) -> list[httpx.Response]:
    """Every read a caller can make of one trace. (Feedback waits up to 3 s for a trace the
    writer has not stored yet, so the slow tests ask it once.)"""
    done = [client.get(f"/v1/traces/{trace_id}"), client.get(f"/v1/traces/{trace_id}/answer")]
    if feedback:
        done.append(client.post("/v1/feedback", json={"trace_id": trace_id, "score": 1}))
    return done


def review_reads(client: httpx.Client, trace_id: str) -> list[httpx.Response]:
    return [
        client.get(f"/admin/review/{trace_id}"),
        client.post(f"/admin/review/{trace_id}/claim"),
        client.post(f"/admin/review/{trace_id}/approve"),
    ]


def same_as_missing(found: httpx.Response, missing: httpx.Response, ids: tuple[str, str]) -> None:
    assert found.status_code == missing.status_code == 404, (found.text, missing.text)
    assert found.text.replace(ids[0], "ID") == missing.text.replace(ids[1], "ID")


def test_apps_sharing_a_database_are_isolated(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    app_a = gateway_factory(db_url, [openai_route(up)], guards=HOLD_POLICY)
    app_b = gateway_factory(db_url, [openai_route(up)], app="other")
    alice_a = app_a.make_key(user="alice")
    up.script({"content": "fine"}, {"content": "You can frobnicate the hub."})
    plain = ext(chat(app_a, alice_a, "first"))["trace_id"]
    held = ext(chat(app_a, alice_a, "second"))
    assert held["decision"] == "hold"
    held_id = held["trace_id"]
    mine = api(app_a, alice_a)
    assert mine.get(f"/v1/traces/{plain}").status_code == 200
    assert mine.get(f"/v1/traces/{held_id}/answer").json()["status"] == "held"
    missing = new_trace_id()
    for role, user in (("user", "alice"), ("admin", "root"), ("reviewer", "rita")):
        other = api(app_b, other_app_key(app_b, role, user))
        for trace_id in (plain, held_id):
            once = role == "user" and trace_id == plain
            for found, absent in zip(
                reads(other, trace_id, once), reads(other, missing, once), strict=True
            ):
                same_as_missing(found, absent, (trace_id, missing))
            if role != "user":
                for found, absent in zip(
                    review_reads(other, held_id), review_reads(other, missing), strict=True
                ):
                    same_as_missing(found, absent, (held_id, missing))
    # the store's read is scoped the same way
    cipher = Cipher(parse_key(app_a.key))
    assert read_trace(app_a.store, cipher, plain, "other") is None
    found = read_trace(app_a.store, cipher, plain, "demo")
    assert found is not None and found["app"] == "demo"
    # app A's key on app B's server is refused outright
    r = api(app_b, alice_a).get(f"/v1/traces/{plain}")
    assert r.status_code == 403
    assert mine.get(f"/v1/traces/{held_id}/answer").json()["status"] == "held"


def test_someone_elses_trace_is_not_found_like_a_missing_one(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    trace_id = ext(chat(gw, gw.make_key(user="alice")))["trace_id"]
    mallory = api(gw, gw.make_key(user="mallory"))
    missing = new_trace_id()
    for found, absent in zip(reads(mallory, trace_id), reads(mallory, missing), strict=True):
        same_as_missing(found, absent, (trace_id, missing))
    long_id = "x" * 5000
    assert mallory.get(f"/v1/traces/{long_id}").status_code == 404


def test_trace_route_answers_its_owner_and_operators(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    alice_key = gw.make_key(user="alice")
    answer = chat(gw, alice_key, "how long do refunds take?")
    trace_id = ext(answer)["trace_id"]
    for key in (alice_key, gw.make_key("reviewer", user="rita"), gw.make_key("admin", "root")):
        r = api(gw, key).get(f"/v1/traces/{trace_id}")
        assert r.status_code == 200, r.text
        trace = r.json()
        assert (trace["id"], trace["app"], trace["user"]) == (trace_id, "demo", "alice")
        assert trace["request"]["messages"][-1]["content"] == "how long do refunds take?"
        assert trace["response"]["content"] == answer.choices[0].message.content
        assert trace["status"] == 200 and isinstance(trace["timings"], dict)
    # the same user holding another key of this app reads it too
    assert api(gw, gw.make_key(user="alice")).get(f"/v1/traces/{trace_id}").status_code == 200


def test_trace_ids_are_random(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key()
    served = [ext(chat(gw, key))["trace_id"] for _ in range(5)]
    made = [new_trace_id() for _ in range(20_000)]
    for trace_id in served + made[:50]:
        assert re.fullmatch(r"[0-9a-f]{32}", trace_id), trace_id
    assert len(set(made)) == len(made)
    # no shared process prefix, no counter: neighbours have nothing in common
    assert len({t[:8] for t in served + made[:50]}) == 55
    assert len({int(b, 16) - int(a, 16) for a, b in itertools.pairwise(made)}) > 1
