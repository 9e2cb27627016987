from __future__ import annotations

import random
import unicodedata

import pytest

from stanchion.guards import GuardEngine
from stanchion.guards.normalize import CONFUSABLES, ZERO_WIDTH, normalize
from stanchion.guards.numbers import number_windows
from stanchion.guards.pii import (
    PhoneRecogniser,
    RegexRecogniser,
    _pattern_recognisers,
    valid_iban,
    valid_ssn,
)
from stanchion.guards.pii_dates import _DATE, _GATE, _GATE_CASED, date_matches

from .conftest import make_exchange


def types(engine: GuardEngine, text: str) -> list[str]:
    return [f.type for f in engine.detect(text, "input", None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to ana.lopez@example.org today", "pii.email"),
        ("call me on +44 20 7946 0958", "pii.phone"),
        ("my phone number is (415) 555-2671", "pii.phone"),
        ("card 4111 1111 1111 1111 exp 09/27", "pii.credit_card"),
        ("pay to GB82 WEST 1234 5698 7654 32 please", "pii.iban"),
        ("my ssn is 536-22-1234", "pii.us_ssn"),
        ("the server is at 192.168.10.4", "pii.ip_address"),
        ("ipv6 host 2001:db8::8a2e:370:7334 is down", "pii.ip_address"),
        ("I was born on 12 March 1984", "pii.date_of_birth"),
        ("ship it to 221 Baker Street, Apt 4", "pii.address"),
        ("Please ask Dr. Watson about it", "pii.person"),
        ("Mary Johnson will join the call", "pii.person"),
    ],
)
def test_detects(engine: GuardEngine, text: str, expected: str) -> None:
    assert expected in types(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "order 1234 5678 9012 3456 shipped",  # fails Luhn
        "GB82 WEST 1234 5698 7654 33",  # fails mod-97
        "ssn 666-12-3456 and 900-12-3456 and 123-00-4567",  # never issued
        "version 1.2.3 of the library",
    ],
)
def test_ignores(engine: GuardEngine, text: str) -> None:
    assert not [t for t in types(engine, text) if t != "pii.person"], types(engine, text)
    assert "pii.person" not in types(engine, text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "The meeting is on Monday at the United States embassy",
            ["pii.date_time", "pii.location"],
        ),
        ("what is the capital of France?", ["pii.location"]),
        ("Do you ship to Canada? I'm a 45 year old teacher", ["pii.location", "pii.age"]),
        ("What happened in 1990 on March 3?", ["pii.date_time", "pii.date_time"]),
    ],
)
def test_contextual_types_are_flagged_by_default(
    engine: GuardEngine, text: str, found: list[str]
) -> None:
    """Places, ages and the other contextual types are found by default and flagged: the
    prompt reaches the model as written (it needs "Canada" to answer)."""
    findings = engine.detect(text, "input", None)
    assert sorted(f.type for f in findings) == sorted(found)
    assert {f.action for f in findings} == {"flag"}
    assert engine.scan(text, "input", None).text == text
    assert engine.scan(text, "output", None).action == "allow"  # answers are made of these


def test_checksums() -> None:
    assert valid_iban("DE89370400440532013000")
    assert not valid_iban("DE89370400440532013001")
    assert valid_ssn("536-22-1234")
    assert not valid_ssn("000-22-1234")
    assert not valid_ssn("536-22-0000")


def test_context_words_raise_and_lower(engine: GuardEngine) -> None:
    with_context = engine.detect("ssn: 536-22-1234", "input", None)[0].score
    without = engine.detect("ref 536-22-1234", "input", None)[0].score
    assert with_context > without


def test_zero_width_and_fullwidth_digits_do_not_hide_a_card(engine: GuardEngine) -> None:
    text = "card 4111\u200b1111\u200b1111\u200b1111 and ４１１１ １１１１ １１１１ １１１１"
    found = [f for f in engine.detect(text, "input", None) if f.type == "pii.credit_card"]
    assert len(found) == 2
    assert text[found[0].start : found[0].end].startswith("4111")


def test_confusable_email_span_maps_to_original(engine: GuardEngine) -> None:
    text = "mail \u0430na@example.org now"  # Cyrillic a
    (found,) = [f for f in engine.detect(text, "input", None) if f.type == "pii.email"]
    assert text[found.start : found.end] == "\u0430na@example.org"


def test_pseudonymise_and_restore(engine: GuardEngine) -> None:
    ex = make_exchange()
    text = "Email ana@example.org or bob@example.org; again ana@example.org"
    outcome = engine.scan(text, "input", ex)
    assert outcome.action == "redact"
    assert outcome.text == "Email <EMAIL_1> or <EMAIL_2>; again <EMAIL_1>"
    assert ex.pseudonyms == {"<EMAIL_1>": "ana@example.org", "<EMAIL_2>": "bob@example.org"}
    second = engine.scan("and ana@example.org in the next message", "input", ex)
    assert second.text == "and <EMAIL_1> in the next message"
    assert engine.restore("I wrote to <EMAIL_2> and <EMAIL_1>.", ex) == (
        "I wrote to bob@example.org and ana@example.org."
    )
    assert engine.restore("<EMAIL_9> is unknown", ex) == "<EMAIL_9> is unknown"


def test_records_never_hold_the_value(engine: GuardEngine) -> None:
    outcome = engine.scan("ssn 536-22-1234", "input", make_exchange())
    record = outcome.findings[0].to_record()
    assert "536-22-1234" not in str(record)
    assert record["type"] == "pii.us_ssn" and record["action"] == "redact"


@pytest.mark.parametrize("seed", range(3))
def test_number_windows_hold_every_match_of_a_whole_text_search(seed: int) -> None:
    """Windows end at a run's last digit: the card, SSN and IP patterns find there what they
    find in the whole text, and so does the phone candidate, of those with 7 digits or more
    (the phone recogniser drops the others), padded with spaces as tables pad their numbers."""
    recognisers = [r for r in _pattern_recognisers().values() if getattr(r, "numeric", False)]
    patterns = [r.pattern for r in recognisers if isinstance(r, RegexRecogniser)]
    phone = PhoneRecogniser._candidate
    rng = random.Random(seed)
    alphabet = "0123456789   ..--()++x:/\u0663a\n|"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        windows = number_windows(text)
        for pattern in patterns:
            inside = [m.span() for s, e in windows for m in pattern.finditer(text, s, e)]
            assert inside == [m.span() for m in pattern.finditer(text)], (text, pattern.pattern)
        inside = [m.span() for s, e in windows for m in phone.finditer(text, s, e)]
        whole = [
            m.span() for m in phone.finditer(text) if sum(c.isdigit() for c in m.group(0)) >= 7
        ]
        assert set(whole) <= set(inside), text


def test_numbers_are_found_only_inside_number_runs(engine: GuardEngine) -> None:
    text = (
        "IBAN DE89 3704 0044 0532 0130 00, card 4111 1111 1111 1111, ip 10.0.0.1, "
        "call +44 20 7946 0958"
    )
    assert sorted(types(engine, text)) == [
        "pii.credit_card", "pii.iban", "pii.ip_address", "pii.phone"
    ]  # fmt: skip


def _normalize_per_character(text: str) -> tuple[str, tuple[int, ...]]:
    """The straightforward version: every character folded on its own."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char in ZERO_WIDTH:
            continue
        folded = (
            unicodedata.normalize("NFKC", char).translate(CONFUSABLES) if ord(char) > 127 else char
        )
        chars.append(folded)
        offsets.extend([index] * len(folded))
    return "".join(chars), tuple(offsets)


@pytest.mark.parametrize(
    "text",
    [
        "ﬁle №5 at ½ past, café\u00a0Zoë",
        "pаypal\u200b login\u00ad here ＡＢＣ １２３",
        "e\u0301 combining, Ǆ, ㎏, ﬃ, ² and ³…",
        "\u200bonly a zero width at the start and the end\ufeff",
        "ผมอยากสอบถาม ทำไม จำนวน, спасибо Ａ！ ﾊﾟ",  # Thai sara am folds to two characters
    ],
)
def test_normalize_folds_each_character_on_its_own(text: str) -> None:
    view = normalize(text)
    assert view.offsets is not None
    assert (view.text, tuple(view.offsets)) == _normalize_per_character(text)


@pytest.mark.parametrize("seed", range(4))
def test_normalize_folds_any_text_as_each_character_on_its_own(seed: int) -> None:
    rng = random.Random(seed)
    pool = "ab 1.АрсеіΑορ\u200b\u00adﬁ①ﾊﾟＡ²ทำ한ी्ज़é\u0301ᄀ\U0001d400\U000e0041"
    for _ in range(2000):
        size = rng.randint(1, 30)
        text = "".join(
            rng.choice(pool) if rng.random() < 0.8 else chr(rng.randrange(0x80, 0x30000))
            for _ in range(size)
        )
        view = normalize(text)
        offsets = tuple(range(len(text))) if view.offsets is None else tuple(view.offsets)
        assert (view.text, offsets) == _normalize_per_character(text), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "born 4 May 1990, moved 2001-03-04, left on Mar. 3rd, 2020 and 12/05/99",
        "Summary: the mayor, born in Decatur in December 1950, married in june 1972",
        "a1990 x_May 2001 MAY 2001 (may 2001) 3rd Septembers 2004",
        "né le 3 mars 1990 – born ſeptember 12, 1980, İstanbul ٣ May ١٩٩٠ éMay 2001",
        "",
    ],
)
def test_dates_are_tried_only_where_one_can_start(text: str) -> None:
    expected = [m.span() for m in _DATE.finditer(text)]
    assert [m.span() for m in date_matches(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "BORN in",
        "bİrth",
        "bırth",
        "D.O.B 1990",
        "b. 1990",
        "Dob",
        "unborn",
        "nothing here",
        "bıRTh–",
    ],
)
def test_birth_word_without_the_case_flag_agrees(text: str) -> None:
    assert (_GATE_CASED.search(text) is None) == (_GATE.search(text) is None)
