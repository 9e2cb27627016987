"""An LLM grounding judge chosen in the spec, through the router, end to end over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import openai_route
from tests.core.test_api import wait_trace
from tests.core.test_pipeline_e2e import KNOWLEDGE, client, write_docs
from tests.upstream import Upstream

from stanchion.errors import SpecError
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.runtime import build_runtime
from stanchion.store.crypto import Cipher, parse_key

JUDGED = {**KNOWLEDGE, "grounding": {"checker": {"kind": "llm", "route": "judge"}}}


def test_the_judge_route_scores_the_answer(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    routes = [openai_route(up), openai_route(up, name="judge", retries=0)]
    gw = gateway_factory(sqlite_url, routes, start=False, knowledge=JUDGED)
    write_docs(gw.folder)
    spec = KnowledgeSpec.model_validate(JUDGED)
    ingest(spec, gw.folder, gw.store, Cipher(parse_key(gw.key)), "demo", approve_as="owner")
    gw.start()
    up.script(
        {"content": "Card refunds take 5 to 7 business days. [1]"},
        {"content": '{"scores": [0.05]}'},
    )
    r = client(gw).chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "How long do card refunds take?"}]
    )
    ext = r.model_extra["stanchion"]
    judge = up.requests[-1]["body"]
    assert "Claims:\n1. Card refunds take 5 to 7 business days." in judge["messages"][1]["content"]
    assert any(f["type"] == "grounding.unsupported" for f in ext["findings"])
    trace = wait_trace(gw, ext["trace_id"])
    assert trace["annotations"]["groundedness"] == 0.05
    up.script({"content": "Card refunds take 5 to 7 business days. [1]"}, {"status": 500})
    r = client(gw).chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "How long do card refunds take?"}]
    )
    trace = wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
    assert trace["annotations"]["groundedness"] > 0.42  # the offline checker took over


def test_a_judge_route_the_spec_lacks_stops_the_start(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False, knowledge=JUDGED)
    write_docs(gw.folder)
    with pytest.raises(SpecError, match=r"checker\.route: no route named 'judge'"):
        build_runtime(gw.spec_file, gw.settings)
