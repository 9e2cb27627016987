"""A console client over a real socket: signs in through the form, keeps the session
cookie, and reads the CSRF token from each page the way a browser form would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Gateway

HOLD_POLICY = {
    "detectors": {"toxicity": {"words": ["frobnicate"]}},
    "rules": [{"match": "toxicity.*", "direction": "output", "action": "hold"}],
}
_OPEN: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no hidden field {name!r} in the page"
    return m.group(1)


class Browser:
    """What a browser does with the console's forms, with httpx."""

    def __init__(self, gw: Gateway) -> None:
        self.http = httpx.Client(base_url=gw.url, timeout=15, follow_redirects=False)
        _OPEN.append(self.http)
        self.csrf = ""

    def sign_in(self, key: str) -> httpx.Response:
        page = self.http.get("/ui/login")
        r = self.http.post("/ui/login", data={"pre": hidden(page.text, "pre"), "key": key})
        return r

    def get(self, path: str, **kw: Any) -> httpx.Response:
        r = self.http.get(path, **kw)
        if 'name="csrf"' in r.text:
            self.csrf = hidden(r.text, "csrf")
        return r

    def post(self, path: str, data: dict[str, str], csrf: bool = True) -> httpx.Response:
        body = {**data, "csrf": self.csrf} if csrf else data
        return self.http.post(path, data=body)


def signed_in(gw: Gateway, role: str, user: str) -> Browser:
    b = Browser(gw)
    r = b.sign_in(gw.make_key(role, user=user))
    assert r.status_code == 303, r.text
    b.get("/ui/playground")
    return b
