"""Response caches through the real gateway: exact and near-duplicate hits skip the model,
scopes hold, and nothing is served across a new document version or a label move; on
SQLite with the in-process cache, and on PostgreSQL + Redis shared by two gateways."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import openai
import pytest
from click.testing import CliRunner

from stanchion.cli.main import cli
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.registry.labels import bump_generation
from stanchion.store.crypto import Cipher, parse_key
from tests.conftest import openai_route
from tests.core.test_api import wait_trace
from tests.core.test_limits import REDIS_URL, redis_or_skip
from tests.core.test_pipeline_e2e import KNOWLEDGE, write_docs
from tests.upstream import Upstream

QUESTION = "How long do card refunds take?"
ANSWER = "Card refunds take 5 to 7 business days after we receive the return. [1]"
SPEC_KNOWLEDGE = {**KNOWLEDGE, "retrieval": {**KNOWLEDGE["retrieval"], "refresh_seconds": 0.1}}
FAST = {"refresh_seconds": 0.1}


def _ingest(gw: Any) -> None:
    spec = KnowledgeSpec.model_validate(SPEC_KNOWLEDGE)
    ingest(spec, gw.folder, gw.store, Cipher(parse_key(gw.key)), "demo", approve_as="owner")


def cached_gateway(
    db_url: str, factory: Any, up: Upstream, cache: dict[str, Any], **kw: Any
) -> Any:
    gw = factory(
        db_url, [openai_route(up)], start=False, knowledge=SPEC_KNOWLEDGE, cache=cache,
        registry=FAST, **kw,
    )  # fmt: skip
    write_docs(gw.folder)
    _ingest(gw)
    return gw


def ask(gw: Any, key: str, question: str = QUESTION) -> Any:
    c = openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0)
    return c.chat.completions.create(model="gpt", messages=[{"role": "user", "content": question}])


def answered(up: Upstream) -> int:
    return sum(1 for r in up.requests if r["path"].endswith("/chat/completions"))


def test_exact_and_near_hits_skip_the_model_and_are_reported(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = cached_gateway(sqlite_url, gateway_factory, up, {"exact": True, "near": True})
    gw.start()
    up.script({"content": ANSWER})
    key = gw.make_key()
    first = ask(gw, key)
    assert first.choices[0].message.content == ANSWER.replace(" [1]", " [1]")
    assert answered(up) == 1
    again = ask(gw, key)
    assert again.choices[0].message.content == first.choices[0].message.content
    near = ask(gw, key, "Hello, how long do CARD refunds   take??")
    assert near.choices[0].message.content == first.choices[0].message.content
    assert answered(up) == 1
    kinds = []
    for r in (again, near):
        trace = wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
        kinds.append(trace["annotations"]["saved"][0]["by"])
        assert trace["cost"] == 0 and trace["prompt_tokens"] == 0
    assert kinds == ["exact", "near"]
    # another user does not share a per-user cache
    up.script({"content": ANSWER})
    ask(gw, gw.make_key(user="bob"))
    assert answered(up) == 2
    # the report shows what the cache saved against the same traffic without it
    _wait_traces(gw, 4)
    out = CliRunner().invoke(cli, ["report", "cost", "--app", str(gw.folder)], env=_env(gw))
    assert out.exit_code == 0, out.output
    head = out.output.index("saved by")
    rows = {ln.split()[0]: ln.split() for ln in out.output[head:].splitlines()[2:] if ln}
    assert set(rows) == {"exact", "near", "all"}, out.output
    assert rows["exact"][1] == "1" and rows["near"][1] == "1" and rows["all"][1] == "2"
    assert int(rows["all"][2]) == 2 * (11 + 7)  # the upstream's usage, twice


def _env(gw: Any) -> dict[str, str]:
    return {"STANCHION_ENCRYPTION_KEY": gw.key, "STANCHION_DATABASE_URL": gw.settings.database_url}


def _wait_traces(gw: Any, n: int) -> None:
    from sqlalchemy import func, select

    from stanchion.store.schema import traces

    deadline = time.time() + 5
    while time.time() < deadline:
        with gw.store.engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(traces)).scalar_one() >= n:
                return
        time.sleep(0.05)


def _new_version(gw: Any) -> None:
    (gw.folder / "docs" / "refunds.md").write_text(
        "# Refunds\n\n## Timing\nCard refunds take 3 to 5 business days after we receive the "
        "return.\n\n## Exceptions\nGift cards cannot be refunded.\n"
    )
    _ingest(gw)


def _until(check: Any, what: str) -> None:
    deadline = time.time() + 5
    while not check():
        assert time.time() < deadline, what
        time.sleep(0.1)


def test_never_served_across_a_new_document_version_or_a_label_move(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = cached_gateway(sqlite_url, gateway_factory, up, {"exact": True, "near": True})
    gw.start()
    key = gw.make_key()
    up.script({"content": ANSWER})
    ask(gw, key)
    _new_version(gw)
    newer = "Card refunds take 3 to 5 business days after we receive the return. [1]"
    up.script(*[{"content": newer}] * 20)
    _until(lambda: ask(gw, key).choices[0].message.content == newer, "served the old answer")
    calls = answered(up)
    assert ask(gw, key).choices[0].message.content == newer and answered(up) == calls
    with gw.store.engine.begin() as conn:
        bump_generation(conn, "demo")  # what every label move, approval and rollback does
    _until(lambda: (ask(gw, key), answered(up))[1] > calls, "served across a label move")


@pytest.fixture()
def pg_url() -> Any:
    from tests.conftest import _pg_database

    yield from _pg_database()


async def _redis_ready() -> None:
    await redis_or_skip()


def test_two_gateways_share_the_redis_cache_on_postgresql(
    pg_url: str, up: Upstream, gateway_factory: Any
) -> None:
    import asyncio

    asyncio.run(_redis_ready())
    prefix_app = {"max_body_bytes": 20000, "redis_url": REDIS_URL}
    cache = {"exact": True, "near": True, "scope": "app", "backend": "redis"}
    a = cached_gateway(pg_url, gateway_factory, up, cache, limits=prefix_app)
    b = gateway_factory(
        pg_url, [openai_route(up)], start=False, knowledge=SPEC_KNOWLEDGE, cache=cache,
        registry=FAST, limits=prefix_app,
    )  # fmt: skip
    write_docs(b.folder)  # its catalog seed
    b.key = a.key
    b.settings = dataclasses.replace(b.settings, encryption_key=a.key)
    a.start()
    b.start()
    _flush_redis_cache()
    up.script({"content": ANSWER})
    first = ask(a, a.make_key())
    assert ask(b, b.make_key(user="bob")).choices[0].message.content == (
        first.choices[0].message.content
    )
    assert answered(up) == 1
    _new_version(a)
    newer = "Card refunds take 3 to 5 business days after we receive the return. [1]"
    up.script(*[{"content": newer}] * 20)
    for gw in (b, a):
        _until(
            lambda gw=gw: ask(gw, gw.make_key()).choices[0].message.content == newer,
            "a gateway served the old answer from Redis",
        )


def _flush_redis_cache() -> None:
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    try:
        for k in r.scan_iter(match="stanchion:demo:cache:*"):
            r.delete(k)
    finally:
        r.close()


def test_cache_spec_refuses_redis_without_a_url(tmp_path: Path) -> None:
    from stanchion.cache import build_cache
    from stanchion.errors import StoreError
    from stanchion.spec.model import CacheSpec

    with pytest.raises(StoreError, match="Redis URL"):
        build_cache(CacheSpec(exact=True, backend="redis"), "demo", None, lambda: None)
    assert build_cache(CacheSpec(), "demo", None, lambda: None) is None


GOOD = [
    ANSWER,
    "Refunds to a card take 5 to 7 business days once we receive the return. [1]",
    "Gift cards cannot be refunded. [2]",
]
WEAK = [
    "The moon is made of green cheese and refunds are instant.",
    "Card refunds take 30 business days and need a notarised form. [1]",
]


def test_the_cascade_escalates_exactly_the_weak_answers(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    routes = [
        openai_route(up, name="cheap", model="small", cascade="strong",
                     price={"input": 0.1, "output": 0.2}),
        openai_route(up, name="strong", model="big", price={"input": 10.0, "output": 20.0}),
    ]  # fmt: skip
    gw = gateway_factory(sqlite_url, routes, start=False, knowledge=SPEC_KNOWLEDGE)
    write_docs(gw.folder)
    _ingest(gw)
    gw.start()
    key = gw.make_key()
    c = openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0)
    escalated = []
    for i, cheap in enumerate(GOOD + WEAK):
        up.reset()
        up.script({"content": cheap}, {"content": ANSWER})
        r = c.chat.completions.create(
            model="cheap", messages=[{"role": "user", "content": f"{QUESTION} ({i})"}]
        )
        models = [q["body"]["model"] for q in up.requests]
        trace = wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
        cascade = trace["annotations"]["cascade"]
        if cascade["escalated"]:
            escalated.append(cheap)
            assert models == ["small", "big"] and r.choices[0].message.content == ANSWER
            assert trace["route"] == "strong" and trace["annotations"]["saved"][0]["cost"] < 0
        else:
            assert models == ["small"] and r.choices[0].message.content == cheap
            assert trace["annotations"]["saved"][0]["cost"] > 0
    assert escalated == WEAK


def test_context_is_trimmed_to_its_token_budget(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    limits = {"max_body_bytes": 20000, "context_tokens": 25}
    gw = gateway_factory(
        sqlite_url, [openai_route(up)], start=False, knowledge=SPEC_KNOWLEDGE, limits=limits
    )
    write_docs(gw.folder)
    _ingest(gw)
    gw.start()
    up.script({"content": ANSWER})
    r = ask(gw, gw.make_key(), "How long do card refunds take, and can gift cards be refunded?")
    sent = "\n".join(m["content"] for m in up.requests[0]["body"]["messages"])
    facts = ["5 to 7 business days", "Gift cards cannot be refunded"]
    assert sum(f in sent for f in facts) == 1  # both retrieved, the better one kept
    trace = wait_trace(gw, r.model_extra["stanchion"]["trace_id"])
    trim = [s for s in trace["annotations"]["saved"] if s["by"] == "trim"]
    assert len(trim) == 1 and trim[0]["prompt_tokens"] > 0


def test_a_request_with_personal_data_is_never_cached(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = cached_gateway(sqlite_url, gateway_factory, up, {"exact": True, "near": True})
    gw.start()
    key = gw.make_key()
    up.script(*[{"content": ANSWER}] * 2)
    question = "How long do card refunds take? I am maria.lopez@example.org"
    ask(gw, key, question)
    ask(gw, key, question)
    assert answered(up) == 2
    assert "maria.lopez@example.org" not in str(up.requests[0]["body"])  # it was pseudonymised
