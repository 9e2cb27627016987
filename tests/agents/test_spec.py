"""The ``tools:`` and ``structured_outputs:`` spec sections: validated at load, and off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stanchion.spec import load_spec
from tests.agents.conftest import WEATHER, sdk
from tests.conftest import openai_route
from tests.core.test_spec import GOOD, errors, write
from tests.upstream import Upstream


def test_tool_policy_loads(tmp_path: Path) -> None:
    text = GOOD + (
        "tools:\n"
        "  unlisted: deny\n"
        "  rules:\n"
        "    - {name: 'refund_*', roles: [agent], risky: true,"
        " parameters: {type: object, required: [id]}}\n"
        "structured_outputs: {on_invalid: error}\n"
    )
    spec = load_spec(write(tmp_path, text))
    assert spec.tools.rules[0].risky and spec.structured_outputs.on_invalid == "error"


def test_bad_tool_policy_names_line_and_field(tmp_path: Path) -> None:
    text = GOOD + (
        "tools:\n"
        "  unlisted: maybe\n"
        "  rules:\n"
        "    - {name: x, parameters: {type: nope}}\n"
        "  invalid_arguments: explode\n"
    )
    found = errors(tmp_path, text)
    assert any(":12: tools.unlisted:" in e for e in found), found
    assert any("tools.rules.0.parameters" in e and "JSON Schema" in e for e in found), found
    assert any("tools.invalid_arguments" in e for e in found), found


def test_policy_off_relays_calls_unchecked(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], tools={"enabled": False})
    up.script({"tool_calls": [{"name": "anything", "arguments": '{"not": "offered"'}]})
    r = sdk(gw).chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "x"}], tools=[WEATHER]
    )
    (call,) = r.choices[0].message.tool_calls or []
    assert call.function.name == "anything" and call.function.arguments == '{"not": "offered"'
    assert r.model_extra["stanchion"]["findings"] == []
    assert json.dumps(r.model_extra["stanchion"]["decision"]) == '"pass"'
