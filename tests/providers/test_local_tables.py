"""Tables as the `local` responder reads them (issue 15, sent4): a sentence that introduces
a table brings the row the question names by its first value. Documents and questions are
written for these tests (a ski hire shop), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

LOCKERS = """# Ski lockers

## Boot storage
You can store boots overnight in a heated locker at every shop.

| Pass | Lockers |
|---|---|
| Day pass | 1 locker until closing |
| Season pass | 2 lockers until April |
| Family pass | 4 lockers until April |

Lockers are emptied on the last day of the season.
"""
PRICES = """# Hire prices

## Skis
| Skis | Price a day |
|---|---|
| Junior skis | 12 EUR; a helmet is free |
| Adult skis | 20 EUR |
| Race skis | 35 EUR |
"""


def ask(question: str, *passages: str) -> str:
    return answer(question, list(passages), analyzer=Analyzer()).text


def test_the_sentence_before_a_table_brings_the_row_the_question_names() -> None:
    got = ask("where can I store my wet ski boots overnight, I have the season one?", LOCKERS)
    assert "2 lockers until April" in got
    assert "4 lockers" not in got  # only the row named


def test_a_row_is_not_the_lead_in_of_the_rows_after_it() -> None:
    # (the row's last cell holds a ";": it is still a row, not a sentence before the table)
    got = ask("what do junior skis cost with a helmet?", PRICES)
    assert "Junior skis" in got
    assert "Adult" not in got


ZONES = """# Bus zones

## Towns by zone
| Zone | Towns |
|---|---|
| Zone A | Ashford, Millbrook, Kelso |
| Zone B | Dunmore, Hatley, Orrin |
"""
FARES = """# Bus fares

## Fares by zone
| Zone | Single ticket | Student card |
|---|---|---|
| Zone A | 2 EUR | free travel |
| Zone B | 3 EUR | half price |
"""


def test_a_row_brings_the_row_of_another_table_with_the_same_first_value() -> None:
    got = ask("does my student card give free travel to Millbrook?", FARES, ZONES)
    assert "Millbrook" in got and "free travel" in got
    assert "Dunmore" not in got
