""" "How many X" wants the sentence that counts X ("500 lux"), not one that names a product
called X after "a" ("Reset a Lux Desk Lamp"): an article before a name introduces the thing
and counts nothing. Documents and questions are written for these tests (a lamp maker)."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

LAMP = """# Lux Desk Lamp

## Light
The Lux Desk Lamp gives 500 lux at 40 cm and has three colour temperatures.

## Resetting
Reset a Lux Desk Lamp by switching it off and on four times.
"""


def test_a_name_after_an_article_is_not_counted() -> None:
    sentences = Analyzer().sentences(LAMP, "Lux Desk Lamp")
    reset = next(s for s in sentences if s.text.startswith("Reset"))
    light = next(s for s in sentences if s.text.startswith("The Lux"))
    assert "lux" not in reset.counted and "time" in reset.counted
    assert "lux" in light.counted


def test_how_many_is_answered_by_the_sentence_counting_it() -> None:
    got = answer("how many lux is the desk lamp", [LAMP], analyzer=Analyzer()).text
    assert got.startswith("The Lux Desk Lamp gives 500 lux"), got
    assert "Reset" not in got, got
