"""Each console page as each role: the page answers exactly when the role holds the
permission of its API route (read from the route table, so a new page cannot go untested),
and the navigation offers only the pages the role may open."""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Route

from stanchion.access import BUILTIN_ROLES
from stanchion.ui import console_routes
from stanchion.ui.web import NAV, Console
from tests.conftest import openai_route
from tests.registry.conftest import PROMPT_V2, api, chat, ext, push
from tests.ui.conftest import HOLD_POLICY, signed_in
from tests.ui.test_console import _experiment
from tests.upstream import Upstream

# each GET page with real ids: (path, status when allowed); a missing document is a 404
# that only a role allowed to look for it may learn
PAGES = {
    "/": ("/ui/", 303),
    "/overview": ("/ui/overview", 200),
    "/traces": ("/ui/traces", 200),
    "/traces/{trace_id}": ("/ui/traces/{held}", 200),
    "/playground": ("/ui/playground", 200),
    "/review": ("/ui/review", 200),
    "/review/{trace_id}": ("/ui/review/{held}", 200),
    "/audit": ("/ui/audit?verify=1", 200),
    "/registry/{kind}": ("/ui/registry/models", 200),
    "/registry/{kind}/diff": ("/ui/registry/prompts/diff?a={v2}&b={v2}", 200),
    "/evals": ("/ui/evals", 200),
    "/evals/compare": ("/ui/evals/compare?a=exp-a&b=exp-b", 200),
    "/evals/{exp}": ("/ui/evals/exp-a", 200),
    "/knowledge": ("/ui/knowledge?status=draft", 200),
    "/knowledge/doc": ("/ui/knowledge/doc?doc=nope.md&version=1", 404),
    "/readiness": ("/ui/readiness", 200),
}


def _pages() -> dict[str, str]:
    """Every GET page of the console and the permission its route checks."""
    out = {}
    for r in console_routes(Console()):
        if isinstance(r, Route) and "GET" in (r.methods or ()):
            perm = getattr(r.endpoint, "permission", None)
            if perm != "public":
                out[r.path] = str(perm)
    return out


def test_each_page_as_each_role(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    pages = _pages()
    assert set(pages) == set(PAGES), "a console page without a role check in this test"
    gw = gateway_factory(db_url, [openai_route(up)], guards=HOLD_POLICY)
    up.script({"content": "You can frobnicate the hub."})
    held = ext(chat(gw, gw.make_key("user", user="zed"), "how?"))["trace_id"]
    v2 = push(api(gw, gw.make_key("owner", user="olga")), PROMPT_V2, msg="terse")["id"]
    _experiment(gw, "exp-a", time.time() - 60, passed=False)
    _experiment(gw, "exp-b", time.time(), passed=True)
    time.sleep(0.2)
    for role, perms in BUILTIN_ROLES.items():
        b = signed_in(gw, role, f"{role}-1")
        nav = b.get("/ui/playground").text.split("</nav>")[0]
        for slug, _label, perm in NAV:
            assert (f'href="/ui/{slug}"' in nav) == (perm in perms), (role, slug)
        for route, perm in pages.items():
            path, ok = PAGES[route]
            allowed = perm == "session" or perm in perms
            if route == "/traces/{trace_id}":  # someone else's trace: only with traces.read
                allowed = "traces.read" in perms
            status = b.get(path.format(held=held, v2=v2)).status_code
            assert status == (ok if allowed else 403), (role, route, status)


def test_audit_details_are_shown_opened_not_as_ciphertext(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    page = signed_in(gw, "admin", "ada").get("/ui/audit").text
    rows = page.split("<tbody>")[1]
    assert "ui.signin" in rows and "s1:" not in rows
    assert "&#34;role&#34;:&#34;admin&#34;" in rows  # the sign-in's detail, escaped JSON
