"""The console's hostile-parameter corpus: every page's query parameters, and ids in paths,
filled with hostile values, for a signed-in admin and a signed-in user. Each answer is a
page or a clear 4xx (or a redirect), never a 5xx and never a hang; state changes without the
CSRF token are refused. Replays what the pre-merge attacker pass tried."""

from __future__ import annotations

from typing import Any

from tests.conftest import openai_route
from tests.registry.conftest import PROMPT_V2, api, push
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


# The canary share of a label move, from the prompts page form: anything but a whole number
# 0..100 is a 400 with the page's message. "9" * 5000 is past the digits Python's int()
# accepts and "²" is a digit to str.isdigit() that int() refuses: both once gave a 500.
HOSTILE_PERCENTS = ["-1", "101", "1000", "NaN", "nan", "inf", "1e309", "1e2", "50.5", "0x10"]
HOSTILE_PERCENTS += ["+5", " 5", "5 ", " ", "\x00", "²", "9" * 5000, "x" * 10_000, "ten"]


def test_hostile_canary_percent_is_a_400(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    client = api(gw, gw.make_key("owner", user="olga"))
    version = push(client, PROMPT_V2, msg="two")["id"]
    ada = signed_in(gw, "admin", "ada")
    ada.get("/ui/registry/prompts")
    answers = {
        value[:12]: ada.post(
            "/ui/registry/prompts/move",
            {"label": "staging", "version": version, "canary_percent": value},
        ).status_code
        for value in HOSTILE_PERCENTS
    }
    assert answers == {value[:12]: 400 for value in HOSTILE_PERCENTS}
    # an empty field is the form's "no canary": a plain move, not an error
    plain = {"label": "staging", "version": version, "canary_percent": ""}
    assert ada.post("/ui/registry/prompts/move", plain).is_redirect
