"""The cheap checks that let the PII and secrets recognisers skip numbers and positions:
each may say "maybe" where nothing matches, never "no" where something does."""

from __future__ import annotations

import random
import re

from stanchion.guards.numbers import number_runs
from stanchion.guards.pii import PiiGuard
from stanchion.guards.pii_address import _HOUSE_LINE, _MAY_FOLLOW, _may_name_street
from stanchion.guards.pii_digits import blank_run, digit_starts
from stanchion.guards.pii_names import (
    _EU_SUFFIXES,
    _STREET_LINE,
    _STREET_MAY_FOLLOW,
    _capital_before,
    _eu_street_possible,
    _eu_suffix,
)
from stanchion.guards.pii_times import (
    _AGE_AFTER,
    _SHORT_RUN,
    _YEAR_RUN,
    _age_before,
    _age_may_stand,
    _short_forms,
    _year_may_follow,
)
from stanchion.guards.policy import PiiSpec, SecretsSpec
from stanchion.guards.secrets import _ASSIGNMENT, SecretsGuard
from tests.linear import grows_linearly

# Characters numbers, dates, ages and addresses are written with, and a few that fold oddly.
ALPHABET = "0123456789 \t\n-./:|,yYaApPsStTnNrR MainStweg Age turn years old \u017f\u00a0é"


def _texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def test_digit_starts_are_the_starts_of_digit_runs() -> None:
    for text in [*_texts(3000), "in 1990 and 2001-03", "١٢3 45", ""]:
        assert list(digit_starts(text)) == [m.start() for m in re.finditer("[0-9]+", text)]


def test_blank_run_never_misses_one() -> None:
    for text in _texts(3000):
        runs = re.search(r"^\s|\s{5}", text) is not None
        assert blank_run(text, 5) or not runs


def _form(found: re.Match[str] | None, forms: tuple[int, ...]) -> tuple[int, int, int] | None:
    if found is None or found.lastindex is None:
        return None
    return found.start(), found.end(), forms[found.lastindex - 1]


def test_a_date_or_time_form_matches_only_where_one_may_follow() -> None:
    words = " May mAR Sept of OF often 12 people am P.M. ſep \u0131"
    rng = random.Random(11)
    texts = [*_texts(3000), *_texts(3000, 8)]
    pieces = [*words.split(" "), "1", "12", "3rd"]
    texts += [
        "".join(rng.choice(pieces) + rng.choice(" \t:/") for _ in range(9)) for _ in range(2000)
    ]
    texts += ["3 May 2020", "5 of the best", "12 of  June", "7 pm", "2nd of may", "4 " + " " * 30]
    for text in texts:
        for run in re.finditer(r"\d+", text):
            start, end = run.span()
            after = text[end : end + 1]
            if end - start in (1, 2):
                pattern, forms = _short_forms(text, after, end)
                whole = _form(_SHORT_RUN[0].match(text, start), _SHORT_RUN[1])
                assert _form(pattern.match(text, start), forms) == whole, (text, start)
            if end - start == 4 and _YEAR_RUN[0].match(text, start):
                assert _year_may_follow(text, start, after), (text, start)


def test_an_age_is_looked_for_only_where_one_may_stand() -> None:
    for text in _texts(3000):
        cues = sorted(m.start() for m in re.finditer("age|turn", text.lower()))
        for start, end in number_runs(text):
            for m in re.finditer(r"\d{1,3}", text[start:end]):
                s, e = start + m.start(), start + m.end()
                if _AGE_AFTER.match(text, e) or _age_before(text, s):
                    assert _age_may_stand(text, start, end, cues), (text, s)


def test_house_and_street_lines_start_only_where_they_may() -> None:
    for text in [*_texts(3000), "12 Main St", "12B Main Street", "7\nKoskikatu 25"]:
        for start, end in number_runs(text):
            for m in re.finditer(r"\d+", text[start:end]):
                at = start + m.start()
                follows = text[end : end + 1]
                if _HOUSE_LINE.match(text, at):
                    assert _may_name_street(text, end, len(text)), (text, at)
                    assert follows and follows in _MAY_FOLLOW, (text, at)
                if _STREET_LINE.match(text, at):
                    assert follows and follows in _STREET_MAY_FOLLOW, (text, at)


def _eu_street_possible_before(text: str) -> bool:
    """The gate as it was before it first looked for a suffix or a blank stretch."""
    for start, _ in number_runs(text):
        if start and text[start - 1].isspace():
            before = text[max(0, start - 40) : start].rstrip()
            if not before:
                return True
            if not before.endswith(_EU_SUFFIXES):
                continue
            suffix = _eu_suffix(before)
            if suffix and _capital_before(before, len(before) - len(suffix), start > 40):
                return True
    return False


def test_the_european_street_gate_is_what_it_was() -> None:
    """Exactly: it is read from the suffixes the text holds and from its blank stretches."""
    extra = ["Hauptstraße 5", "x" * 50 + " " * 45 + "12", "  4 a", "Bring 5", "Ring 12"]
    extra += [" during 1990 and 1991", "In spring 2001 Mainweg 4", "\u3000 7", "é" * 45 + " 12"]
    extra += [" " + "1 " * 20 + "Bring 5", "1 " * 20 + "Koskikatu 25", "Ties 5 ties 7 Tie 9"]
    for text in [*_texts(3000), *extra]:
        assert _eu_street_possible(text) == _eu_street_possible_before(text), text


def test_secret_assignments_are_found_where_their_names_start() -> None:
    guard = SecretsGuard(SecretsSpec())
    text = "x api_key = 'Zx9vQ2mN7pL4kR8sT1uW' and client-secret: Qw8Er7Ty6Ui5Op4As3Df"
    found = [(f.type, text[f.start : f.end]) for f in guard.check(text, None)]
    assert found == [
        ("secret.generic", "Zx9vQ2mN7pL4kR8sT1uW"),
        ("secret.generic", "Qw8Er7Ty6Ui5Op4As3Df"),
    ]
    assert [m.group(2) for m in _ASSIGNMENT.finditer(text.lower())] == [
        "zx9vq2mn7pl4kr8st1uw",
        "qw8er7ty6ui5op4as3df",
    ]


def test_number_heavy_text_in_linear_time() -> None:
    pii = PiiGuard(PiiSpec())
    secrets = SecretsGuard(SecretsSpec())
    rows = ("| 1    | 12   | 2009 |\n", "12 " * 3 + "\n", " " * 60 + "7 ", "age 12 token=", "3-4 ")
    for row in rows:
        grows_linearly(
            lambda n, row=row: (pii.check(row * n, None), secrets.check(row * n, None)),
            4000,
        )
