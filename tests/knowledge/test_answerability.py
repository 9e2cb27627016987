"""Answerability gating in the retriever, and the local extractive answerer on real passages."""

from __future__ import annotations

from pathlib import Path

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.build import build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.providers.local import answer_from_passages
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

SHIPPING = """# Shipping

## Delivery times
Standard shipping takes 3 to 5 business days. Express shipping takes 1 to 2 business days.

## Costs
Standard shipping is free on orders over 50 USD. Express shipping costs 14.99 USD.
"""
REFUNDS = """# Refund policy

## How refunds are paid
Refunds go back to the original payment method. Card refunds take 5 to 7 business days to
appear. PayPal refunds take 2 to 3 business days.
"""


VOCAB = Vocabulary(20, {"ship": 4, "canada": 1, "day": 9, "australia": 1})


def _assess(question: str, passages: list[tuple[str, str]]) -> float:
    return assess(parse(question, VOCAB, Glossary({})), VOCAB, passages).score


def test_a_missing_named_place_scores_zero() -> None:
    assert _assess("Do you ship to Australia?", [("Shipping", "We ship to Canada.")]) == 0
    covered = [("Shipping", "We ship to Australia in 5 days.")]
    assert _assess("Do you ship to Australia?", covered) > 0.5


async def test_search_refuses_questions_the_passages_cannot_answer(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    (app_dir / "docs" / "shipping.md").write_text(SHIPPING)
    spec = KnowledgeSpec.model_validate({"sources": [{"files": ["docs/*.md"]}]})
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    retriever = knowledge.retriever
    assert await retriever.search("Do you ship to Australia?", 5) == []
    hits = await retriever.search("How long does express shipping take?", 5)
    assert hits and retriever.answerability("How long does express shipping take?", hits) > 0.3
    answer = answer_from_passages("How long does express shipping take?", [h.text for h in hits])
    assert "1 to 2 business days" in answer and "14.99" not in answer
    knowledge.close()


def test_answerer_gives_every_timing_the_question_asks_for() -> None:
    answer = answer_from_passages("How long do refunds take?", [REFUNDS])
    assert "5 to 7 business days" in answer and "2 to 3 business days" in answer
    assert answer_from_passages("How much does express shipping cost?", [SHIPPING]) == (
        "Express shipping costs 14.99 USD. [1]"
    )
