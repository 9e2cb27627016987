"""Issue 16, part 3: response_format json_schema, validated after the output guards."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from tests.agents.conftest import WEATHER, sdk, sse_events
from tests.conftest import openai_route
from tests.core.test_api import wait_trace
from tests.upstream import Upstream

SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"enum": ["shipped", "pending"]},
        "contact": {"type": "string", "format": "email"},
        "days": {"type": "integer"},
    },
    "required": ["status", "days"],
    "additionalProperties": False,
}
FORMAT = {"type": "json_schema", "json_schema": {"name": "order", "schema": SCHEMA}}
ASK = [{"role": "user", "content": "Status of order A-1?"}]
GOOD = json.dumps({"status": "shipped", "days": 2})


def ask(gw: Any, **kw: Any) -> Any:
    return sdk(gw).chat.completions.create(model="gpt", messages=ASK, response_format=FORMAT, **kw)


def test_a_matching_answer_passes(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"content": GOOD})
    r = ask(gw)
    assert json.loads(r.choices[0].message.content or "") == {"status": "shipped", "days": 2}
    assert up.requests[-1]["body"]["response_format"] == FORMAT
    trace = wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
    assert trace["annotations"]["structured"] == {"outcome": "valid"}


def test_a_failing_answer_is_retried_once(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"content": '{"status": "lost", "days": 2}'}, {"content": GOOD})
    r = ask(gw)
    assert json.loads(r.choices[0].message.content or "")["status"] == "shipped"
    assert len(up.requests) == 2
    retry = up.requests[1]["body"]["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"status": "lost", "days": 2}'}
    assert "$.status: fails `enum`" in retry[-1]["content"]
    assert r.usage is not None and r.usage.prompt_tokens == 22  # both calls are paid for
    trace = wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
    assert trace["annotations"]["structured"]["retried"] is True


def test_a_second_failure_is_a_clear_error(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"content": "Shipped, 2 days."}, {"content": '{"status": "shipped"}'})
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        ask(gw)
    err = caught.value.body
    assert isinstance(err, dict) and err["code"] == "structured_output_invalid"
    assert "$: fails `required`" in err["message"] and err["param"] == "response_format"


def test_policy_error_does_not_retry(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], structured_outputs={"on_invalid": "error"})
    up.script({"content": "not json"})
    with pytest.raises(openai.UnprocessableEntityError):
        ask(gw)
    assert len(up.requests) == 1


def test_a_redaction_that_breaks_the_schema_is_an_error_not_a_silent_break(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    """The model's answer matched; the output policy redacts the email in it; the redacted
    answer no longer matches (``format: email``). Neither version is sent."""
    guards = {"rules": [{"match": "pii.email", "direction": "output", "action": "redact"}]}
    gw = gateway_factory(sqlite_url, [openai_route(up)], guards=guards)
    answer = json.dumps({"status": "pending", "days": 3, "contact": "ops.lead@example.org"})
    up.script({"content": answer})
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        ask(gw)
    err = caught.value.body
    assert isinstance(err, dict) and err["code"] == "structured_output_redacted"
    assert "$.contact: fails `format`" in err["message"]
    assert "example.org" not in json.dumps(err)


def test_a_redaction_inside_a_free_string_keeps_the_answer(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    guards = {"rules": [{"match": "pii.email", "direction": "output", "action": "redact"}]}
    gw = gateway_factory(sqlite_url, [openai_route(up)], guards=guards)
    loose = {**SCHEMA, "properties": {**SCHEMA["properties"], "contact": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "order", "schema": loose}}
    up.script({"content": json.dumps({"status": "pending", "days": 3, "contact": "a@example.org"})})
    r = sdk(gw).chat.completions.create(model="gpt", messages=ASK, response_format=fmt)
    assert json.loads(r.choices[0].message.content or "")["contact"] == "[REDACTED pii.email]"
    assert r.model_extra["stanchion"]["decision"] == "redact"


def test_json_object_must_be_an_object(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], structured_outputs={"on_invalid": "error"})
    up.script({"content": "[1, 2]"})
    with pytest.raises(openai.UnprocessableEntityError):
        sdk(gw).chat.completions.create(
            model="gpt", messages=ASK, response_format={"type": "json_object"}
        )


def test_a_streamed_answer_that_fails_ends_with_an_error_event(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"content": "not json at all"})
    events = sse_events(
        gw, gw.make_key(), {"model": "gpt", "messages": ASK, "response_format": FORMAT}
    )
    assert events[-1]["error"]["code"] == "structured_output_invalid"
    assert len(up.requests) == 1  # a stream has already left: no retry


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "x",
                        "schema": {"$ref": "http://169.254.169.254/latest"},
                    },
                }
            },
            "response_format.json_schema.schema",
        ),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"$ref": "file:///etc/passwd"}},
                }
            },
            "response_format.json_schema.schema",
        ),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": "nope"}},
                }
            },
            "response_format.json_schema.schema",
        ),
        (
            {
                "tools": [
                    {
                        **WEATHER,
                        "function": {
                            **WEATHER["function"],
                            "parameters": {"type": "string", "pattern": "(?<=a)b"},
                        },
                    }
                ]
            },
            "tools[0].function.parameters",
        ),
    ],
)
def test_hostile_schemas_are_a_400(
    sqlite_url: str, up: Upstream, gateway_factory: Any, body: dict[str, Any], param: str
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        json={"model": "gpt", "messages": ASK, **body},
        headers={"authorization": f"Bearer {gw.make_key()}"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param
    assert up.requests == []


def test_a_backtracking_pattern_answers_quickly(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    """Patterns run on a linear-time engine: (a+)+$ against 50k a's and a b is instant."""
    gw = gateway_factory(sqlite_url, [openai_route(up)], structured_outputs={"on_invalid": "error"})
    schema = {"type": "object", "properties": {"v": {"type": "string", "pattern": "^(a+)+$"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    up.script({"content": json.dumps({"v": "a" * 50_000 + "b"})})
    with pytest.raises(openai.UnprocessableEntityError):
        sdk(gw).chat.completions.create(model="gpt", messages=ASK, response_format=fmt, timeout=5)
