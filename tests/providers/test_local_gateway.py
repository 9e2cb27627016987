"""The local responder through the real gateway: catalog prices cited as catalog rows, a
pack price the catalog agrees with, a multi-part answer naming the part it cannot answer,
JSON and streamed alike, and a question no passage answers declined."""

from __future__ import annotations

from typing import Any

import openai

from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher, parse_key
from tests.conftest import openai_route
from tests.core.test_api import wait_trace
from tests.upstream import Upstream

DOCS = {
    "kettle.md": "# Orbit Kettle\n\n## Overview\nThe Orbit Kettle boils 1.7 litres in about "
    "three minutes.\n\n## Warranty\nThe Orbit Kettle has a 12-month warranty.\n",
    "lamp.md": "# Orbit Lamp\n\n## Overview\nThe Orbit Lamp is a dimmable desk lamp.\n\n"
    "## Price\nThe Orbit Lamp costs 30 USD, or 80 USD for a pack of three.\n",
    "care.md": "# Cleaning\n\n## Shades\nWipe lamp shades with a dry cloth. Never use "
    "water on a shade.\n",
}
CATALOG_SQL = (
    "CREATE TABLE items (name TEXT, price_usd NUMERIC, warranty_months INTEGER, perks TEXT);\n"
    "INSERT INTO items VALUES ('Orbit Kettle', 39.5, 12, 'keep warm; 1.7 litres');\n"
    "INSERT INTO items VALUES ('Orbit Lamp', 30, 24, 'dimmable');\n"
    "INSERT INTO items VALUES ('Orbit Lamp 3-pack', 80, 24, 'three lamps');\n"
)
KNOWLEDGE = {
    "sources": [{"files": ["docs/*.md"]}],
    "retrieval": {"k": 4, "min_score": 0.2},
    "catalog": {
        "url": "sqlite:///catalog.db",
        "seed": "catalog.sql",
        "table": "items",
        "key_column": "name",
        "fact_columns": ["price_usd", "warranty_months"],
        "features_column": "perks",
        "action": "hold",
    },
}


def shop(db_url: str, gateway_factory: Any) -> Any:
    gw = gateway_factory(
        db_url, [{"name": "offline", "provider": "local"}], start=False, knowledge=KNOWLEDGE
    )
    (gw.folder / "docs").mkdir()
    for name, text in DOCS.items():
        (gw.folder / "docs" / name).write_text(text)
    (gw.folder / "catalog.sql").write_text(CATALOG_SQL)
    spec = KnowledgeSpec.model_validate(KNOWLEDGE)
    ingest(spec, gw.folder, gw.store, Cipher(parse_key(gw.key)), "demo", approve_as="owner")
    gw.start()
    return gw


def ask(gw: Any, text: str, stream: bool = False) -> tuple[str, dict[str, Any]]:
    c = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    messages: Any = [{"role": "user", "content": text}]
    if not stream:
        r = c.chat.completions.create(model="offline", messages=messages)
        return r.choices[0].message.content or "", r.model_extra["stanchion"]
    out, ext = "", {}
    for ch in c.chat.completions.create(model="offline", messages=messages, stream=True):
        if ch.choices:
            out += ch.choices[0].delta.content or ""
        ext = (ch.model_extra or {}).get("stanchion") or ext
    return out, ext


def test_a_price_only_the_catalog_holds_is_answered_and_cited(
    sqlite_url: str, gateway_factory: Any
) -> None:
    gw = shop(sqlite_url, gateway_factory)
    text, ext = ask(gw, "how much does the orbit kettle cost?")
    assert "Orbit Kettle costs 39.50 USD." in text
    assert ext["decision"] == "pass"
    assert "catalog:Orbit Kettle" in {c["doc_id"] for c in ext["citations"]}


def test_single_and_pack_prices_from_the_documents_are_not_held(
    db_url: str, gateway_factory: Any
) -> None:
    gw = shop(db_url, gateway_factory)
    text, ext = ask(gw, "whats the price of the orbit lamp")
    assert "30 USD, or 80 USD for a pack of three" in text
    assert ext["decision"] == "pass"
    assert not any(f["type"] == "catalog.contradiction" for f in ext["findings"])


def test_multi_part_names_the_unanswerable_part_in_json_and_stream(
    sqlite_url: str, gateway_factory: Any
) -> None:
    gw = shop(sqlite_url, gateway_factory)
    question = "how long is the kettle warranty? and do you sell teapots?"
    text, ext = ask(gw, question)
    assert "12-month warranty" in text
    assert "I don't have information about" in text and "teapots" in text
    assert ext["decision"] == "pass"
    streamed, _ = ask(gw, question, stream=True)
    assert streamed.startswith(text.split("\n\n")[0])


def test_a_question_nothing_answers_is_declined(sqlite_url: str, gateway_factory: Any) -> None:
    gw = shop(sqlite_url, gateway_factory)
    for stream in (False, True):
        text, ext = ask(gw, "is the orbit kettle dishwasher safe?", stream=stream)
        assert ext["decision"] == "refuse"
        assert "approved documents" in text
        assert wait_trace(gw, ext["trace_id"])["decision"] == "refuse"


def test_the_responder_declines_when_retrieval_passed_but_no_sentence_answers(
    sqlite_url: str, gateway_factory: Any
) -> None:
    gw = shop(sqlite_url, gateway_factory)
    question = "how long does cleaning a shade take?"  # no duration in any passage
    text, ext = ask(gw, question)
    trace = wait_trace(gw, ext["trace_id"])
    assert trace["annotations"].get("responder_refused") is True
    assert ext["decision"] == "refuse" and trace["decision"] == "refuse"
    assert text.startswith("I don't have that in the approved documents.")
    streamed, ext = ask(gw, question, stream=True)
    trace = wait_trace(gw, ext["trace_id"])
    assert trace["decision"] == "refuse" and trace["annotations"]["responder_refused"] is True
    assert streamed == "I don't have that in the approved documents."


def test_a_real_model_gets_the_catalog_rows_as_numbered_sources(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(
        sqlite_url,
        [openai_route(up), {"name": "offline", "provider": "local"}],
        start=False,
        knowledge=KNOWLEDGE,
    )
    (gw.folder / "docs").mkdir()
    for name, text in DOCS.items():
        (gw.folder / "docs" / name).write_text(text)
    (gw.folder / "catalog.sql").write_text(CATALOG_SQL)
    spec = KnowledgeSpec.model_validate(KNOWLEDGE)
    ingest(spec, gw.folder, gw.store, Cipher(parse_key(gw.key)), "demo", approve_as="owner")
    gw.start()
    up.script({"content": "The Orbit Kettle costs 39.50 USD. [1]"})
    c = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0)
    r = c.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "what does the orbit kettle cost"}]
    )
    sources = next(
        m["content"]
        for m in up.requests[-1]["body"]["messages"]
        if m["role"] == "system" and "numbered sources" in m["content"]
    )
    assert "Catalog: Orbit Kettle\nOrbit Kettle costs 39.50 USD." in sources
    assert r.model_extra["stanchion"]["decision"] == "pass"
