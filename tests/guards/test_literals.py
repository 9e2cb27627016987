"""``Literals`` (one pass of ``hyperscan`` where installed) gives the mask that ``in`` gives,
literal by literal: on the secrets and PII guards' real literal sets, on texts of any script,
every kind of white space, lone surrogates, CJK, very long tokens, from several threads;
and its cost grows linearly with the text."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from stanchion.guards import literals, pii_dates, pii_names, secrets
from stanchion.guards.literals import Literals
from stanchion.guards.normalize import every_index
from tests.linear import grows_linearly

SETS = [secrets._NEEDLES, secrets._NAMES, pii_names._LITERALS, pii_dates._LITERALS]
SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u3000", "\x1c", "\x85", "\u2028"]
PIECES = ["系统", "ſep", "İ", "ı", "straße", "Ö", "\ud800", "\udfff", "?", "--", "é", "\u200b"]


def _texts(rng: random.Random, keys: list[str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 40)):
            pick = rng.random()
            if pick < 0.35:
                key = rng.choice(keys)
                parts.append(key[: rng.randint(1, len(key))] if rng.random() < 0.3 else key)
            elif pick < 0.6:
                parts.append(rng.choice(PIECES))
            elif pick < 0.65:
                parts.append(rng.choice(keys) * rng.randint(50, 400))  # a very long token
            else:
                parts.append(rng.choice(SPACES))
        text = "".join(parts)
        out.append(text.lower() if rng.random() < 0.5 else text)
    return out


@pytest.mark.parametrize("found", SETS, ids=["secrets", "names", "address", "dates"])
def test_the_mask_is_what_in_finds(found: Literals) -> None:
    keys = list(found.bits)
    for text in _texts(random.Random(7), keys, 1500):
        mask = found.mask(text)
        assert mask == found.mask_reference(text), repr(text)
        assert found.every_index(mask, text, keys) == every_index(text, keys)


def test_each_literal_alone() -> None:
    found = Literals(["ab", "b", "straße", "系统", "?"])
    for text in ["", "ab", "a b", "STRASSE", "straße", "系", "系统提示", "\ud800?", "x" * 5000]:
        mask = found.mask(text)
        for literal in found.bits:
            assert found.has(mask, literal) == (literal in text), (literal, text)


def test_an_empty_literal_is_refused() -> None:
    with pytest.raises(ValueError):
        Literals(["a", ""])


def test_threads_scan_with_their_own_scratch() -> None:
    found = secrets._NEEDLES
    texts = _texts(random.Random(3), list(found.bits), 300)
    expected = [found.mask_reference(t) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(found.mask, texts * 3))
    assert got == expected * 3


def test_the_pass_is_linear() -> None:
    found = pii_names._LITERALS
    unit = "Suite 4 Hauptstraße 12 ring tie Box\u3000\ud800 系统 "

    def run(size: int) -> None:
        text = (unit * (size // len(unit) + 1))[:size]
        for _ in range(20):
            found.mask(text)

    grows_linearly(run, 400_000)


@pytest.mark.skipif(literals.hyperscan is None, reason="hyperscan has no wheel here")
def test_the_automaton_is_used_where_installed() -> None:
    assert secrets._NEEDLES._automaton is not None
