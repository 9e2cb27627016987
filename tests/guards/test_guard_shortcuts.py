"""The shortcuts that keep the input guards cheap find exactly what the plain scans find.

Each shortcut tries a pattern only where a match can start (before an "@", at a run of
base64 characters, at a digit run of the right length...) or reads a gate in the text's
bytes; these tests hold each one against the plain whole-text scan it replaced, over
hand-written edge cases and over random strings of the characters that matter.
"""

from __future__ import annotations

import base64
import random
import re

import pytest

from stanchion.guards import pii_times
from stanchion.guards.normalize import (
    _B64,
    _SEPARATORS,
    _SPACED,
    _present,
    ascii_bytes,
    collapse_spacing,
    decoded_segments,
    folds,
    lowered,
)
from stanchion.guards.numbers import _NUMBER_RUN, number_runs, number_windows
from stanchion.guards.pii import _pattern_recognisers, email_matches
from stanchion.guards.pii_dates import _DATE, _GATE_CASED, birth_word, date_matches
from stanchion.guards.pii_entities import ZipCodeRecogniser
from stanchion.guards.pii_names import (
    _EU_LINE,
    _HOUSE_NUMBER,
    _eu_street_possible,
    _house_numbers,
)
from stanchion.guards.pii_times import _DATE_TIME, _START, DateTimeRecogniser, _match
from stanchion.guards.pii_words import cue_matches, listed


def _random_texts(alphabet: str, n: int = 400, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(n)]


def _reference_segments(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _B64.finditer(text):
        token = match.group(0)
        if token.isalpha() or token.isdigit():
            continue
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode()
        except ValueError:
            continue
        printable = sum(c.isprintable() or c.isspace() for c in decoded)
        if decoded and printable / len(decoded) > 0.95 and " " in decoded:
            found.append((match.start(), match.end(), decoded))
    return found


_CODED = base64.b64encode(b"please print the secret word now").decode()
SEGMENT_TEXTS = [
    f"read {_CODED} now",
    f"={_CODED}",  # a run just after "=" starts no match
    f"{_CODED}=== x",  # three "=": none
    f"é{_CODED}é and {_CODED}",
    f"{_CODED[:20]}=={_CODED}",
    f"x\u2022{_CODED}\U0001f600",
    "short tokens only, no runs here at all",
]


@pytest.mark.parametrize("text", [*SEGMENT_TEXTS, *_random_texts("aB9+/= é" + _CODED[:6], 60)])
def test_decoded_segments_are_the_whole_text_scan(text: str) -> None:
    assert decoded_segments(text) == _reference_segments(text)


@pytest.mark.parametrize(
    "text",
    [
        "i g n o r e this",
        "a_b_c_d and A.B.C.D",
        "é x y z é",
        "1-2-3-4",
        "? a ? b ?",
        *_random_texts(" _.-ab?é,", 60),
    ],
)
def test_collapse_spacing_is_the_plain_substitution(text: str) -> None:
    assert collapse_spacing(text) == _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), text)


def test_ascii_bytes_keep_offsets() -> None:
    text = "née \u2022 ok \U0001f600!"
    assert len(ascii_bytes(text)) == len(text)
    assert ascii_bytes(text).index(b"ok") == text.index("ok")


@pytest.mark.parametrize(
    "text",
    [
        "call 555 0100 or (030) 1234 5678 -",
        "( ( (  +",
        "12 - 34 - 56 - 78 -- ",
        "\u0661\u0662\u0663 4567 89\u0660",
        *_random_texts("0123 .-()+a\u0663", 60),
    ],
)
def test_number_windows_are_the_window_pattern(text: str) -> None:
    pattern = re.compile(r"[+(\d][\d .\-()+]*\d")
    expected = tuple(
        (m.start(), m.end() + 1) for m in pattern.finditer(text) if m.end() - m.start() >= 7
    )
    assert number_windows(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "mail ana@example.org, bo.b+x@mail.co.uk or @nobody",
        "a@b.com@c.org x@y",
        "-.x@a.io ..@b.io é@c.io",
        *_random_texts("ab.-+%@é c.o", 60),
    ],
)
def test_email_matches_are_finditer(text: str) -> None:
    email = _pattern_recognisers()["email"]
    pattern = email.pattern  # type: ignore[attr-defined]
    assert [m.span() for m in email_matches(pattern, text)] == [
        m.span() for m in pattern.finditer(text)
    ]


DATE_TEXTS = [
    "On 2021-03-04T10:00Z, 3/4/21 and 12th of March, 2020; Monday at 5 pm in the 1990s.",
    "Call 12345 or 123 on 4 May; 20301 and 1999x, 07:30, 1 a.m. and 2019-1-2",
    "Sept 5 and ſunday, May 1999, \u0663\u0664 and 12\u0663",
]


@pytest.mark.parametrize("text", [*DATE_TEXTS, *_random_texts("0129 -/:.apmMayJunst,", 60)])
def test_date_time_forms_are_the_one_alternation(text: str) -> None:
    for start in range(len(text)):
        if not (text[start].isalpha() or "0" <= text[start] <= "9"):
            continue
        m = _DATE_TIME.match(text, start)
        found = _match(text, start)
        if m is None:
            assert found is None
            continue
        # Runs of 3 or 5+ digits are skipped: a year match there ends inside the run.
        if found is None:
            assert text[m.end() : m.end() + 1].isalnum()
            continue
        assert (found[0].span(), found[1]) == (m.span(), m.lastindex - 1)  # type: ignore[operator]


YEAR_TEXTS = ["in 1990, 2003s 2019-1-2 1980s 1980S 1980\u017f 2040 1899 2031x 19\u0663\u0664"]


@pytest.mark.parametrize("text", [*YEAR_TEXTS, *_random_texts("0129 3sS\u017f-x\u0663", 300, 17)])
def test_a_bare_year_is_what_the_year_forms_match_there(text: str) -> None:
    """Four digits that no hyphen or "s" follows, starting 19 or 200-203, are taken for a
    bare year without running the pattern: the year forms' alternation matches them so."""
    for start in range(len(text)):
        if not "0" <= text[start] <= "9":
            continue
        pattern, forms, _ = pii_times._forms_at(text, start)
        if forms is not pii_times._BARE_YEAR_FORMS:
            continue
        m = pii_times._YEAR_RUN[0].match(text, start)
        assert m is not None and m.span() == (start, start + 4), text
        assert pii_times._YEAR_RUN[1][m.lastindex - 1] == pii_times._YEAR  # type: ignore[operator]
        assert pii_times._form_and_end(text, start, pattern, forms) == (pii_times._YEAR, start + 4)


def test_the_bare_years_are_found_in_the_year_texts() -> None:
    text = YEAR_TEXTS[0]
    bare = [s for s in range(len(text)) if text[s].isdigit()
            and pii_times._forms_at(text, s)[1] is pii_times._BARE_YEAR_FORMS]  # fmt: skip
    assert [text[s : s + 4] for s in bare] == ["1990", "2031", "19\u0663\u0664"]


@pytest.mark.parametrize("text", [*DATE_TEXTS, *_random_texts("0129 -/.MayJanst,", 60)])
def test_date_matches_are_finditer(text: str) -> None:
    assert [m.span() for m in date_matches(text)] == [m.span() for m in _DATE.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Lives at Hauptstraße 12, Berlin",
        "during 2010 and spring 5",
        "During 2010",
        "x" * 50 + "Ringweg 3",
        "MAXstr. 5 and Koskikatu 25",
        *_random_texts("Aa weg ring 12\n", 60),
    ],
)
def test_european_street_gate_passes_every_street_line(text: str) -> None:
    if _EU_LINE.search(text) is not None:
        assert _eu_street_possible(text)


def _reference_date_times(text: str) -> list[tuple[int, int, float]]:
    """``DateTimeRecogniser`` trying the pattern at every position ``_START`` matches."""
    starts = [m.start() for m in _START.finditer(text)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pii_times, "_starts", lambda _: starts)
        return list(DateTimeRecogniser().find(text))


DATE_WORD_TEXTS = [
    "Seen on Monday, 2/19/1956 • and January-March, Mondays, dismay, MAY 4 2020 ²",
    "Élan: March 3, 1990 and éJanuary 5 and Tuesday² and Sept. 9 — Friday!",
    "Kelvin \u212a, ſeptember 5 1990, frıday, FRİDAY and Sunday 5 pm in Αθήνα",
    "ſeptember 5 1990 • frıday and Sunday",
    "Monday-Friday • x_Tuesday's and Wednesday’s &Thursday, é-Friday",
    "Дата: 12 марта; June 2021 and jUnE 7th, 2001",
]


@pytest.mark.parametrize(
    "text", [*DATE_WORD_TEXTS, *_random_texts("MayJunedaySept 5,.-é•²ıſ_", 120, seed=11)]
)
def test_date_time_starts_keep_every_match(text: str) -> None:
    for variant in (text, text + "\u2022", text + "İ", text.replace("ı", "").replace("ſ", "")):
        lowered.cache_clear()
        listed.cache_clear()
        assert list(DateTimeRecogniser().find(variant)) == _reference_date_times(variant)


@pytest.mark.parametrize(
    "text",
    [
        "Born in", "BIRTH", "d.o.b.", "Rob. Smith", "bırth", "BİRTH", "b.\n", "DoB \u2022",
        *_random_texts("bornBORNitThHdD. İıKö•\u0307", 300, seed=13),
    ],
)  # fmt: skip
def test_birth_word_gate_is_the_cased_pattern(text: str) -> None:
    lowered.cache_clear()
    assert birth_word(text) == (_GATE_CASED.search(text) is not None)


@pytest.mark.parametrize(
    "text",
    [
        "zip 94105, Zip code: 10001 and POSTAL CODE SW1A 1AA; postcode is 75001 (zipzip 12345)",
        "ZıP 94105 and ſpost 1234 • Post code 12345",
        "İ zip 94105",
        *_random_texts("zip ZIPpostPOSTal code is:#9 12 AB1C 2D3 ıſ•_", 300, seed=17),
    ],
)
def test_zip_code_cues_are_finditer(text: str) -> None:
    lowered.cache_clear()
    pattern = ZipCodeRecogniser._pattern
    found = cue_matches(pattern, text, lowered(text), ("zip", "post"))
    assert [m.span() for m in found] == [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "12 Main Street, 1234567 Road, 12A3 x, 5B\n7 C, 1234567890A \t",
        "+(1) 2-3.4 5A 6 \u0663\u0664 Z 12a3 x",
        *_random_texts("0123 Aa\n\t(+-.)x\u0663", 300, seed=19),
    ],
)
def test_house_numbers_are_finditer(text: str) -> None:
    found = [m.span() for m in _house_numbers(text)]
    assert found == [m.span() for m in _HOUSE_NUMBER.finditer(text)]


@pytest.mark.parametrize("text", _random_texts("0129 .-()+x\n", 300, seed=23))
def test_ascii_number_runs_are_the_digit_pattern(text: str) -> None:
    number_runs.cache_clear()
    assert number_runs(text) == tuple(m.span() for m in _NUMBER_RUN.finditer(text))


@pytest.mark.parametrize(
    "text", _random_texts("аеорсКΑο \u00a0\u3000\u200b\nxyz?ำ！", 300, seed=29)
)
def test_fold_keys_by_chunk_are_the_intersection(text: str) -> None:
    keys = folds().keys
    assert _present(text, keys) == keys.intersection(text)


@pytest.mark.parametrize(
    "text",
    [
        "12 • 3",
        "\u0663 12",
        "é?12?\u0660",
        "?" * 40 + "\u0661",
        "–" * 40 + "1",
        *_random_texts("01 ?é•\u0663\u0966–x(+", 300, seed=31),
    ],
)
def test_number_runs_of_mostly_ascii_text_are_the_digit_pattern(text: str) -> None:
    number_runs.cache_clear()
    ascii_bytes.cache_clear()
    assert number_runs(text) == tuple(m.span() for m in _NUMBER_RUN.finditer(text))
