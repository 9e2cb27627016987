"""A canary split set from the prompts page, and the audit log filtered by action and actor."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import openai_route
from tests.registry.conftest import PROMPT_V2, api, push
from tests.ui.conftest import signed_in
from tests.upstream import Upstream


def test_a_canary_split_from_the_prompts_page_and_the_audit_filter(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    client = api(gw, gw.make_key("owner", user="olga"))
    v1 = push(client, {**PROMPT_V2, "template": "You help {{ company }}."}, msg="one")["id"]
    v2 = push(client, PROMPT_V2, msg="two")["id"]
    ada = signed_in(gw, "admin", "ada")
    ada.get("/ui/registry/prompts")
    assert ada.post("/ui/registry/prompts/move", {"label": "staging", "version": v1}).is_redirect
    split = {"label": "staging", "version": v2, "canary_percent": "20"}
    assert ada.post("/ui/registry/prompts/move", split).is_redirect
    labels = ada.get("/ui/registry/prompts").text.split('id="labels"')[1].split("</table>")[0]
    assert f'<span class="mono">{v2}</span> at 20%' in labels
    too_many = {**split, "canary_percent": "101"}
    assert ada.post("/ui/registry/prompts/move", too_many).status_code == 400
    page = ada.get("/ui/audit?action=ui.signin").text.split("<tbody>")[1]
    actions = set(re.findall(r"<td>([a-z_.]+)</td><td class=\"mono\">", page))
    assert actions == {"ui.signin"}
    signed_in(gw, "owner", "otto")
    mine = ada.get("/ui/audit?actor=otto").text.split("<tbody>")[1]
    assert "otto" in mine and "ada" not in mine
