"""Swapped values of a closed class and proper names the sources never write veto a claim."""

from __future__ import annotations

import pytest

from stanchion.knowledge.contrast import written
from stanchion.knowledge.grounding import Validator
from stanchion.knowledge.spec import Grounding

SOURCES = [
    "Harbour Bank reported earnings of $2.4 billion in the third quarter. "
    "Its chief executive, Maria Lindqvist, spoke to analysts on Tuesday morning."
]


def check(answer: str, sources: list[str] = SOURCES) -> tuple[bool, bool]:
    """(grounded, vetoed) of a one-claim answer."""
    v = Validator(Grounding()).validate(answer, sources)
    return v.grounded, v.claims[0].vetoed


@pytest.mark.parametrize(
    "answer",
    [
        "Harbour Bank reported earnings of $2.4 billion in the third quarter.",
        "Maria Lindqvist spoke to analysts on Tuesday morning.",
        "The chief executive of Harbour Bank spoke to analysts on Tuesday.",
    ],
)
def test_faithful_claims_stand(answer: str) -> None:
    assert check(answer) == (True, False)


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("Harbour Bank reported earnings of $2.4 billion in the second quarter.", "ordinal"),
        ("Harbour Bank reported earnings of $2.4 million in the third quarter.", "magnitude"),
        ("Maria Lindqvist spoke to analysts on Thursday morning.", "weekday"),
        ("Maria Lindqvist spoke to analysts on Tuesday evening.", "part of the day"),
        ("Its chief executive, Anna Lindqvist, spoke to analysts on Tuesday.", "first name"),
        ("Anna Lindqvist spoke to analysts on Tuesday morning.", "name opening the claim"),
        ("Harbour Bank reported earnings of $2.4 billion, its chief, Mr Okafor, said.", "name"),
    ],
)
def test_a_swapped_value_or_an_unsupported_name_vetoes(answer: str, why: str) -> None:
    grounded, vetoed = check(answer)
    assert vetoed and not grounded, why


def test_a_capital_by_position_is_no_name() -> None:
    sources = ["Refunds take five days. Exchanges are free within a month."]
    assert check("Refunds take five days.", sources) == (True, False)
    assert check("Sure: exchanges are free within a month.", sources)[1] is False


def test_names_match_without_possessive_or_missing_spaces() -> None:
    sources = ["He played for the United Kingdom.Jane Okafor's side won in May."]
    assert written("Jane", tuple(sources)) and not written("Jan", tuple(sources))
    assert not check("Jane Okafor led her side.", sources)[1]
    assert not check("The side of Okafor's team won.", sources)[1]


def test_a_value_the_aligned_sentences_do_not_fill_is_no_swap() -> None:
    sources = ["The museum opens at nine. Tickets cost twelve dollars."]
    # "morning" is new, but no part of the day stands in the aligned sentences: novelty, left
    # to the coverage features, not a swap.
    _, vetoed = check("The museum opens at nine in the morning.", sources)
    assert not vetoed
    late = ["The museum opens at nine at night. Tickets cost twelve dollars."]
    assert check("The museum opens at nine in the morning.", late)[1]
