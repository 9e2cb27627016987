"""The rollout's training material beside the playground: a web address as a link, anything
else (a ``javascript:`` address, markup) as inert text."""

from __future__ import annotations

from typing import Any

from tests.conftest import openai_route
from tests.ui.conftest import signed_in
from tests.upstream import Upstream


def _rollout(training: str) -> dict[str, Any]:
    return {"rollout": {"training": training, "stages": [{"name": "pilot", "users": ["pat"]}]}}


def test_training_material_is_shown_beside_the_playground(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    link = "https://wiki.example/assistant-howto"
    gw = gateway_factory(sqlite_url, [openai_route(up)], **_rollout(link))
    page = signed_in(gw, "user", "pat").get("/ui/playground").text
    aside = page.split("<aside")[1]
    assert f'<p id="training"><a href="{link}" rel="noopener noreferrer">{link}</a>' in aside
    hostile = 'javascript:alert(1) <b onmouseover="x">'
    gw2 = gateway_factory(
        sqlite_url.replace(".db", "2.db"), [openai_route(up)], **_rollout(hostile)
    )
    page = signed_in(gw2, "user", "pat").get("/ui/playground").text
    shown = page.split('<p id="training">')[1].split("</p>")[0]
    assert "<a" not in shown and "<b" not in shown and "javascript:alert(1)" in shown
