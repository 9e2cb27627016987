"""Number runs read from the text's bytes are the runs the pattern finds: on text with every
kind of white space, lone surrogates, CJK, digits of other scripts, very long runs; and the
reading grows linearly with the text."""

from __future__ import annotations

import random

import pytest

from stanchion.guards.normalize import ascii_bytes
from stanchion.guards.numbers import _ASCII_NUMBER_RUN, _NUMBER_RUN, number_runs
from tests.linear import grows_linearly

PIECES = [
    "0", "12", "+", "(", ")", "-", ".", " ", "\t", "\n", "\xa0", "\u3000", "\u2028", "\x85",
    "系统", "\ud800", "\udfff", "?", "é", "a", "Z", "\u0663", "\uff11", "1" * 3000, "- " * 500,
]  # fmt: skip


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(0, 60))) for _ in range(n)]


@pytest.mark.parametrize("seed", range(4))
def test_the_runs_are_the_pattern(seed: int) -> None:
    for text in _texts(seed, 500):
        number_runs.cache_clear()
        ascii_bytes.cache_clear()
        assert number_runs(text) == tuple(m.span() for m in _NUMBER_RUN.finditer(text)), text
        if all(c.isascii() or not c.isdecimal() for c in text):
            assert number_runs(text) == tuple(m.span() for m in _ASCII_NUMBER_RUN.finditer(text))


def test_the_runs_grow_linearly() -> None:
    unit = "call +1 (555) 010-0199 or 12.5 x\u3000\ud800 系统 - "

    def run(size: int) -> None:
        text = (unit * (size // len(unit) + 1))[:size]
        for _ in range(5):
            number_runs.cache_clear()
            ascii_bytes.cache_clear()
            number_runs(text)

    grows_linearly(run, 400_000)
