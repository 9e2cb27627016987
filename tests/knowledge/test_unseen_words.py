"""Words the corpus never saw: the question's point, a paraphrase, a unit or a clipped word.

The questions are written for these tests (a garden-tools shop), not taken from any
evaluation set.
"""

from __future__ import annotations

import pytest

from stanchion.knowledge.answerability import assess, novel_points, unoffered
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.english import commonness, rarity, specificity, zipf
from stanchion.knowledge.text import stem

DF = {
    stem("mower"): 3,
    "blad": 2,
    "warranty": 2,
    "year": 5,
    "battery": 3,
    "volt": 1,
    "watt": 1,
    "charg": 2,
    "hour": 4,
    "original": 1,
    "packag": 1,
    "return": 3,
    "day": 6,
    "cover": 2,
}
VOCAB = Vocabulary(30, DF)
MOWER = [
    ("Cordless mower", "The cordless mower runs on a 40-volt battery rated at 500 watts."),
    ("Cordless mower", "A full charge takes 2 hours. The mower has a 3-year warranty."),
    ("Returns", "Return it within 30 days in the original packaging."),
]


def _q(text: str) -> list[str]:
    return novel_points(parse(text, VOCAB, Glossary({})))


def test_the_english_table_orders_everyday_specific_and_coded_words() -> None:
    assert zipf("the") > 6.5
    assert zipf("door") > 4.5 > zipf("refurbished") > 2.5 > zipf("60fps")
    assert commonness("Batteries") == zipf("battery")
    assert rarity("door") == 0.0 and rarity("60fps") == 1.0
    assert specificity("go") < specificity("warranty") == 1.0


@pytest.mark.parametrize(
    "question, point",
    [
        ("does the mower come refurbished", "refurbished"),
        ("can I pay with Venmo for the mower", "venmo"),
        ("does the mower have a 4K camera", "4k"),
        ("is the blade made of titanium", "titanium"),
        ("can i see the battery charge on my iPad", "ipad"),  # a capital after a small letter
    ],
)
def test_an_unseen_specific_word_of_the_question_is_its_point(question: str, point: str) -> None:
    assert point in _q(question)
    assert assess(parse(question, VOCAB, Glossary({})), VOCAB, MOWER).score == 0.0


@pytest.mark.parametrize(
    "question",
    [
        "my mower died after a year, am I covered",  # died: everyday wording
        "I bought it for Christmas, how long is the warranty",  # a capital, but an everyday word
        "the battery on my mower goes flat, how long does a charge take",
        "whst is the warrenty on teh mower",  # typos of common words the corpus cannot fix
        "I vaguely remember a warranty on the mower, how long is it",  # how, not what
        "how long til the mower battery is charged",  # chat spelling of "until"
    ],
)
def test_everyday_unseen_words_are_paraphrase_not_the_point(question: str) -> None:
    assert _q(question) == []
    assert assess(parse(question, VOCAB, Glossary({})), VOCAB, MOWER).score > 0.3


def test_context_words_never_make_the_point() -> None:
    query = parse("how long is the warranty", VOCAB, Glossary({}))
    context = parse("we had a thunderstorm and a hailstorm last night", VOCAB, Glossary({}))
    assert novel_points(query.with_context(context)) == []


def test_a_number_with_its_unit_matches_the_unit_the_documents_spell_out() -> None:
    for question, term in (("is it a 40v battery", "volt"), ("is the motor 500w", "watt")):
        concept = next(c for c in parse(question, VOCAB, Glossary({})).concepts if c.how == "split")
        assert concept.known and concept.alts == ((term,),)
    assert "60fps" in _q("does the mower camera record 60fps")


def test_clipped_and_derived_rare_words_find_their_corpus_term() -> None:
    concepts = parse("do i need the orig packaging, and the mower wattage", VOCAB, Glossary({}))
    found = {c.words: c.alts for c in concepts.concepts if c.how == "spelling"}
    assert found == {"orig": (("original",),), "wattage": (("watt",),)}
    # an everyday word is a word, not a clipped one: "door" is not "doorbell"
    doorbell = Vocabulary(10, {"doorbel": 2})
    assert doorbell.expand("door") == "doorbel"
    assert all(c.how == "word" for c in parse("door", doorbell, Glossary({})).concepts)


@pytest.mark.parametrize(
    "question",
    [
        "bruh can i return the mower",
        "srsly how long does a charge take",
        "ordered at 10am, warranty?",
        "lmk how long a charge takes pls",
        "need it by tmrw, can i return the mower asap",
        "wtf the mower died, warranty?",
        "whats the cheapest battery",  # which of the listed ones: not a thing of its own
        "fastest way to return the mower",
    ],
)
def test_chat_slang_and_times_of_day_are_never_the_point(question: str) -> None:
    assert _q(question) == []


def test_a_word_the_passages_hold_is_not_novel() -> None:
    """A catalog row ("Mower Mini costs 199 USD") holds words the indexed documents lack."""
    query = parse("is the Mower Mini worth it", VOCAB, Glossary({}))
    assert novel_points(query) == ["mini"]
    assert novel_points(query, frozenset({"mini"})) == []


def test_a_typo_whose_stem_differs_from_its_word_is_mended_through_english() -> None:
    """ "paymnets" stems to "paymnet", far from the corpus's "pay" (from "payments")."""
    vocab = Vocabulary(10, {"pay": 3, "card": 2})
    concepts = parse("card paymnets", vocab, Glossary({})).concepts
    assert [(c.how, c.key) for c in concepts] == [("word", "card"), ("spelling", "pay")]


def test_a_numbered_thing_the_passages_number_otherwise_is_missing() -> None:
    from stanchion.knowledge.answerability import unlisted_numbers

    rules = [("Hose bans", "At Level 1 hoses run on odd days. At Level 2 all hoses are banned.")]
    assert unlisted_numbers("rules for level 3 restrictions?", rules) == ["level 3"]
    assert unlisted_numbers("rules for level 2 restrictions?", rules) == []
    assert unlisted_numbers("I have around 80 hoses", rules) == []  # never numbered there


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("do you offer installation for the mower", ["installation"]),
        ("is there a student discount on batteries", ["student", "discount"]),
        ("do u guys have a trade-in scheme", ["trade", "scheme"]),
        ("do you offer a warranty on the blade", []),  # the corpus names what is asked
        ("is there something else i need to buy", []),  # an everyday word names no offer
        ("can i charge the battery overnight", []),  # not asking what is offered
        ("do you take returns after 30 days", []),
    ],
)
def test_what_an_offer_question_asks_for_must_be_named_somewhere(
    question: str, missing: list[str]
) -> None:
    query = parse(question, VOCAB, Glossary({}))
    assert unoffered(query, frozenset()) == missing
