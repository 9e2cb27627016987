"""How a customer's message is read before retrieval (issue 15): stems that keep words
apart, asks found however they are written, everyday paraphrases, a brand's verb. Every
example is invented for these tests."""

from __future__ import annotations

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import missing_names, unoffered
from stanchion.knowledge.query import Glossary, Vocabulary, is_told, parse, split_asks
from stanchion.knowledge.text import stem, terms


def test_an_er_word_with_a_short_base_is_a_word_of_its_own() -> None:
    """An "offer" is no "off"-er, "water" no "wat"-er, "meter" no "met"-er; their inflections
    still meet, and comparatives of longer bases still meet their base."""
    assert stem("offer") == stem("offers") == stem("offered") == "offer"
    assert stem("water") != stem("wat") and stem("meters") == stem("meter") != stem("met")
    assert stem("order") == stem("ordered") == stem("ordering") == stem("orders")
    assert stem("later") != stem("late")
    assert stem("smaller") == stem("small") and stem("holders") == stem("hold")
    assert "offer" in terms("Do you offer gift wrapping?")


def _asks(text: str) -> list[str]:
    return [a.ask for a in split_asks(text)]


def test_a_softened_second_question_is_split_off() -> None:
    asks = _asks("which plug does the kettle need, and roughly how long does it take to boil?")
    assert asks == ["which plug does the kettle need", "how long does it take to boil?"]


def test_an_auxiliary_before_a_person_makes_a_clause_an_ask() -> None:
    """The clause "And if I move, can I keep my number" asks; it is not the context of the
    next ask."""
    text = "And if I move abroad, can I keep my number, and how long does a transfer take?"
    asks = split_asks(text)
    assert [a.ask for a in asks] == [
        "And if I move abroad, can I keep my number",
        "how long does a transfer take?",
    ]
    assert all(not a.context for a in asks)


def test_well_wishing_is_a_greeting_not_a_question() -> None:
    asks = _asks("Hi team, hope you're keeping well. When does the pool open on Sundays?")
    assert asks == ["When does the pool open on Sundays?"]
    asks = _asks("hey, hope your having a nice week! is the pool heated")
    assert asks == ["is the pool heated"]


@pytest.mark.parametrize(
    "text",
    ["dose my parrot need a cage to fly", "wat time does the desk open", "hwo do i pay online"],
)
def test_a_mistyped_question_word_still_asks(text: str) -> None:
    assert not is_told(text)


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("the kiosk says i still have a kayak i returned last week", True),
        ("we already have an account from the old shop, annoying", True),
        ("do i still have a kayak on my card", False),
        ("still have a kayak out?", False),
    ],
)
def test_an_adverb_between_the_teller_and_the_verb_still_tells(text: str, told: bool) -> None:
    """ "i STILL have a kayak" tells, as "i have a kayak" does: "have a" after a person and
    an adverb of time or degree is no inverted question."""
    assert is_told(text) is told


WORDS = {"return": 5, "refund": 4, "stroller": 2, "damaged": 3, "device": 6, "shipping": 8}
VOCAB = Vocabulary(40, {stem(w): n for w, n in WORDS.items()}, ["Acme Kettle", "Acme Toaster"])


@pytest.mark.parametrize(
    ("question", "word", "meant"),
    [
        ("can i send it back", "send back", "return"),
        ("is a pushchair allowed", "pushchair", "stroller"),
        ("my toaster arrived broken", "broken", "damaged"),
        ("how much is postage", "postage", "shipping"),
        ("how many gadgets can I pair", "gadgets", "device"),
    ],
)
def test_everyday_paraphrases_reach_the_corpus_word(question: str, word: str, meant: str) -> None:
    concept = next(c for c in parse(question, VOCAB, Glossary({})).concepts if c.words == word)
    assert concept.known and (stem(meant),) in concept.alts


def test_built_in_paraphrases_can_be_left_out() -> None:
    concepts = parse("is a pushchair allowed", VOCAB, Glossary({}, builtin=False)).concepts
    assert not next(c for c in concepts if c.words == "pushchair").known


def test_a_brand_after_an_auxiliary_is_followed_by_its_verb() -> None:
    """The question "Does Acme share my data" names no product "Acme share"; "the Acme
    Blender" still names one the corpus lacks, and so does "an Acme Blender" after "do you
    sell"."""
    assert missing_names("Does Acme share or sell my data?", VOCAB, set()) == []
    assert missing_names("Can Acme repair it", VOCAB, set()) == []
    assert missing_names("Does the Acme Blender have a timer?", VOCAB, set()) == ["blender"]
    assert missing_names("do you sell an Acme Blender", VOCAB, set()) == ["blender"]


@pytest.mark.parametrize(
    ("unit", "count"),
    [
        (", and roughly ", 20_000),
        ("can you ", 20_000),
        ("hope you're well ", 10_000),
        ("and also then ", 20_000),
        ("dose ", 40_000),
    ],
)
def test_asks_are_found_in_linear_time(unit: str, count: int) -> None:
    def run(n: int) -> None:
        split_asks(f"Hi, hope you are well {unit * n} how long does it take?")
        is_told(f"my kettle {unit * n} broke")

    grows_linearly(run, count)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("what band does the router use", {"use"}),
        ("which batteries do the sensors require", {"require"}),
        ("what cards do you support", {"support"}),
        ("does the router use much power", set()),
    ],
)
def test_the_verb_of_which_thing_is_asked_is_the_frame(question: str, asked: set[str]) -> None:
    concepts = parse(question, VOCAB, Glossary({})).concepts
    assert {c.words for c in concepts if c.frame} == asked


def _unbrought(question: str) -> list[str]:
    query = parse(question, VOCAB, Glossary({}))
    return [m for m in unoffered(query, frozenset()) if m]


def test_what_a_customer_would_bring_is_named_by_the_corpus_or_vetoed() -> None:
    """The question "can I bring my own hammock" asks about a hammock: a corpus that never
    names one has no rule for it. An object the corpus names (via a paraphrase too) and
    whose it is are not the point."""
    assert _unbrought("can I bring my own hammock on the ferry") == ["hammock"]
    assert _unbrought("can we take a pushchair on board") == []
    assert _unbrought("can I take my grandmother's stroller") == []
