"""``n > 1`` on chat completions: n choices, each through the guards and recorded alone."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.conftest import openai_route
from tests.core.test_api import wait_trace
from tests.upstream import Upstream

HI = [{"role": "user", "content": "hi"}]
TOXIC = "Fine. You are a stupid worthless idiot, I hate you people. Bye now."


def client(gw: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)


def test_n_choices_each_recorded(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    r = client(gw).chat.completions.create(model="gpt", messages=HI, n=3)  # type: ignore[arg-type]
    assert [c.index for c in r.choices] == [0, 1, 2]
    assert {c.message.content for c in r.choices} == {"echo: hi"}
    assert r.usage is not None and r.usage.prompt_tokens == 33 and r.usage.completion_tokens == 21
    assert len(up.requests) == 3 and all("n" not in q["body"] for q in up.requests)
    ids = [c["trace_id"] for c in r.model_extra["stanchion"]["choices"]]
    assert len(set(ids)) == 3
    assert all(wait_trace(gw, i)["annotations"]["choices"] == 3 for i in ids)


def test_each_choice_is_guarded(sqlite_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"content": "A calm answer."}, {"content": TOXIC})
    r = client(gw).chat.completions.create(model="gpt", messages=HI, n=2)  # type: ignore[arg-type]
    decisions = sorted(c["decision"] for c in r.model_extra["stanchion"]["choices"])
    assert decisions == ["block", "pass"]
    texts = [c.message.content or "" for c in r.choices]
    assert "A calm answer." in texts and not any("idiot" in t for t in texts)


def test_n_choices_streamed_each_guarded(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    c = client(gw)
    texts: dict[int, str] = {}
    finish: dict[int, str] = {}
    usage = None
    for chunk in c.chat.completions.create(
        model="gpt",
        messages=HI,
        n=3,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    ):
        usage = chunk.usage or usage
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finish[choice.index] = choice.finish_reason
    assert texts == {0: "echo: hi", 1: "echo: hi", 2: "echo: hi"}
    assert finish == {0: "stop", 1: "stop", 2: "stop"}
    assert usage is not None and usage.prompt_tokens == 33
    up.script(
        {"content": "A calm answer in a few words.", "chunk_delay": 0.01},
        {"content": TOXIC, "chunk_delay": 0.01},
    )
    texts, finish = {}, {}
    for chunk in c.chat.completions.create(model="gpt", messages=HI, n=2, stream=True):  # type: ignore[arg-type]
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finish[choice.index] = choice.finish_reason
    assert sorted(finish.values()) == ["content_filter", "stop"]
    assert "A calm answer in a few words." in texts.values()
    assert not any("idiot" in t for t in texts.values())


@pytest.mark.parametrize("stream", [False, True])
def test_a_refused_choice_refuses_the_request(
    stream: bool, sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    limits = {"max_body_bytes": 20000, "requests_per_minute": 2}
    gw = gateway_factory(sqlite_url, [openai_route(up)], limits=limits)
    with pytest.raises(openai.RateLimitError):
        client(gw).chat.completions.create(model="gpt", messages=HI, n=3, stream=stream)  # type: ignore[arg-type]
    if stream:
        assert up.requests == [], "no choice of a refused stream reaches the model"
    assert len(up.requests) <= 2
