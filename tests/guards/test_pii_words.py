"""The shared word pass of the contextual PII recognisers gives what the per-recogniser
scans it replaced gave: the same words and offsets, cue phrases, and date starts."""

from __future__ import annotations

import re

import pytest

from stanchion.guards.pii_lexicon import NRP, ORG_TAIL, PLACE_LOWER, TITLE
from stanchion.guards.pii_times import _DATE_TIME, _START, _starts
from stanchion.guards.pii_words import Cues, listed, word_before, word_chain, words
from tests.linear import grows_linearly

# The tokenizer the shared pass replaced (one match object per word).
_WORD = re.compile(r"[^\W\d_](?:[\w'’&-]*[^\W_])?\.?")

LISTED_TEXTS = [
    "The Norwegian engineer met Mr Lee at Foo Ltd and two americans, un-american or not.",
    "Norwegian—americans' Manager\nthe norwegians_ 3american american3 o'american AMERICAN",
    "émigré Norwegian à Paris; İstanbul american",  # lower-casing moves the offsets
    "Guinea-Bissau and the Netherlands, U.S.A. or the united states",
]
TEXTS = [
    "She flew to Oslo. Dr. Ana O'Neil-Smith works for Acme Holdings Inc. since 2019-03-04.",
    "  U.S.A. 3rd_place _x Mr_ foo- 'quoted' AT&T, émigré Ærø İstanbul Straße  ",
    "sunday brunch on Mon 5 Jan; monkeys, marches and 12:30pm at 10/11/2020 or 1990s",
    "",
    "1234 5678",
]


@pytest.mark.parametrize("text", TEXTS)
def test_words_match_the_reference_tokenizer(text: str) -> None:
    w = words(text)
    ref = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    assert list(w.tokens) == ref
    assert list(w.bares) == [t.rstrip(".").lower() for _, _, t in ref]
    assert list(w.capitalised) == [i for i, (_, _, t) in enumerate(ref) if t[0].isupper()]


def test_lexicon_hits_come_from_one_pass() -> None:
    w = words("The Norwegian engineer met Mr Lee at Foo Ltd and two americans")
    bares = w.bares
    assert [bares[i] for i in w.hits(NRP)] == ["norwegian", "americans"]
    assert {bares[i] for i in w.hits(TITLE)} >= {"engineer", "mr"}
    ltd = bares.index("ltd")
    assert w.hits(ORG_TAIL) == [ltd]
    assert w.hit_between(ORG_TAIL, ltd - 2, ltd) and not w.hit_between(ORG_TAIL, 0, ltd - 1)


@pytest.mark.parametrize(
    ("text", "cued"),
    [
        ("she grew up in Kajaani", True),
        ("She Grew Up In\tKajaani", True),
        ("she grew  up in Kajaani", False),  # two spaces inside the cue
        ("she grew up in. Kajaani", False),
        ("regrew up in Kajaani", False),
        ("I'm in Oslo", True),
        ("Kajaani", False),
    ],
)
def test_cues_stand_right_before_the_word(text: str, cued: bool) -> None:
    cues = Cues(["grew up in", "i'm in", "in"])
    w = words(text)
    last = len(w.tokens) - 1
    assert cues.before(text, w, last) is (cued or text.endswith("in Kajaani"))


def _kept(text: str, starts: list[int]) -> list[int]:
    """The starts the date recogniser tries (it skips one after a letter, digit or sign)."""
    return [i for i in starts if not i or not (text[i - 1].isalnum() or text[i - 1] in "$€£.:/+-")]


@pytest.mark.parametrize(
    "text",
    [*TEXTS, "Sep 5 and ſunday", "İstanbul on Mon 3", "$12 a:3 x_jan", "éjan frı ßsat", "Ωmay 1"],
)
def test_date_starts_hold_every_date_the_pattern_finds(text: str) -> None:
    """Every position where ``_START`` matches and a date matches whole (not running on into
    a letter) is tried; month-like prefixes of other words ("monkeys") need not be."""
    dates = []
    for start in _kept(text, [m.start() for m in _START.finditer(text)]):
        m = _DATE_TIME.match(text, start)
        if m is not None and not text[m.end() : m.end() + 1].isalpha():
            dates.append(start)
    assert set(dates) <= set(_starts(text))


@pytest.mark.parametrize("text", [*LISTED_TEXTS, *TEXTS])
@pytest.mark.parametrize("bit", [NRP, TITLE, PLACE_LOWER, ORG_TAIL])
def test_listed_words_stand_where_the_word_pass_puts_them(text: str, bit: int) -> None:
    """``Listed`` finds the lexicon's words without cutting the text into words; it finds
    each where the full word pass finds it, and nowhere else."""
    w = words(text)
    assert listed(text).at(bit) == [(w.tokens[i][0], w.bares[i]) for i in w.hits(bit)]


@pytest.mark.parametrize("text", [*LISTED_TEXTS, *TEXTS])
def test_words_read_from_the_text_match_the_word_pass(text: str) -> None:
    """``word_before`` and ``word_chain`` read a word's neighbours as the word pass cuts."""
    w = words(text)
    for i, (start, _, _) in enumerate(w.tokens):
        assert word_before(text, start) == (w.bares[i - 1] if i else None)
        chained = [w.tokens[i]]
        k = i + 1
        while (
            len(chained) < 3
            and k < len(w.tokens)
            and text[w.tokens[k - 1][1] : w.tokens[k][0]] == " "
        ):
            chained.append(w.tokens[k])
            k += 1
        assert word_chain(text, start, 3) == chained


def test_phrases_are_found_only_when_their_words_are_there() -> None:
    lst = listed("I'm in Oslo; she grew up in Kajaani, a grown-up in Oulu")
    assert lst.phrase_at("grew up in") == [17]
    assert lst.phrase_at("i'm in") == [0]
    assert lst.phrase_at("moved to") == []
    assert lst.phrase_at("grew", alone=True) == [17]  # not "grown"


@pytest.mark.parametrize("run", ["$1,000.00", "'", "555-0177 ", "\u2028", "<<", "-0"])
def test_a_long_run_without_a_word_is_read_in_linear_time(run: str) -> None:
    # With no word to end on, the pass tried the run from each of its characters to the end
    # (a pasted price 300 times: a quarter of a second for 3 KB).
    grows_linearly(lambda n: words(f"Oslo {run * n}"), 20_000)
    assert [t[2] for t in words(f"Oslo {run * 50}").tokens] == ["Oslo"]
