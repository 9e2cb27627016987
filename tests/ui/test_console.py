"""The console through a real server: sign-in, sessions, CSRF, role checks, inert XSS."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from stanchion.store.crypto import Cipher, parse_key
from stanchion.store.keys import revoke_key
from stanchion.store.trace_query import TraceFilter, search_traces
from tests.conftest import openai_route
from tests.registry.conftest import chat, ext
from tests.ui.conftest import HOLD_POLICY, Browser, hidden, signed_in
from tests.upstream import Upstream

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_sign_in_sets_a_strict_session_and_sign_out_ends_it(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    b = Browser(gw)
    assert b.http.get("/ui/overview").headers["location"].startswith("/ui/login?next=")
    r = b.sign_in(gw.make_key("admin", user="ada"))
    assert r.status_code == 303 and r.headers["location"] == "/ui/overview"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/ui" in cookie
    page = b.get("/ui/overview")
    assert page.status_code == 200 and "Satisfaction" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert b.post("/ui/logout", {}).status_code == 303
    assert b.http.get("/ui/overview").status_code == 303  # the cookie is gone


def test_stolen_cookie_is_dead_after_sign_out(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    b = signed_in(gw, "admin", "ada")
    token = b.http.cookies["stn_session"]
    b.post("/ui/logout", {})
    thief = Browser(gw)
    thief.http.cookies.set("stn_session", token, path="/ui")
    assert thief.http.get("/ui/overview").status_code == 303


def test_bad_keys_and_stale_sign_in_forms_are_refused(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    b = Browser(gw)
    assert b.sign_in("sk-stn-nope").status_code == 401
    revoked = gw.make_key("admin", user="old")
    with gw.store.engine.begin() as conn:
        revoke_key(conn, revoked[:12], actor="test")
    assert b.sign_in(revoked).status_code == 401
    r = b.http.post("/ui/login", data={"pre": "forged", "key": gw.make_key("admin")})
    assert r.status_code == 403 and "stn_session" not in r.headers.get("set-cookie", "")
    r = b.http.post("/ui/login", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 415
    # the page names its id, as the API's errors do, in the header and on the page
    reference = r.headers["x-stanchion-trace-id"]
    assert len(reference) == 32 and r.headers["x-request-id"] == reference
    assert f"<code>{reference}</code>" in r.text


def test_state_changes_without_the_csrf_token_are_refused(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    b = signed_in(gw, "admin", "ada")
    assert b.post("/ui/playground/ask", {"question": "hi"}, csrf=False).status_code == 403
    r = b.http.post("/ui/playground/ask", data={"question": "hi", "csrf": "wrong"})
    assert r.status_code == 403
    r = b.http.post(
        "/ui/playground/ask",
        data={"question": "hi", "csrf": b.csrf},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403
    assert b.post("/ui/logout", {}, csrf=False).status_code == 403
    assert b.http.get("/ui/overview").status_code == 200  # still signed in


def test_each_page_checks_the_permission_of_its_api_route(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    expected = {
        "user": {"/ui/overview": 403, "/ui/review": 403, "/ui/audit": 403},
        "reviewer": {"/ui/overview": 403, "/ui/review": 200, "/ui/audit": 403},
        "owner": {"/ui/overview": 200, "/ui/review": 403, "/ui/audit": 200},
        "admin": {"/ui/overview": 200, "/ui/review": 200, "/ui/audit": 200},
    }
    for role, pages in expected.items():
        b = signed_in(gw, role, f"{role}-1")
        for path, status in {**pages, "/ui/playground": 200, "/ui/traces": 200}.items():
            assert b.get(path).status_code == status, (role, path)


def test_a_user_sees_only_their_own_conversations(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    bob_key = gw.make_key("user", user="bob")
    bobs = ext(chat(gw, bob_key, "bob's secret question"))["trace_id"]
    alice = signed_in(gw, "user", "alice")
    r = alice.post("/ui/playground/ask", {"question": "alice asks"})
    assert r.status_code == 303
    own = r.headers["location"].split("trace=")[1]
    assert alice.get(r.headers["location"]).status_code == 200  # waits for the trace writer
    listing = alice.get("/ui/traces?user=bob").text
    assert own in listing and bobs not in listing
    assert alice.get(f"/ui/traces/{bobs}").status_code == 403
    page = alice.get(f"/ui/traces/{own}")
    assert page.status_code == 200 and "alice asks" in page.text
    admin = signed_in(gw, "admin", "ada")
    assert "bob&#39;s secret question" in admin.get(f"/ui/traces/{bobs}").text


def test_script_payloads_render_inert(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    mallory = signed_in(gw, "user", XSS)
    up.script({"content": f"Sure. {XSS}"})
    r = mallory.post("/ui/playground/ask", {"question": f"question {XSS}"})
    trace_id = r.headers["location"].split("trace=")[1]
    shown = mallory.get(r.headers["location"]).text
    assert (
        mallory.post(
            "/ui/playground/rate",
            {"trace_id": trace_id, "score": "1", "comment": XSS, "correction": XSS},
        ).status_code
        == 303
    )
    admin = signed_in(gw, "admin", "ada")
    pages = [
        shown,
        admin.get(f"/ui/traces/{trace_id}").text,
        admin.get("/ui/traces").text,
        admin.get("/ui/review").text,
        admin.get(f"/ui/review/{trace_id}").text,
        admin.get("/ui/audit").text,
    ]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages[1]


def test_idle_and_absolute_timeouts_end_sessions(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    gw.settings = dataclasses.replace(gw.settings, ui_idle_seconds=1.0, ui_absolute_seconds=60)
    gw.start()
    b = signed_in(gw, "admin", "ada")
    for _ in range(4):  # activity keeps an idle-limited session alive past its idle limit
        time.sleep(0.3)
        assert b.http.get("/ui/overview").status_code == 200
    time.sleep(1.3)
    assert b.http.get("/ui/overview").status_code == 303
    gw.stop()
    gw.settings = dataclasses.replace(gw.settings, ui_idle_seconds=60, ui_absolute_seconds=1.5)
    gw.store = type(gw.store)(gw.store.url)
    gw.start()
    b = signed_in(gw, "admin", "ada")
    time.sleep(0.5)
    assert b.http.get("/ui/audit").status_code == 200
    time.sleep(1.2)
    assert b.http.get("/ui/audit").status_code == 303


def test_revoking_the_key_ends_its_sessions(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key("admin", user="ada")
    b = Browser(gw)
    assert b.sign_in(key).status_code == 303
    assert b.get("/ui/overview").status_code == 200
    with gw.store.engine.begin() as conn:
        revoke_key(conn, key[:12], actor="test")
    assert b.http.get("/ui/overview").status_code == 303


def test_rating_in_the_playground_shows_on_the_overview(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    pilot = signed_in(gw, "user", "pat")
    r = pilot.post("/ui/playground/ask", {"question": "How long do refunds take?"})
    trace_id = r.headers["location"].split("trace=")[1]
    page = pilot.get(r.headers["location"])
    assert "How long do refunds take?" in page.text and hidden(page.text, "trace_id") == trace_id
    r = pilot.post("/ui/playground/rate", {"trace_id": trace_id, "score": "4", "comment": "ok"})
    assert r.status_code == 303
    assert "you rated it 4/5" in pilot.get(r.headers["location"]).text
    assert (
        pilot.post("/ui/playground/rate", {"trace_id": trace_id, "score": "9"}).status_code == 400
    )
    owner = signed_in(gw, "owner", "olga")
    overview = owner.get("/ui/overview?period=24h").text
    assert "4.00 / 5" in overview and "100.0%" in overview
    assert owner.get("/ui/overview?period=<x>").status_code == 200


def test_a_reviewer_releases_a_held_answer(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], guards=HOLD_POLICY)
    up.script({"content": "You can frobnicate the hub."})
    held = ext(chat(gw, gw.make_key("user", user="alice"), "how?"))
    assert held["decision"] == "hold"
    rita = signed_in(gw, "reviewer", "rita")
    queue = rita.get("/ui/review").text
    assert held["trace_id"] in queue and "1</strong> waiting" in queue
    item = f"/ui/review/{held['trace_id']}"
    assert rita.get(item).status_code == 200
    assert rita.post(f"{item}/claim", {}).status_code == 303
    assert 'value="approve"' in rita.get(item).text
    assert rita.post(f"{item}/decide", {"action": "approve", "note": "fine"}).status_code == 303
    assert "approved" in rita.get(item).text
    r = rita.post(f"{item}/decide", {"action": "reject"})
    assert r.status_code == 409


def test_trace_filters_and_keyset_pages(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], guards=HOLD_POLICY)
    key = gw.make_key("user", user="alice")
    up.script(*[{"content": "fine"}] * 3, {"content": "frobnicate"})
    ids = [ext(chat(gw, key, f"q{i}"))["trace_id"] for i in range(4)]
    admin = signed_in(gw, "admin", "ada")
    time.sleep(0.2)
    held = admin.get("/ui/traces?decision=hold").text
    assert ids[3] in held and ids[0] not in held
    for bad in ("decision=nope", "since=abc", "min_latency=-1", "before=x", "rating=bad"):
        assert admin.get(f"/ui/traces?{bad}").status_code == 400, bad
    seen: list[str] = []
    path = "/ui/traces?user=alice"
    from tests.ui.conftest import re

    while True:
        html = admin.get(path.replace("&amp;", "&")).text
        seen += re.findall(r'class="trace-link" href="/ui/traces/([0-9a-f]+)"', html)
        nxt = re.search(r'href="(\?[^"]+)" id="next-page"', html)
        if not nxt:
            break
        path = "/ui/traces" + nxt.group(1)
    assert sorted(seen) == sorted(ids)


def test_a_second_role_approves_a_prompt_version_and_the_label_moves(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    from tests.registry.conftest import PROMPT_V2, api, push

    gw = gateway_factory(db_url, [openai_route(up)])
    v2 = push(api(gw, gw.make_key("owner", user="olga")), PROMPT_V2, msg="terse")["id"]
    olga, ada = signed_in(gw, "owner", "olga"), signed_in(gw, "admin", "ada")
    page = ada.get("/ui/registry/prompts")
    assert v2 in page.text and "terse" in page.text
    decision = {"version": v2, "label": "production", "decision": "approve"}
    r = olga.post("/ui/registry/prompts/decide", decision)
    assert r.status_code == 403 and "author" in r.text  # no self-approval
    r = ada.post("/ui/registry/prompts/decide", decision)
    assert r.status_code == 403 and "approvers: owner" in r.text
    rita = signed_in(gw, "reviewer", "rita")
    assert rita.get("/ui/registry/prompts").status_code == 200
    assert rita.post("/ui/registry/prompts/decide", decision).status_code == 403
    r = ada.post("/ui/registry/prompts/move", {"label": "production", "version": v2})
    assert r.status_code == 403 and "approv" in r.text
    otto = signed_in(gw, "owner", "otto")
    r = otto.post("/ui/registry/prompts/decide", {**decision, "comment": "ok"})
    assert r.status_code == 303
    r = ada.post("/ui/registry/prompts/move", {"label": "production", "version": v2})
    assert r.status_code == 303
    chat(gw, gw.make_key("user", user="uma"), "after the move")
    time.sleep(0.3)
    labels = ada.get("/ui/registry/prompts").text
    assert f'<td class="mono">{v2}</td>' in labels.split('id="versions-report"')[1]
    assert f'<td class="mono label-version">{v2}</td>' in labels
    history = labels.split('id="label-history"')[1].split("</details>")[0]
    assert f'<td>production</td><td class="mono">{v2}</td>' in history and "ada" in history
    diff = ada.get(f"/ui/registry/prompts/diff?a={v2}&b={v2}")
    assert diff.status_code == 200
    assert ada.get("/ui/registry/nope").status_code == 404
    assert signed_in(gw, "user", "uma").get("/ui/registry/prompts").status_code == 403


def _experiment(gw: Any, exp_id: str, at: float, passed: bool) -> None:
    import base64
    from dataclasses import asdict

    import orjson

    from stanchion.evals.scoring import Result
    from stanchion.registry.schema import eval_experiments
    from stanchion.store.crypto import Cipher

    results = [
        Result("e1", True, [], "pass", "5 to 7 days", 12.0, "t1"),
        Result("e2", passed, [] if passed else ["missing fact: 30 days"], "pass", XSS, 9.0, "t2"),
    ]
    blob = Cipher(base64.b64decode(gw.key)).encrypt(orjson.dumps([asdict(r) for r in results]))
    summary = {"accuracy": 1.0 if passed else 0.5, "p95_ms": 12.0}
    with gw.store.engine.begin() as conn:
        conn.execute(
            eval_experiments.insert().values(
                id=exp_id,
                app="demo",
                dataset="faq",
                dataset_version=1,
                prompt_version=None,
                model_version=None,
                target="gpt",
                actor="test",
                created_at=at,
                summary=orjson.dumps(summary).decode(),
                results_enc=blob,
            )
        )


def test_experiments_one_experiment_and_a_comparison(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    _experiment(gw, "exp-old", time.time() - 60, passed=False)
    _experiment(gw, "exp-new", time.time(), passed=True)
    owner = signed_in(gw, "owner", "olga")
    listing = owner.get("/ui/evals").text
    assert "exp-old" in listing and "exp-new" in listing
    one = owner.get("/ui/evals/exp-old").text
    assert "missing fact: 30 days" in one and "<script>alert" not in one
    cmp = owner.get("/ui/evals/compare?a=exp-old&b=exp-new").text
    assert "e2" in cmp and "fail: missing fact: 30 days" in cmp
    assert owner.get("/ui/evals/nope").status_code == 404
    assert "100.0%" in owner.get("/ui/overview").text.split('id="kpi-factual_accuracy"')[1][:400]
    assert signed_in(gw, "reviewer", "rita").get("/ui/evals").status_code == 403


def test_hostile_parameters_get_a_clear_4xx(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key("admin", user="ada")
    for target in ("//evil.example/ui/", "https://evil.example", "/ui/..//evil", "/\\evil"):
        b = Browser(gw)
        page = b.http.get("/ui/login", params={"next": target})
        r = b.http.post(
            "/ui/login", data={"pre": hidden(page.text, "pre"), "key": key, "next": target}
        )
        assert r.headers["location"] == "/ui/overview", target
    b = signed_in(gw, "admin", "ada")
    hostile = [
        ("/ui/traces/" + "a" * 500, 404),
        ("/ui/traces?before=1e400:x", 400),
        ("/ui/traces?since=nan", 400),
        ("/ui/traces?user=" + "u" * 300, 400),
        ("/ui/review/" + "r" * 100, 404),
        ("/ui/review?status=<x>", 400),
        ("/ui/audit?before=-1", 400),
        ("/ui/knowledge/doc?doc=nope&version=1", 404),
        ("/ui/knowledge/doc?doc=x&version=abc", 400),
        ("/ui/evals/compare?a=x", 404),
        ("/ui/playground?trace=" + "t" * 100, 404),
    ]
    for path, status in hostile:
        r = b.get(path)
        assert r.status_code == status, (path, r.status_code)
        assert "text/html" in r.headers["content-type"]
    r = b.http.post(
        "/ui/playground/ask",
        content=b"x" * 300_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413
    b.http.cookies.set("stn_session", "x" * 5000, path="/ui")
    assert b.http.get("/ui/overview").status_code == 303


def test_text_search_opens_sealed_content_only_for_whom_may_read_it(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    bob, carol = gw.make_key("user", user="bob"), gw.make_key("user", user="carol")
    up.script({"content": "Refunds take five days."}, {"content": "Pick it up."}, {"content": "ok"})
    refund = ext(chat(gw, bob, "Where is my REFUND for the kettle?"))["trace_id"]
    other = ext(chat(gw, bob, "When does the shop open?"))["trace_id"]
    carols = ext(chat(gw, carol, "my refund and the kettle, again"))["trace_id"]
    time.sleep(0.2)
    admin = signed_in(gw, "admin", "ada")
    page = admin.get("/ui/traces?q=refund+kettle").text
    assert refund in page and carols in page and other not in page
    assert "traces opened and searched" in page
    assert refund in admin.get("/ui/traces?q=five+days").text  # the answer is searched too
    assert admin.get("/ui/traces?q=" + "x" * 201).status_code == 400
    # a user searches their own conversations only: carol's words never find bob's trace
    as_carol = Browser(gw)
    as_carol.sign_in(carol)
    found = as_carol.get("/ui/traces?q=kettle").text
    assert carols in found and refund not in found


def test_search_resumes_where_its_bounded_scan_stopped(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    key = gw.make_key("user", user="dan")
    words = ["needle" if i % 3 == 0 else "hay" for i in range(7)]
    ids = [ext(chat(gw, key, f"question {i} {w}"))["trace_id"] for i, w in enumerate(words)]
    time.sleep(0.2)
    cipher = Cipher(parse_key(gw.key))
    seen: list[str] = []
    cursor = None
    with gw.store.engine.connect() as conn:
        while True:
            f = TraceFilter(before=cursor)
            page = search_traces(conn, cipher, "demo", f, "NEEDLE", limit=50, scan=2)
            assert page.scanned <= 2
            seen += [r.id for r in page.rows]
            if page.next is None:
                break
            cursor = page.next
    assert sorted(seen) == sorted(ids[i] for i in (0, 3, 6))
