"""The console's readiness page: the checklist and roadmap for report readers, and the
sign-off form for the owner the spec names, against the report on screen."""

from __future__ import annotations

from typing import Any

from tests.conftest import openai_route
from tests.ui.conftest import hidden, signed_in
from tests.upstream import Upstream

STAGES = {"stages": [{"name": "pilot", "users": ["ana"]}, {"name": "all", "everyone": True}]}


def test_owner_signs_off_against_the_report_on_screen(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], rollout=STAGES)
    user = signed_in(gw, "user", "ana")
    assert user.get("/ui/readiness").status_code == 403
    other = signed_in(gw, "owner", "not-the-owner@example.com")
    page = other.get("/ui/readiness")
    assert page.status_code == 200 and 'id="checklist"' in page.text
    assert "Eight-week roadmap" in page.text and 'id="signoff-form"' not in page.text
    forged = {"subject": "go-live", "function": "business", "report_hash": "0" * 64}
    assert other.post("/ui/readiness/signoff", forged).status_code == 403

    owner = signed_in(gw, "owner", "biz@example.com")  # the spec's business owner
    page = owner.get("/ui/readiness")
    assert 'id="signoff-form"' in page.text and "stage:all" in page.text
    seen = hidden(page.text, "report_hash")
    body = {"subject": "goal", "function": "business", "report_hash": seen,
            "comment": "<script>alert(1)</script>"}  # fmt: skip
    assert owner.post("/ui/readiness/signoff", body, csrf=False).status_code == 403
    assert owner.post("/ui/readiness/signoff", {**body, "report_hash": "f" * 64}).status_code == 409
    assert owner.post("/ui/readiness/signoff", {**body, "subject": "x/../y"}).status_code == 400
    r = owner.post("/ui/readiness/signoff", body)
    assert r.status_code == 303 and r.headers["location"] == "/ui/readiness"
    after = owner.get("/ui/readiness").text
    assert seen[:16] in after and "&lt;script&gt;alert(1)&lt;/script&gt;" in after
    assert "<script>alert" not in after
