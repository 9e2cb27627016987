""" "As well" is how a question asks for more ("can I take my bike as well"), not a well it
asks about: made frame before the gate weighs it (issue 15: "can managers approve things
from there as well" scored 0.36 on the sentence that answers it, which names no well). A
corpus that names wells keeps the noun. Every example is invented for these tests."""

from __future__ import annotations

import pytest

from stanchion.knowledge.answerability import THRESHOLD, assess
from stanchion.knowledge.asking import answer_wording
from stanchion.knowledge.query import Glossary, Vocabulary, parse

# A ferry line whose pages also describe the harbour's old well: "well" is a rare, heavy term.
VOCAB = Vocabulary(
    40,
    {
        **{"ferri": 9, "bike": 3, "deck": 4, "crew": 5, "ticket": 8, "refund": 4},
        **{"well": 1, "deep": 2, "harbour": 6, "carri": 5, "dog": 2, "lead": 2},
    },
)
BIKES = [("Bikes on board", "The ferry carries bikes on the lower deck for free.")]
WELL = [("The harbour well", "The harbour's old well is 30 metres deep.")]


def _framed(text: str) -> list[str]:
    parsed = parse(text, VOCAB, Glossary({}))
    read = answer_wording(parsed)
    return [
        c.words for c, p in zip(read.concepts, parsed.concepts, strict=True) if c.frame > p.frame
    ]


@pytest.mark.parametrize(
    "text",
    ["can the ferry carry bikes as well", "do you carry dogs as well as bikes on the ferry"],
)
def test_as_well_is_frame(text: str) -> None:
    assert _framed(text) == ["well"]


@pytest.mark.parametrize("text", ["how deep is the harbour well", "is the well deep"])
def test_a_well_asked_about_stays(text: str) -> None:
    assert _framed(text) == []


def test_the_answering_sentence_need_not_name_a_well() -> None:
    query = parse("do you carry bikes as well", VOCAB, Glossary({}))
    assert assess(query, VOCAB, BIKES).score >= THRESHOLD
    asked = parse("how deep is the harbour well", VOCAB, Glossary({}))
    assert assess(asked, VOCAB, BIKES).score < THRESHOLD
