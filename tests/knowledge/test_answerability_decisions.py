"""Answerability decisions: named things the corpus could hold, per-part decisions, and the
spec's borderline action through the HTTP API (caveat, refuse, hold), evidence in the trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest
from tests.core.test_api import wait_trace
from tests.knowledge.test_query_understanding import DOCS, knowledge_over

from stanchion.knowledge.answerability import THRESHOLD, assess, missing_names
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.spec import Answerability, KnowledgeSpec
from stanchion.store.crypto import Cipher, parse_key
from stanchion.store.db import Store

VOCAB = Vocabulary(
    8,
    {"orbit": 4, "lamp": 2, "speaker": 2, "cost": 2, "deliv": 1, "germany": 1, "day": 3},
    ["Orbit Lamp", "Orbit Speaker", "Delivery"],
)


def test_named_things_the_corpus_could_hold_veto_when_absent() -> None:
    present = {"orbit", "lamp", "cost", "deliv", "germany", "day"}
    assert missing_names("how much is the orbit blender?", VOCAB, present) == ["blender"]
    assert missing_names("do you deliver to Brazil?", VOCAB, present) == ["brazil"]
    assert missing_names("Do you deliver to Germany?", VOCAB, present) == []


def test_cities_numbers_and_misspelt_corpus_words_do_not_veto() -> None:
    present = {"orbit", "lamp", "cost", "deliv", "day"}
    for question in (
        "I live in Springfield, how many days does delivery take?",
        "what does the Orbit Lammp cost at 9 pm on a Sunday?",
        "does the orbit lamp cost 35 in 2026",
    ):
        assert missing_names(question, VOCAB, present) == [], question


def test_a_veto_is_recorded_as_evidence() -> None:
    query = parse("how much is the orbit blender?", VOCAB, Glossary({}))
    verdict = assess(query, VOCAB, [("Orbit Lamp", "The Orbit Lamp costs 35 EUR.")])
    assert verdict.score == 0.0 and verdict.missing == ["blender"]
    record = verdict.record("refuse")
    assert record["features"]["missing"] == ["blender"] and "coverage" in record["features"]


async def test_a_product_the_corpus_lacks_is_declined(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    declined = await kn.plan(["how much does the orbit toaster cost?"], 3)
    assert declined.decision == "refuse"
    assert declined.annotations()["answerability"]["features"]["missing"] == ["toaster"]
    answered = await kn.plan(["how much does the orbit lamp cost?"], 3)
    assert answered.decision == "answer" and "35 EUR" in answered.passages[0].text
    kn.close()


async def test_each_part_is_decided_and_reported(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    plan = await kn.plan(["What does the orbit lamp cost? And do you ship parcels to Peru?"], 3)
    notes = plan.annotations()
    assert plan.decision == "answer"
    assert [p["decision"] for p in notes["part_answerability"]] == ["answer", "refuse"]
    assert all("Peru" not in p.text for p in plan.passages)
    kn.close()


def test_band_is_a_margin_above_the_threshold_or_explicit() -> None:
    assert Answerability(borderline=0.1).band(0.5) == (0.5, 0.6)
    assert Answerability(borderline=(0.2, 0.7)).band(0.5) == (0.2, 0.7)
    assert Answerability().band(0.5) == (0.5, 0.5)


def borderline_gateway(db_url: str, gateway_factory: Any, action: str) -> Any:
    knowledge = {
        "sources": [{"files": ["docs/*.md"]}],
        "answerability": {"borderline": [0.0, 0.999], "borderline_action": action},
    }
    gw = gateway_factory(
        db_url, [{"name": "offline", "provider": "local"}], start=False, knowledge=knowledge
    )
    (gw.folder / "docs").mkdir()
    for name, body in DOCS.items():
        (gw.folder / "docs" / name).write_text(body)
    spec = KnowledgeSpec.model_validate(knowledge)
    ingest(spec, gw.folder, gw.store, Cipher(parse_key(gw.key)), "demo", approve_as="owner")
    gw.start()
    return gw


def ask(gw: Any, question: str) -> Any:
    c = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key("user"), max_retries=0)
    return c.chat.completions.create(
        model="offline", messages=[{"role": "user", "content": question}]
    )


@pytest.mark.parametrize(
    ("action", "decision"), [("caveat", "pass"), ("refuse", "refuse"), ("hold", "hold")]
)
def test_borderline_action_from_the_spec(
    sqlite_url: str, gateway_factory: Any, action: str, decision: str
) -> None:
    gw = borderline_gateway(sqlite_url, gateway_factory, action)
    r = ask(gw, "how many hours does the orbit speaker battery last?")
    ext = r.model_extra["stanchion"]
    text = r.choices[0].message.content or ""
    assert ext["decision"] == decision
    if action == "caveat":
        assert "20 hours" in text and Answerability().caveat in text
    else:
        assert "20 hours" not in text
    trace = wait_trace(gw, ext["trace_id"])
    evidence = trace["annotations"]["answerability"]
    assert evidence["decision"] == ("refuse" if action == "refuse" else "borderline")
    assert 0.0 < evidence["score"] < 1.0 and "coverage" in evidence["features"]
    assert evidence["threshold"] == THRESHOLD
    assert trace["annotations"]["parts"] == ["how many hours does the orbit speaker battery last?"]


def test_a_streamed_borderline_answer_ends_with_the_caveat(
    sqlite_url: str, gateway_factory: Any
) -> None:
    gw = borderline_gateway(sqlite_url, gateway_factory, "caveat")
    c = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key("user"), max_retries=0)
    question = [{"role": "user", "content": "how many hours does the orbit speaker battery last?"}]
    stream = c.chat.completions.create(model="offline", messages=question, stream=True)
    text = "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices)
    assert "20 hours" in text and text.endswith("\n\n" + Answerability().caveat)


def test_the_question_words_in_the_evidence_are_sealed_at_rest(
    sqlite_url: str, gateway_factory: Any
) -> None:
    """The standalone question, its parts and the words the documents lack are content:
    the stored row holds none of them in clear; the trace API gives them back."""
    from sqlalchemy import select

    from stanchion.store.schema import traces

    gw = borderline_gateway(sqlite_url, gateway_factory, "caveat")
    asked = "does the orbit lamp ship to Peru? and how long does the battery last"
    ext = ask(gw, asked).model_extra["stanchion"]
    trace = wait_trace(gw, ext["trace_id"])
    assert trace["annotations"]["query"].startswith("does the orbit lamp ship to Peru?")
    assert len(trace["annotations"]["parts"]) == 2
    judged = [p for p in trace["annotations"]["part_answerability"] if p["features"].get("missing")]
    assert judged and "peru" in judged[0]["features"]["missing"]
    with gw.store.engine.connect() as conn:
        raw = conn.execute(select(traces).where(traces.c.id == ext["trace_id"])).one()
    clear = " ".join(str(v) for k, v in raw._mapping.items() if not str(k).endswith("_enc"))
    for word in ("orbit", "Peru", "peru", "battery"):
        assert word not in clear, word


def test_answerability_evidence_reaches_the_trace_on_postgres(
    db_url: str, gateway_factory: Any
) -> None:
    gw = borderline_gateway(db_url, gateway_factory, "caveat")
    r = ask(gw, "do you ship the orbit lamp to Peru?")
    ext = r.model_extra["stanchion"]
    assert ext["decision"] == "refuse"
    trace = wait_trace(gw, ext["trace_id"])
    assert trace["annotations"]["answerability"]["features"]["missing"] == ["peru"]


async def test_a_model_or_pack_the_catalog_does_not_hold_is_declined(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """The documents know the product family, the catalog knows which models exist: a
    question about another model is not answered with its neighbour's facts."""
    from stanchion.knowledge.catalog import Catalog
    from stanchion.knowledge.plan import Planner
    from stanchion.knowledge.query import split_asks
    from stanchion.knowledge.spec import Catalog as CatalogSpec

    spec = CatalogSpec(table="items", key_column="title", fact_columns=["price_eur"])
    rows = [{"title": "Orbit Lamp", "price_eur": 35}, {"title": "Orbit Speaker", "price_eur": 59}]
    kn = await knowledge_over(store, cipher, app_dir)
    planner = Planner(kn.retriever, Answerability(), Catalog.from_rows(spec, rows))

    def plan(text: str) -> Any:
        return planner.plan_sync([text], split_asks(text), 3, [])

    sold = plan("how much is the orbit lamp?")
    assert sold.decision == "answer"
    for question, name in (
        ("how much is the orbit lamp pro?", "lamp pro"),
        ("price of a 6-pack of orbit speakers", "6-pack of orbit speakers"),
    ):
        other = plan(question)
        assert other.decision == "refuse", question
        evidence = other.annotations()["answerability"]
        assert evidence["score"] == 0.0 and name in evidence["features"]["missing"]
    # a pack asked with no product of its own is of the product the part before named
    told = "I want to buy six orbit speakers for the flat. Do you sell a 6-pack"
    last = plan(told).parts[-1]
    assert last.decision == "refuse" and "Do you sell a 6-pack" in last.assessment.missing
    # a part that names its own product is read alone
    last = plan("I want to buy six orbit speakers for the flat. How much is the orbit lamp").parts[
        -1
    ]
    assert last.decision == "answer" and last.assessment.missing == []
    kn.close()


def test_a_title_case_name_ends_at_its_first_lower_case_word() -> None:
    present = {"orbit", "lamp", "cost", "day"}
    assert missing_names("We had the Orbit Lamp installed, is it dimmed?", VOCAB, present) == []
    assert missing_names("Does Orbit Lamp Deluxe cost more?", VOCAB, present) == ["deluxe"]
    assert missing_names("Is there an Orbit blender?", VOCAB, present) == ["blender"]
    assert missing_names("is there an orbit lamp blender", VOCAB, present) == ["blender"]


async def test_a_follow_up_part_leans_through_the_part_before_on_the_earlier_turn(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """'how long would that take?' after 'I'd like to send a lamp to Portugal' in a turn that
    answers 'how long does delivery take?': the topic is only in the earlier turn."""
    (app_dir / "docs").mkdir(exist_ok=True)
    (app_dir / "docs" / "shipping.md").write_text(
        "# Shipping\n\n## Delivery times\nDelivery takes 2 days within Spain and 4 to 6 days "
        "to Portugal.\n"
    )
    kn = await knowledge_over(store, cipher, app_dir)
    turns = [
        "how long does delivery take?",
        "Thanks. I'd like to send a lamp and a router to Portugal. how long would that take?",
    ]
    plan = await kn.plan(turns, 3)
    leaning = plan.parts[-1]
    assert "delivery" in [c.words for c in leaning.query.concepts if c.how == "context"]
    assert leaning.passages[0].doc_id == "docs/shipping.md"
    kn.close()
