"""Birth words stand as words of the text: "Feb." and "web." hold no "b.", in the gate or in
a window cut next to a date; the birth-word spans found once per text agree with the
pattern read in the text. Names: the ASCII run pattern finds what the full one finds. The
PII guard makes no finding under its type's threshold once the engine has told it them."""

from __future__ import annotations

import random
import re

import pytest

from stanchion.guards import pii_names as pn
from stanchion.guards.engine import build_guard_engine
from stanchion.guards.normalize import lowered
from stanchion.guards.pii import PiiGuard
from stanchion.guards.pii_dates import (
    _RAISE,
    DateOfBirthRecogniser,
    birth_word,
    near_birth_word,
    raise_spans,
)
from stanchion.guards.policy import PiiSpec


def _texts(alphabet: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(n)]


@pytest.mark.parametrize(
    "text",
    [
        "The kiln was fired on Feb. 3, 2021 and again in March.",
        "Glazes are listed on the web. Order 12/04/2022 shipped.",
        "Ask Bob. He glazed it on 2020-05-06.",
    ],
)
def test_a_word_ending_in_b_is_no_birth_word(text: str) -> None:
    lowered.cache_clear()
    assert not birth_word(text)
    assert list(DateOfBirthRecogniser().find(text)) == []


def test_b_dot_on_its_own_still_opens_the_gate() -> None:
    text = "Hal Okafor (b. 12/03/1980) throws bowls."
    assert birth_word(text)
    assert list(DateOfBirthRecogniser().find(text)) == [(15, 25, 0.85)]


@pytest.mark.parametrize("word", ["Feb.", "web.", "stubborn"])
def test_a_window_cut_inside_a_word_starts_no_birth_word(word: str) -> None:
    # the 48-character window before the date starts at the word's last letters ("b.",
    # "born"): read in the text, no word starts there
    head = "a b. kiln; " if word != "stubborn" else "stubborn; "
    cut = len(word) - (2 if word != "stubborn" else 4)
    text = head + word + " " + "x" * (48 - (len(word) - cut) - 1) + "12/03/2021"
    date = text.index("12/03")
    assert text[date - 48 : date].startswith(word[cut:])
    assert list(DateOfBirthRecogniser().find(text)) == []


PIECES = ["b.", "B.", "born", "Born", "birth", "dob", "d.o.b", "Feb.", "web.", " ", "x", "_",
          "1", "ı", "İ", "é", ".", "date of birth", "stub"]  # fmt: skip


@pytest.mark.parametrize("text", _texts(PIECES, 400, seed=5))
def test_near_birth_word_is_the_pattern_read_in_the_text(text: str) -> None:
    lowered.cache_clear()
    spans = raise_spans(text)
    for start in range(len(text) + 1):
        for end in range(start, min(len(text), start + 3) + 1):
            low, high = max(0, start - 48), end + 16
            expected = bool(_RAISE.search(text, low, start) or _RAISE.search(text, end, high))
            assert near_birth_word(text, spans, start, end) == expected


ASCII = ["Mr", "J.", "A", "John", "Smith", "O'Neil", "Jean-Luc", "USA", "x", "mc", ".", " ",
         "  ", "\n", "1", "-", "'", "Ann B. Lee"]  # fmt: skip


@pytest.mark.parametrize("text", _texts(ASCII, 300, seed=9))
def test_ascii_name_runs_are_the_full_pattern_s(text: str) -> None:
    full = [m.span() for m in pn._NAME_RUN.finditer(text)]
    assert [m.span() for m in pn._NAME_RUN_ASCII.finditer(text)] == full


def test_no_finding_under_its_threshold_is_made(tmp_path: object) -> None:
    text = "We met Garcia at the kiln."
    guard = PiiGuard(PiiSpec())
    low = [f for f in guard.check(text, None) if f.score < 0.5]
    assert [f.type for f in low] == ["pii.person"]
    guard.keep_above(lambda finding_type: 0.5)
    assert [f for f in guard.check(text, None) if f.score < 0.5] == []
    engine = build_guard_engine(None, tmp_path)  # type: ignore[arg-type]
    pii = next(g for g in engine.guards["input"] if isinstance(g, PiiGuard))
    assert [f for f in pii.check(text, None) if f.score < 0.5] == []
    person = next(r for r in pii.recognisers if isinstance(r, pn.PersonRecogniser))
    assert list(person.find(text)) == []  # the span under every threshold is not even made
    assert list(pn.PersonRecogniser().find(text)) == [(7, 13, 0.3)]


def test_a_floor_keeps_every_span_a_lower_threshold_would_need() -> None:
    guard = PiiGuard(PiiSpec())
    thresholds = {"pii.location": 0.2}
    guard.keep_above(lambda finding_type: thresholds.get(finding_type, 0.5))
    person = next(r for r in guard.recognisers if isinstance(r, pn.PersonRecogniser))
    assert person.floor == 0.2  # a 0.3 name may crowd out a 0.25 place, which is kept


def test_the_gate_pattern_needs_b_dot_to_start_a_word() -> None:
    assert re.search(r"(?i)\bb\. ", "Feb. 3") is None
    assert birth_word("b. 1990") and not birth_word("Feb. 1990") and not birth_word("FEB. 1990")
