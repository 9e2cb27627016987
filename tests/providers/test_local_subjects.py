"""What a sentence is about, and what answers a "why" no sentence gives a reason for.

Titles that name things ("Nova Doorbell") tell a sentence's subject apart; topic titles
("Hand luggage", "Travelling with pets") do not, so that more passages retrieved under
topic titles do not make the right sentence "about another thing". A pronoun sentence is
about what the sentence before it names. A "why" with no reason sentence is answered by
the rule that applies. Documents and questions are written for these tests (a bike shop, a
small airline and a lamp maker, not the example apps)."""

from __future__ import annotations

import pytest

from stanchion.providers.local.answer import answer, names_thing, title_names
from stanchion.providers.local.context import Context
from stanchion.providers.local.part import read_part
from stanchion.providers.local.sentences import Analyzer


@pytest.mark.parametrize(
    ("title", "names"),
    [
        ("Nova Doorbell", True),
        ("Terra Mug 6-set", True),
        ("Hand luggage", False),
        ("Travelling with pets", False),
        ("Guarantee", False),  # one word: a topic as often as a name
    ],
)
def test_a_title_names_a_thing_when_every_word_is_capitalised(title: str, names: bool) -> None:
    assert names_thing(title) is names


def test_topic_titles_tell_nothing_apart() -> None:
    assert title_names(["Hand luggage", "Travelling with pets", "Sports gear"]) == frozenset()
    # a topic beside named things: only the named things' words tell them apart
    got = title_names(["Guarantee", "Orbit Kettle", "Orbit Toaster"])
    assert got and "guarante" not in got and not any(t.startswith("guarant") for t in got)


def test_a_pronoun_sentence_under_a_topic_title_is_not_about_another_thing() -> None:
    analyzer = Analyzer()
    passages = [
        "## Small bag\nEvery traveller may bring one small bag on board. It must fit under "
        "the seat: at most 35 x 20 x 20 cm.",
        "## Pets\nA cat may travel in a soft bag under the seat.",
        "## Skis\nSkis up to 190 cm long travel in the hold.",
    ]
    titles = ["Hand luggage", "Travelling with pets", "Sports gear"]
    names = title_names(titles)
    ctx = Context(names=names, titles=tuple(titles))
    candidates = [(i, s) for i, p in enumerate(passages) for s in analyzer.sentences(p, titles[i])]
    part = read_part("how big can my small bag be", candidates, analyzer, ctx)
    pronoun = next(s for _, s in candidates if s.text.startswith("It must"))
    assert not part.other_subject(pronoun)
    got = answer("how big can my small bag be", passages, titles=titles, analyzer=analyzer)
    assert "35 x 20 x 20 cm" in got.text
    assert "190 cm" not in got.text


def test_a_pronoun_sentence_is_about_what_the_sentence_before_names() -> None:
    analyzer = Analyzer()
    passages = [
        "## Doorbell\nThe Nova Doorbell records video in HD. It runs on a battery that "
        "lasts 4 months.",
        "## Resets\nReset a Nova Lamp by switching it off and on three times. It flashes "
        "twice when the reset worked.",
    ]
    titles = ["Nova Doorbell", "Troubleshooting"]
    lamp = analyzer.sentences(passages[1], titles[1])[-1]
    assert lamp.text.startswith("It flashes") and "lamp" in lamp.named
    # "work" is in the lamp's sentence only: that is not an answer about the doorbell
    got = answer(
        "does the nova doorbell work with old chimes", passages, titles=titles, analyzer=analyzer
    )
    assert "flashes" not in got.text
    got = answer(
        "how long does the nova doorbell battery last", passages, titles=titles, analyzer=analyzer
    )
    assert "4 months" in got.text


def test_acronyms_and_codes_are_not_a_sentences_subject() -> None:
    analyzer = Analyzer()
    (row,) = analyzer.sentences("Nova Lamp SKU (product code): NV-LMP-2.", "Nova Lamp")
    assert "sku" not in row.named


REFUNDS = (
    "## Refunds\nRefunds go back to the card you paid with. Card refunds take 5 days. "
    "Bikes ridden outdoors are not eligible for a refund. Gift vouchers cannot be refunded."
)


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        ("why was my refund refused?", "not eligible"),
        ("how come they wont refund my gift voucher", "Gift vouchers cannot be refunded."),
    ],
)
def test_a_why_with_no_reason_given_is_answered_by_the_rule(question: str, rule: str) -> None:
    got = answer(question, [REFUNDS], analyzer=Analyzer()).text
    assert rule in got
    assert "go back to the card" not in got


def test_a_why_still_takes_the_sentence_that_gives_a_reason() -> None:
    shop = REFUNDS + " Refunds can be late because the bank holds them for 2 days."
    got = answer("why is my refund late", [shop], analyzer=Analyzer()).text
    assert got.startswith("Refunds can be late because")
