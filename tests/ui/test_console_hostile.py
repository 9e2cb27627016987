"""The console's hostile-parameter corpus: every page's query parameters, and ids in paths,
filled with hostile values, for a signed-in admin and a signed-in user. Each answer is a
page or a clear 4xx (or a redirect), never a 5xx and never a hang; state changes without the
CSRF token are refused. Replays what the pre-merge attacker pass tried."""

from __future__ import annotations

from typing import Any

from tests.conftest import openai_route
from tests.ui.conftest import signed_in
from tests.upstream import Upstream

PAGES = [
    "/ui/",
    "/ui/overview",
    "/ui/traces",
    "/ui/playground",
    "/ui/review",
    "/ui/prompts",
    "/ui/models",
    "/ui/knowledge",
    "/ui/evals",
    "/ui/audit",
    "/ui/readiness",
]
PARAMS = [
    "period",
    "user",
    "decision",
    "before",
    "after",
    "cursor",
    "finding",
    "prompt",
    "model",
    "rating",
    "min_latency",
    "version",
    "a",
    "b",
    "id",
    "actor",
    "action",
    "verify",
    "next",
    "since",
    "until",
    "q",
]
VALUES = ["\x00", "'\"<>", "9" * 400, "-1", "1e999", "nan", "../../etc/passwd", "\r\n", "\u202e"]
PATHS = [
    "/ui/traces/%00",
    "/ui/traces/" + "x" * 500,
    "/ui/prompts/system/versions/abc",
    "/ui/knowledge/docs%2F..%2F..",
    "/ui/evals/zzz",
    "/ui/evals/compare?a=x&b=y",
    "/ui/review/nope",
]
POSTS = [
    "/ui/playground",
    "/ui/review/x/claim",
    "/ui/prompts/system/approve",
    "/ui/knowledge/x/approve",
]


def test_hostile_parameters_never_break_a_page(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    broken = []
    for role in ("admin", "user"):
        b = signed_in(gw, role, f"{role}-<b>x</b>")
        for page in PAGES:
            for name in PARAMS:
                for value in VALUES:
                    r = b.get(page, params={name: value})
                    if r.status_code >= 500:
                        broken.append((role, page, name, value, r.status_code))
        for path in PATHS:
            r = b.get(path)
            if r.status_code >= 500:
                broken.append((role, path, r.status_code))
        for path in POSTS:
            r = b.http.post(path, data={"csrf": "wrong", "q": "\x00" * 10})
            if not 400 <= r.status_code < 500:
                broken.append((role, "POST", path, r.status_code))
    assert broken == []
