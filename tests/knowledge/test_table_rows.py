"""A table row asked for what its columns never say (``knowledge.table_rows``): a question
that names a row's key ("at Kelp Harbour") and asks a thing none of the sentences naming
that key holds, while only table rows name it, is vetoed; the row's other cells would
answer with a neighbour's fact.

The ferry company and its questions are written for these tests, not taken from any
evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.table_rows import key_words, unlisted_row
from stanchion.knowledge.text import index_terms

DESKS = """## Luggage desks

| Terminal | Where | Open |
|---|---|---|
| North Pier Terminal | next to gate 2 | 6 am to 9 pm |
| Kelp Harbour Terminal | upstairs, by the cafe | 7 am to 8 pm |"""
FARES = """| Fare | Bikes | Changes |
|---|---|---|
| Saver | 12 USD each way | not allowed |
| Flexi | free | free until departure |"""
FERRY = [
    ("Luggage and service desks", DESKS),
    ("Fares", FARES),
    ("Boarding", "Cars board from lane 3. Foot passengers board 20 minutes before departure."),
    ("Tickets", "Buy tickets online or at the ticket office. Tickets can be refunded online."),
]
DF = Counter(t for title, text in FERRY for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(FERRY), dict(DF))


def _vetoed(question: str, passages: list[tuple[str, str]] = FERRY) -> list[str]:
    return unlisted_row(parse(question, VOCAB, Glossary({})), passages)


@pytest.mark.parametrize(
    "question",
    [
        "is parking free at Kelp Harbour",  # the row names the place, never its parking
        "what are the ticket office opening hours at North Pier",  # the luggage desk's hours
        "what time does the ticket office open at kelp harbour terminal",  # typed lower case
        "can i get a refund on a Saver fare",  # the fare's row: bikes and changes only
    ],
)
def test_a_row_asked_what_its_columns_never_say_vetoes(question: str) -> None:
    assert _vetoed(question)
    assert assess(parse(question, VOCAB, Glossary({})), VOCAB, FERRY).score == 0.0


@pytest.mark.parametrize(
    "question",
    [
        "when does the luggage desk at Kelp Harbour open",  # its own columns
        "where is the luggage desk at North Pier",
        "can i take my bike on a Saver fare",
        "how much is a bike on saver",  # a one-word key typed lower case names no row
        "is parking free at the terminal",  # no key named
    ],
)
def test_what_a_row_says_is_not_vetoed(question: str) -> None:
    assert _vetoed(question) == []


def test_a_key_the_passages_name_in_prose_is_left_to_the_other_evidence() -> None:
    prose = [*FERRY, ("Kelp Harbour", "At Kelp Harbour Terminal the car park is free.")]
    assert _vetoed("is parking free at Kelp Harbour")
    assert _vetoed("is parking free at Kelp Harbour", prose) == []


def test_a_told_situation_never_vetoes() -> None:
    query = parse("I left my umbrella at Kelp Harbour", VOCAB, Glossary({}))
    assert unlisted_row(query, FERRY, told=True) == []


def test_a_rows_key_is_its_first_cells_capitalised_words() -> None:
    keys = [sorted(k) for k in key_words(DESKS)]
    assert keys == [["north", "pier", "terminal"], ["harbour", "kelp", "terminal"]]
    assert key_words("No table here.") == []


@pytest.mark.parametrize("filler", [" ", " Kelp", " Kelp Harbour", " |", "; Open: 1"])
def test_table_rows_are_read_in_linear_time(filler: str) -> None:
    def run(size: int) -> object:
        table = DESKS + "\n| Long Row" + filler * size + " | x | y |"
        query = parse("is parking free at" + filler * size + " Kelp Harbour", VOCAB, Glossary({}))
        return unlisted_row(query, [("Desks", table)])

    grows_linearly(run, 4_000)
