"""The person recogniser's fast path (scores per context worked out once per run, a context
read from the tail's last two characters first) finds what the reference loop finds: the
per-match ``_adjust`` and the ``_context`` that splits the tail's words every time."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import pytest

from stanchion.guards import pii_entities
from stanchion.guards import pii_names as pn
from stanchion.guards.pii_lexicon import PLACE_CUE_KEYS, STRONG_PLACE_CUES
from stanchion.guards.pii_words import letter_runs, listed
from tests.linear import grows_linearly


def _reference_context(before: str) -> int:
    tail = before.rstrip().rstrip(".").lower()
    split = tail.rsplit(None, 1)  # main took [-1] of it, failing on a tail of white space
    if split and split[-1] in pn._TITLES:
        return pn._TITLE
    if tail.endswith(pn._NAMING_CUES):
        return pn._NAMING
    return pn._CUE if tail.endswith(pn._CUES) else 0


def _reference(text: str) -> Iterator[tuple[int, int, float]]:
    recogniser = pn.PersonRecogniser()
    for m in pn._NAME_RUN.finditer(text):
        start = m.start()
        if start and text[start - 1].isalnum():
            continue
        found = recogniser.base_score(m.group(0))
        if found is None:
            continue
        skip, length, base, penalty = found
        start += skip
        score = pn._adjust(base, penalty, _reference_context(text[max(0, start - 24) : start]))
        if score > 0:
            yield start, start + length, score


WHITE = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"
)
PIECES = [
    "Mr", "Mr.", "mr", "MR", "Dr", "dr.", "Prof", "madam", "Sgt", "lt", ".", ". ", " .", "..",
    "my name is", "name:", "regards,", "directed by:", "Dear", "from", "by", "with", "I'm",
    "John", "Smith", "Mary", "J.", "A", "The", "Bank", "Inc", "İ", "K", "Σ", "ΣΑΣ", "\ud800",
    "\udfff", "東京", "王小明", "x" * 60, "Mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm", "O'Neil", "’",
    "-", "Jean-Luc", "Ådne", "ſ", "1", "_",
    *WHITE,
]  # fmt: skip


def _hostile(seed: int, size: int) -> str:
    """A text of the pieces above in a fixed pseudo-random order, joined by white space."""
    state, out = seed, []
    for _ in range(size):
        state = (state * 1103515245 + 12345) % 2**31
        out.append(PIECES[state % len(PIECES)])
        out.append(WHITE[(state >> 8) % len(WHITE)] if state & 256 else " ")
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_same_matches_as_the_reference_on_hostile_text(seed: int) -> None:
    text = _hostile(seed, 400)
    assert list(pn.PersonRecogniser().find(text)) == list(_reference(text))


@pytest.mark.parametrize(
    "text",
    [
        "Dear Mr . John Smith",
        "Mr .\u3000Smith",
        "asked MR.\u2028 Jones",
        "Dr\u00a0 .  Watson",
        "signed by: Smith",
        "my name is\tİsmail",
        "Σ Mr Σ Smith",
        "\ud800Mr Smith \udfff Dr Who",
        "東京 Mr 王 Smith",
        "x" * 30 + " Mr Smith",
        "regards, Grace Hopper",
        "",
    ],
)
def test_same_matches_as_the_reference_on_edges(text: str) -> None:
    warm = pn.PersonRecogniser()
    for _ in range(2):  # a second pass reads the remembered shapes and contexts
        assert list(warm.find(text)) == list(_reference(text))


def test_context_equals_the_reference_on_every_tail() -> None:
    tails = [
        "".join(p)
        for p in product(["", "Mr", "by", "x", "İ", "Σ"], [".", " ", "\u2028", ""], [" ", ".", ""])
    ]
    for piece in PIECES + tails:
        for before in (piece, f"called {piece}", f"{piece} ", f"Dr {piece}"):
            assert pn._context(before) == _reference_context(before), repr(before)


def test_scores_equal_adjust_for_every_base_a_run_can_have() -> None:
    bases = {0.0, 0.55, 0.3}
    for first, last, initial in product((False, True), repeat=3):
        bases.add(0.3 + 0.3 * first + 0.15 * last + 0.25 * initial)
    for base, penalty in product(sorted(bases), (False, True)):
        expected = tuple(pn._adjust(base, penalty, c) for c in range(4))
        assert pn._scores(base, penalty) == expected


def test_find_grows_linearly() -> None:
    text = _hostile(7, 4000)

    def run(size: int) -> object:
        return list(pn.PersonRecogniser().find(text[:size]))

    grows_linearly(run, len(text))


def _reference_after_cues(text: str) -> list[int]:
    """``pii_entities._after_cues`` without the key-word filter: every strong cue looked for."""
    lst, found = listed(text), []
    for phrase in STRONG_PLACE_CUES:
        for index in lst.phrase_at(phrase):
            if index and (text[index - 1].isalnum() or text[index - 1] in "_'"):
                continue
            k = index + len(phrase)
            while k < len(text) and text[k] in " \t":
                k += 1
            if k > index + len(phrase) and k < len(text) and text[k].isupper():
                found.append(k)
    return found


CUE_PIECES = [
    *STRONG_PLACE_CUES, "Flew To", "I'M IN", "i’m in", "livesin", "visiting",
    "Oslo", "İstanbul", "東京", "\ud800", "x" * 50, "moved-to", "city-of", "to", "in", "of",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(30))
def test_place_cues_same_as_the_reference(seed: int) -> None:
    state, out = seed, []
    for _ in range(120):
        state = (state * 1103515245 + 12345) % 2**31
        out.append(CUE_PIECES[state % len(CUE_PIECES)])
        out.append(WHITE[(state >> 8) % len(WHITE)] if state & 256 else " ")
    text = "".join(out)
    assert list(pii_entities._after_cues(text, listed(text))) == _reference_after_cues(text)


def test_every_strong_cue_has_a_key_word() -> None:
    keyed = [cue for cues in PLACE_CUE_KEYS.values() for cue in cues]
    assert sorted(keyed) == sorted(STRONG_PLACE_CUES)
    for key, cues in PLACE_CUE_KEYS.items():
        for cue in cues:
            assert key in cue.split(" ") and key in letter_runs(cue)
