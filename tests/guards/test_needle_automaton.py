"""The needle index's one-pass automaton (``hyperscan``) finds exactly the keys the index's
own reading of the words finds: on the injection guard's real needles, on texts of any
script, every kind of white space (which ends a word for ``str.split``), lone surrogates,
and from several threads at once (each scans with its own scratch space)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from stanchion.guards import needles
from stanchion.guards.injection import InjectionGuard
from stanchion.guards.needles import NeedleIndex
from stanchion.guards.policy import InjectionSpec

pytestmark = pytest.mark.skipif(
    needles.hyperscan is None, reason="hyperscan has no wheel for this platform"
)

SPACES = [" ", "\t", "\n", "\xa0", "\u3000", "\x1c", "\x85", "\u2028", "\u200b"]
PIECES = ["ign", "ore", "all", "prev", "ious", "###", "系统", "ignoré", "Ö", "\ud800", "--"]


def _guard_index() -> NeedleIndex:
    index = InjectionGuard(InjectionSpec())._lower
    assert isinstance(index, NeedleIndex)
    return index


def _texts(rng: random.Random, keys: list[str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 40)):
            pick = rng.random()
            if pick < 0.4:
                parts.append(rng.choice(keys))
            elif pick < 0.7:
                parts.append(rng.choice(PIECES))
            else:
                parts.append(rng.choice(SPACES))
        out.append("".join(parts).lower())
    return out


def test_the_automaton_finds_the_keys_the_words_hold() -> None:
    index = _guard_index()
    keys = list(index._bits)
    rng = random.Random(11)
    for text in _texts(rng, keys, 3000):
        assert index.scan(text).mask == index.scan_words(text).mask, repr(text)


def test_the_automaton_answers_as_in_does() -> None:
    found = ["ignore", "you are ", "###", "mot de passe", "系统提示", "ö"]
    index = NeedleIndex(found)
    assert index._automaton is not None
    for text in ["ignored? you are.", "####", "le mot  de passe", "系统提示词", "Ö".lower(), ""]:
        seen = index.scan(text)
        for needle in found:
            assert seen.any(index.group([needle])) == (needle in text), (needle, text)


def test_threads_scan_with_their_own_scratch() -> None:
    index = _guard_index()
    texts = _texts(random.Random(5), list(index._bits), 400)
    expected = [index.scan_words(t).mask for t in texts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda t: index.scan(t).mask, texts * 3))
    assert got == expected * 3
