"""The question's point and the point-kind veto (issue 15, nearmiss).

A near miss asks about a relative of what the documents hold: a known head narrowed by a word
the corpus never uses ("a TANDEM bike" against the bike prices). The head alone matches a
neighbour's facts, so the kind is what the answer must hold. Everyday wording, the customer's
own things, typos, adverbs, superlatives and a story told do not narrow.

The questions and the bike-rental shop are written for these tests, not taken from any
evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge import answerability
from stanchion.knowledge.answerability import assess, novel_points
from stanchion.knowledge.evidence import foreign_currency, narrowed_point, point_phrase, pointed
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import index_terms

SHOP = [
    ("Prices", "A city bike costs 15 USD a day. A helmet and a lock are included."),
    ("Paying", "You can pay by card or in cash at the counter."),
    ("Returns", "Return the bike by 6 pm. A late return costs 10 USD an hour."),
    ("Repairs", "A flat tyre is repaired free of charge during the rental."),
]
DF = Counter(t for title, text in SHOP for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(SHOP), dict(DF))
PRESENT = frozenset(t for title, text in SHOP for t in index_terms(f"{title} {text}"))


def _query(text: str):  # type: ignore[no-untyped-def]
    return parse(text, VOCAB, Glossary({}))


def _phrase(text: str) -> list[str]:
    q = _query(text)
    return [c.words.lower() for c in point_phrase(q.text, q.content())]


def _narrowed(text: str) -> list[str]:
    q = _query(text)
    return narrowed_point(q.text, q.content(), PRESENT)


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("how much does a city bike cost", ["bike", "city"]),  # "does ... cost": its verb
        ("can i pay with card at the counter?", ["counter"]),
        ("hi there. what does a late return cost? thanks", ["return", "late"]),
    ],
)
def test_the_point_phrase_is_the_last_phrase_of_the_asking_clause(
    question: str, phrase: list[str]
) -> None:
    assert _phrase(question) == phrase


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how much is an electric bike", "electric"),  # a kind of a corpus noun
        ("can i pay with apple cash", "apple"),
        ("what does a late return cost for a mountain bike?", "mountain"),
        ("what does a cargo bike cost", "cargo"),
    ],
)
def test_an_unseen_kind_of_a_known_head_is_the_point(
    question: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answerability, "POINT_KINDS", True)  # off by default: see its comment
    assert kind in _narrowed(question)
    assert assess(_query(question), VOCAB, SHOP).score == 0.0
    assert kind in assess(_query(question), VOCAB, SHOP).missing


@pytest.mark.parametrize(
    "question",
    [
        "how much does a city bike cost",  # every word known
        "what does a big bike cost",  # an everyday adjective describes, it does not narrow
        "my muddy bike, can i return it late",  # the customer's own thing, not a kind on offer
        "can i return my muddy bike late",
        "what's the cheapest bike",  # a superlative asks which of the listed ones
        "is a helmet honestly included",  # an adverb says how
        "how much is a bkie",  # a typo of a corpus word
        "how much is a city bike for 3 days",  # a number
    ],
)
def test_everyday_wording_and_the_customers_things_do_not_narrow(question: str) -> None:
    assert _narrowed(question) == []


def test_a_told_story_does_not_narrow() -> None:
    q = _query("we got a flat tyre on a gravel path. is the repair free")
    assert narrowed_point(q.text, q.content(), PRESENT) == []
    told = _query("I left my folding bike at the counter.")
    assert assess(told, VOCAB, SHOP, told=True).missing == []


def test_the_veto_is_off_by_default_and_can_be_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert answerability.POINT_KINDS is False
    monkeypatch.setattr(answerability, "POINT_KINDS", False)
    result = assess(_query("how much is an electric bike"), VOCAB, SHOP)
    assert result.missing == [] and result.score > 0


def test_the_point_features_are_recorded_for_the_fit() -> None:
    q = _query("how much is an electric bike")
    sentences = [frozenset(index_terms(text)) for _, text in SHOP]
    feats = pointed(q.text, q.judged(), sentences, PRESENT)
    assert feats["point_modifier"] == 1.0 and feats["point_novel"] == 1.0
    assert feats["point_passage"] == 0.5  # "bike" is held, "electric" nowhere
    plain = pointed(
        "how much is a city bike", _query("how much is a city bike").judged(), sentences, PRESENT
    )
    assert plain["point_modifier"] == 0.0 and plain["point_sentence"] == 1.0


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("what does a city bike cost in euros", ["euros"]),  # the shop prices in USD
        ("how much is a day in canadian dollars?", ["canadian dollars"]),
        ("is a late hour 10 quid", ["quid"]),
        ("what does a city bike cost", []),
        ("is it 15 dollars a day", []),  # dollars are USD
        ("under 20 bucks for a day?", []),
    ],
)
def test_a_price_asked_in_a_currency_the_shop_never_names(question: str, named: list[str]) -> None:
    assert foreign_currency(question, lambda t: t in VOCAB or t in PRESENT) == named
    assert (assess(_query(question), VOCAB, SHOP).score == 0.0) == bool(named)


def test_a_currency_the_documents_name_or_no_code_at_all_is_not_foreign() -> None:
    euro = frozenset(["usd", "euro"])
    assert foreign_currency("when did the euro replace the mark", euro.__contains__) == []
    assert foreign_currency("what is that in euros", frozenset(["price"]).__contains__) == []


@pytest.mark.parametrize(
    "filler",
    [" ", " and", ", and", "and ", "x", "\n ", "\n"],
)
def test_the_point_phrase_is_read_in_linear_time(filler: str) -> None:
    concepts = _query("how much is an electric bike").content()

    def run(size: int) -> object:
        text = "how much is an electric" + filler * size + " bike and the helmet"
        return narrowed_point(text, concepts, PRESENT)

    grows_linearly(run, 40_000)


@pytest.mark.parametrize("run_of", [" ", "\n ", " \t"])
def test_unseen_points_are_read_in_linear_time_whatever_the_white_space(run_of: str) -> None:
    def run(size: int) -> object:
        q = _query("how much is an electric" + run_of * size + " bike, and the helmet")
        return novel_points(q, PRESENT)

    grows_linearly(run, 20_000)
