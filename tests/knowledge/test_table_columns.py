"""A table row named by its first cell, its value asked in a column whose name answers the
question's words (issue 15): "per day" is the daily allowance, "within 2 hours" in a row
the time, "(Saturday and Sunday)" the weekend; "admin" clips "administration"; a catalog
row is named by its code. A column or row the table does not have still declines.

The observatory and its questions are written for these tests, not taken from any
evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest

from stanchion.knowledge.answerability import THRESHOLD, Assessment, assess
from stanchion.knowledge.catalog import Catalog, row_section
from stanchion.knowledge.clippings import clipped
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.parse import Concept, Query
from stanchion.knowledge.retriever import gate_title
from stanchion.knowledge.spec import Catalog as CatalogSpec
from stanchion.knowledge.stated import stated
from stanchion.knowledge.table_rows import header_periods, unlisted_period
from stanchion.knowledge.text import index_terms

LIMITS = """## Telescope bookings

| Membership | Bookings per week | Bookings per night |
|---|---|---|
| Stargazer | 2 | 1 |
| Astronomer | 6 | 3 |"""
HIRE = """## Dome hire

| Space | Seats | Member rate | Public rate |
|---|---|---|---|
| Dome Theatre (Monday to Friday) | 80 seats | £40.00 per hour | £70.00 per hour |
| Dome Theatre (Saturday and Sunday) | 80 seats | £90.00 per hour | £90.00 per hour |
| Lecture Hall (Monday to Friday) | 120 seats | £30.00 per hour | £55.00 per hour |"""
HELP = """## Help by membership

| Membership | Channels | First reply |
|---|---|---|
| Stargazer | e-mail | within 2 days |
| Astronomer | e-mail and phone | within 2 hours for equipment faults |"""
CHARTS = (
    "A star chart not returned after 8 weeks counts as lost. You pay for a new chart plus an "
    "administration fee of £4.00. Members can renew a chart loan twice."
)
OBSERVATORY = [
    ("Telescope bookings", LIMITS),
    ("Hiring the dome", HIRE),
    ("Getting help", HELP),
    ("Star chart loans", CHARTS),
    ("Visiting", "The observatory opens at dusk. Bring warm clothes; the dome is unheated."),
    ("Members", "Astronomer members may bring a guest. Stargazer members may not."),
]
DF = Counter(t for title, text in OBSERVATORY for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(OBSERVATORY), dict(DF))


def _judged(question: str, passages: list[tuple[str, str]] = OBSERVATORY) -> Assessment:
    return assess(parse(question, VOCAB, Glossary({})), VOCAB, passages)


@pytest.mark.parametrize(
    "question",
    [
        "nightly telescope booking allowance for Astronomer",  # "Bookings per night"
        "weekly booking allowance on Stargazer",
        "what's the weekend member rate for the Dome Theatre?",  # "(Saturday and Sunday)"
        "Astronomer reply time for equipment faults",  # "First reply: within 2 hours"
        "how much is the admin fee for a lost star chart",  # "administration fee"
    ],
)
def test_a_row_and_a_column_named_otherwise_answer(question: str) -> None:
    judged = _judged(question)
    assert judged.missing == [] and judged.score >= THRESHOLD


@pytest.mark.parametrize(
    ("question", "lacking"),
    [
        ("monthly booking allowance on Stargazer", "monthly"),  # per week, per night only
        ("daily telescope booking allowance for Astronomer", "daily"),
        ("what's the weekend member rate for the Lecture Hall?", "weekend"),  # weekdays only
    ],
)
def test_a_column_or_row_the_table_lacks_still_declines(question: str, lacking: str) -> None:
    judged = _judged(question)
    assert judged.score == 0.0 and lacking in judged.missing


def test_a_count_per_period_states_its_adjective_and_an_allowance_money_no_allowance() -> None:
    assert {"week", "allowanc", "quota"} <= stated("Membership: Stargazer; Bookings per week: 2.")
    assert "allowanc" not in stated("Space: Dome Theatre; Member rate: £40.00 per hour.")
    assert header_periods(LIMITS) == {"week", "night"}
    assert unlisted_period(parse("hourly bookings", VOCAB, Glossary({})), [("x", CHARTS)]) == []


def test_a_duration_is_a_time_only_in_a_table_row() -> None:
    assert "time" in stated("Membership: Astronomer; First reply: within 2 hours.")
    assert "time" not in stated("Return the chart within 3 months of paying.")  # a deadline
    assert "time" not in stated("A star chart not returned after 8 weeks counts as lost.")


def test_saturday_and_sunday_are_the_weekend_monday_to_friday_the_weekdays() -> None:
    assert "weekend" in stated("Space: Dome Theatre (Saturday and Sunday); Seats: 80 seats.")
    assert "weekday" in stated("Open Monday to Friday.")
    assert "weekend" not in stated("Open Monday to Saturday.")


def test_a_clipping_reads_as_the_word_it_cuts_a_compound_does_not() -> None:
    def alts(word: str, words: set[str]) -> list[tuple[str, ...]]:
        q = Query(word, (Concept(((word,),), word, 6.0, False),))
        return list(clipped(q, words).concepts[0].alts)

    assert alts("admin", {"administration"}) == [("admin",), ("administration",)]
    assert alts("chart", {"chartroom"}) == [("chart",)]  # "room" is a word of its own
    assert alts("card", {"cardiology"}) == [("card",)]  # four letters: too short to be sure
    assert alts("admin", {"adminx"}) == [("admin",)]  # one letter more is a typo's business


SPEC = CatalogSpec(table="kit", key_column="name", fact_columns=["price_gbp", "sku"])
KIT = Catalog.from_rows(
    SPEC,
    [
        {"name": "Orion Refractor", "price_gbp": 320, "sku": "OB-SCOPE-2"},
        {"name": "Orion Star Chart", "price_gbp": 12, "sku": "OB-MAP-1"},
    ],
)


def test_a_catalog_row_is_named_by_its_code_in_each_sentence() -> None:
    (row,) = KIT.passages_for("how much for item OB-SCOPE-2")
    assert row.section == row_section(KIT.by_name["Orion Refractor"]) == "Catalog: OB-SCOPE-2"
    shop = [*OBSERVATORY, ("Shop", "Each item in the shop ships in 2 days. A scope needs 1 box.")]
    df = Counter(t for title, text in shop for t in set(index_terms(f"{title} {text}")))
    vocab = Vocabulary(len(shop), dict(df))
    question = parse("what is the price of OB-SCOPE-2?", vocab, Glossary({}))
    coded = assess(question, vocab, [(gate_title(row), row.text)])
    plain = assess(question, vocab, [(row.title, row.text)])  # the price sentence lacks it
    assert coded.score >= THRESHOLD
    assert coded.features["sentence"] == 1.0 > plain.features["sentence"]
