"""A discount in other words and a compound written apart (issue 15): "20% off" and "half
price" are a discount to the index, the gate and the ``local`` responder; "non profit" is
the documents' "nonprofits" to the responder, which answers the whole question with it. The
bike co-op and its questions are written for these tests, not taken from any evaluation set."""

from __future__ import annotations

from collections import Counter

import pytest

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import implied, index_terms, stem
from stanchion.providers.local.answer import answer
from stanchion.providers.local.concepts import split_compounds
from stanchion.providers.local.sentences import Analyzer

PRICES = """## Prices

Students get 20% off labour on every repair. Repairs are booked online or at the counter.
A puncture repair costs £8 and a full service £45."""
CODES = """## Codes

Discount codes from other shops are not accepted at the workshop. Gift vouchers are sold at
the counter."""
CLUBS = """## Clubs

Registered nonprofits can hire the workshop free of charge on Mondays. Clubs that hire the
workshop bring their own tools, and a club can hire it for up to 4 hours."""
COOP = [("Prices", PRICES), ("Codes", CODES), ("Clubs", CLUBS)]
DF = Counter(t for title, text in COOP for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(30, dict(DF))


def test_a_share_off_is_a_discount() -> None:
    for text in ("Students get 20% off labour.", "Kids ride half-price.", "10 per cent off"):
        assert stem("discount") in implied(text), text
    for text in ("We add 5% to card payments.", "Half the racks are outside."):
        assert stem("discount") not in implied(text), text


@pytest.mark.parametrize(
    "question", ["is there a student discount on repairs", "any discount for students"]
)
def test_a_discount_asked_is_held_by_the_share_off(question: str) -> None:
    assert assess(parse(question, VOCAB, Glossary({})), VOCAB, COOP).score >= 0.45


def test_a_compound_written_apart_is_the_documents_word() -> None:
    got = answer("can a non profit hire the workshop", [CLUBS], analyzer=Analyzer()).text
    assert got.startswith("Yes. Registered nonprofits can hire the workshop")


def test_a_number_and_a_word_are_no_compound() -> None:
    analyzer = Analyzer()
    analyzer.sentences("The Glow 4-pack is sold online, as are nonprofit club kits.", "Packs")
    wanted = {stem(w): ((frozenset({stem(w)}),),) for w in ("4", "pack", "non", "profit")}
    weights = dict.fromkeys(wanted, 1.0)
    split_compounds("a 4 pack for a non profit", wanted, weights, analyzer)
    assert stem("pack") in wanted and "4" in wanted  # "4 pack" is four packs, not "4-pack"
    assert f"{stem('non')} {stem('profit')}" in wanted
