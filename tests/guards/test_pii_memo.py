"""What the PII recognisers remember across texts (a person's run and the characters before
it, a place's start and the characters around it, a number where no date can start) never
changes what they find: a recogniser
used for many texts finds what a new one finds in each; and the runs a character follows,
filtered at C speed, are those the per-run tests keep."""

from __future__ import annotations

import random

import pytest

from stanchion.guards import pii_names as pn
from stanchion.guards.numbers import SPACES, number_runs, runs_before
from stanchion.guards.pii_entities import LocationRecogniser
from stanchion.guards.pii_times import DateTimeRecogniser
from tests.guards.test_pii_names_fast import _hostile, _reference


def test_spaces_are_every_white_space_character() -> None:
    assert {c for c in map(chr, range(0x110000)) if c.isspace()} == SPACES


RUN_PIECES = [
    "0", "12", "+", "(", ")", "-", ".", " ", "\t", "\n", "\xa0", "\u3000", "\x00", "y", "Y",
    "A", "Z", "É", "×", "a", "系统", "\ud800", "\u0663",
]  # fmt: skip


@pytest.mark.parametrize("chars", [SPACES, SPACES | {"y", "Y"}, frozenset("AZ")])
def test_runs_before_a_character_are_the_runs_it_follows(chars: frozenset[str]) -> None:
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choices(RUN_PIECES, k=rng.randint(0, 30)))
        expected = [(s, e) for s, e in number_runs(text) if e < len(text) and text[e] in chars]
        assert runs_before(text, chars) == expected, text


def test_a_person_recogniser_used_for_many_texts_finds_what_the_reference_finds() -> None:
    recogniser = pn.PersonRecogniser()
    texts = [_hostile(seed, 120) for seed in range(30)]
    # The same runs after other characters, and at the start of a text (no key there).
    texts += [t[k:] for t in texts[:10] for k in (1, 5, 23, 24, 25)]
    for text in [*texts, *reversed(texts)]:
        assert list(recogniser.find(text)) == list(_reference(text)), text


PLACE_PIECES = [
    "Norway", "norway", "New", "South", "Wales", "York", "the", "Netherlands", "United",
    "States", "of", "America", "Guinea-Bissau", "flew to", "grew up in", "in", "from", "visit",
    "Kajaani", "Oslo", "Mary", "Reading", "'", "’", "-", "_", "&", ".", ",", " ", "  ", "\n",
    "x" * 70, "Costa", "Rica", "İ", "St.", "Lucia",
]  # fmt: skip


def _places_text(rng: random.Random) -> str:
    return "".join(rng.choice(PLACE_PIECES) + rng.choice([" ", " ", "", "\t"]) for _ in range(40))


def test_a_location_recogniser_used_for_many_texts_finds_what_a_new_one_finds() -> None:
    rng = random.Random(11)
    used = LocationRecogniser()
    texts = [_places_text(rng) for _ in range(400)]
    texts += [t[: rng.randint(0, len(t))] for t in texts[:200]]  # windows cut at the end
    for text in [*texts, *reversed(texts)]:
        assert list(used.find(text)) == list(LocationRecogniser().find(text)), text


DATE_PIECES = [
    "| ", "12", "3", "2001", "1999", "12345", "1:51", "4/5/2020", "of", "May", "June", "am",
    "pm", "st", "th", "s", "-", "/", ":", ".", " ", "   ", "\t", "\n", "x", "people", "\u0663",
    "ſ", "Monday", "in", "the",
]  # fmt: skip


def test_a_date_recogniser_used_for_many_texts_finds_what_a_new_one_finds() -> None:
    rng = random.Random(5)
    used = DateTimeRecogniser()
    texts = ["".join(rng.choices(DATE_PIECES, k=rng.randint(0, 50))) for _ in range(600)]
    texts += [t[: rng.randint(0, len(t))] for t in texts[:300]]  # read up to the end
    for text in [*texts, *reversed(texts)]:
        assert list(used.find(text)) == list(DateTimeRecogniser().find(text)), text
