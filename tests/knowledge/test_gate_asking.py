"""Words of a question that say how it asks, not what about, read before the answerability
gate weighs it (issue 15): nouns of the answer's kind, imperative verbs of asking, particles
and set phrases, frequency adverbs, "use" as a light verb. Every example is invented for
these tests."""

from __future__ import annotations

import pytest

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.asking import answer_wording
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.wording import light_wording, unworded

# The wording words are indexed but rare, as in a corpus that seldom writes them: by IDF
# each would weigh the most of its question, and no answering sentence repeats it.
VOCAB = Vocabulary(
    60,
    {
        **dict.fromkeys(["mean", "purpos", "describ", "explain", "back", "time"], 1),
        **dict.fromkeys(["date", "never", "use", "1", "type"], 1),
        **{"kettle": 3, "boil": 4, "lantern": 3, "wick": 2, "parcel": 6, "refund": 5},
        **{"tram": 4, "timetabl": 3, "updat": 6, "light": 8, "charg": 5, "order": 9},
        **{"harbour": 4, "toll": 3, "fee": 6, "cost": 1, "charg": 1, "ship": 5, "bring": 1},
        **{"arbour": 1, "kind": 1},
    },
)
KETTLE = [("Kettles", "The travel kettle boils a litre in four minutes.")]
LANTERN = [("Lanterns", "A lantern's wick draws the oil up to the flame.")]
REFUND = [("Refunds", "Once the parcel reaches us, the refund is issued within 5 days.")]
TRAM = [("Trams", "The tram timetable is updated every night.")]
ORDER = [("Billing", "If an order was charged twice, the extra charge is refunded.")]


def _frames(text: str) -> list[str]:
    """The words the reading makes frame (the parse's own frame, "how much", aside)."""
    parsed = parse(text, VOCAB, Glossary({}))
    read = answer_wording(parsed)
    return [
        c.words for c, p in zip(read.concepts, parsed.concepts, strict=True) if c.frame > p.frame
    ]


def _score(text: str, passages: list[tuple[str, str]]) -> float:
    return assess(parse(text, VOCAB, Glossary({})), VOCAB, passages).score


@pytest.mark.parametrize(
    ("text", "framed"),
    [
        ("what is the purpose of a lantern wick", ["purpose"]),
        ("whats the meaning of a wick", ["meaning"]),
        ("describe the parts of a lantern", ["describe"]),
        ("pls explain how a lantern wick works", ["explain"]),
        ("if i mail the parcel back when is the refund", ["back"]),
        ("can the kettle boil two litres at the same time", ["time"]),
        ("how up to date is the tram timetable", ["date"]),
        ("charged twice for 1 order", ["1"]),
        ("how much does it cost to ship a lantern", ["cost"]),
        ("how much do you charge for a kettle", ["charge"]),
    ],
)
def test_a_word_of_asking_is_frame(text: str, framed: list[str]) -> None:
    assert _frames(text) == framed


@pytest.mark.parametrize(
    "text",
    [
        "the purpose is on the lantern",  # no "of": the noun is what is talked about
        "does the lantern wick purpose matter",
        "can a kettle describe",  # not opening a clause
        "is the refund on the back of the parcel",  # "the back": a noun
        "how do i back up the tram timetable",  # "back up": a verb of its own
        "what is the time limit for a refund",  # "time limit": the point
        "what date is the tram timetable updated",  # a calendar date
        "is 1 enough",  # a number asked about
        "what is the cost of a lantern",  # a noun the answer may name
        "what kind of wick does the lantern take",  # "types of wick": documents write it
    ],
)
def test_the_same_word_as_the_point_stays(text: str) -> None:
    assert _frames(text) == []


def test_an_asking_word_alone_stays_the_point() -> None:
    """Nothing else known is left: the word is all the question names."""
    query = parse("what is the purpose of zorbling", VOCAB, Glossary({}))
    assert answer_wording(query) == query


def test_the_answering_sentence_need_not_repeat_how_it_was_asked() -> None:
    """The sentence that answers gives the purpose or the meaning in its own words: the
    question scores as if the asking word were not there."""
    assert _score("what is the purpose of a lantern wick", LANTERN) == _score(
        "what does a lantern wick", LANTERN
    )
    assert _score("if i mail the parcel back when is the refund", REFUND) == _score(
        "if i mail the parcel when is the refund", REFUND
    )
    assert _score("how up to date is the tram timetable", TRAM) == _score(
        "how is the tram timetable", TRAM
    )
    assert _score("charged twice for 1 order", ORDER) == _score("charged twice for order", ORDER)


def test_a_frequency_adverb_is_a_hedge() -> None:
    query = unworded(parse("my parcel never came, what about the refund", VOCAB, Glossary({})))
    assert [c.words for c in query.concepts if c.frame] == ["never"]


def test_a_typo_of_a_grammar_word_is_wording() -> None:
    """The corpus mends 'abour' to its 'arbour'; English reads it 'about', a stop word."""
    query = parse("is the lantern abour the harbour", VOCAB, Glossary({}))
    typo = next(c for c in query.concepts if c.words == "abour")
    assert typo.how == "spelling" and typo.alts == (("arbour",),)
    assert [c.words for c in unworded(query).concepts if c.frame] == ["abour"]


@pytest.mark.parametrize(
    ("text", "point"),
    [("can i still use the kettle", ["kettle"]), ("can i bring the lantern", ["lantern"])],
)
def test_use_and_bring_are_light_verbs_beside_a_known_point(text: str, point: list[str]) -> None:
    """'can i still use the kettle': the kettle is what the answer is about."""
    query = light_wording(parse(text, VOCAB, Glossary({})), lambda c: True)
    assert [c.words for c in query.content()] == point
    told = parse("i used the kettle", VOCAB, Glossary({}))
    assert light_wording(told, lambda c: True) == told


LEAN_VOCAB = Vocabulary(
    60, {"bulb": 2, "box": 3, "open": 3, "return": 5, "kettle": 2, "ship": 6, "day": 9}
)


def _leaning(passages: list[tuple[str, str]]) -> float:
    earlier = parse("I bought a bulb last week", LEAN_VOCAB, Glossary({}))
    query = parse("can I return it if the box is opened", LEAN_VOCAB, Glossary({}))
    return assess(query.with_context(earlier), LEAN_VOCAB, passages).score


def test_an_earlier_turns_subject_need_not_recur_in_the_answering_sentence() -> None:
    """The conversation named the bulb; the sentence that answers ("an opened box can still
    be returned") does not name it again, its passage does. A passage on another product
    with the same sentence lends nothing."""
    bulbs = [("Returns", "Each bulb ships in a box. An opened box can still be returned.")]
    kettles = [("Returns", "Each kettle ships in a box. An opened box can still be returned.")]
    assert _leaning(bulbs) > _leaning(kettles)
