"""The job-title recogniser reads a title's modifiers from its window only where a word can
modify it; everywhere else the span it finds is the one the window would give.

Held against the plain computation (cut the window into words, walk back over the modifiers)
at every listed job title of hand-written sentences and of random strings of the characters
that matter (spaces, commas, periods, digits, common words, a non-ASCII letter).
"""

from __future__ import annotations

import random

import pytest

from stanchion.guards.pii_lexicon import TITLE
from stanchion.guards.pii_titles import TitleRecogniser, modifiers_start
from stanchion.guards.pii_words import listed, window, word_end


def _plain_span(text: str, start: int, end: int) -> tuple[int, int]:
    w, i = window(text, start, end - start)
    toks = w.tokens
    return toks[modifiers_start(text, toks, i)][0], toks[i][1]


TEXTS = [
    "She worked as an actor, director, artist, instructor and writer.",
    "Anna Berg, the film director, spoke first.",
    "the director said so; The Director agreed",
    "director at the start, and a senior art director at the end",
    "Dr. director, St. actor. x. director 5 director 5a director",
    "über director, naïve actor, Zoë artist, café director",
    "  director\tdirector\ndirector -director 'director co-director",
    "and director, of director, the. director, a.b director",
    "The assistant director, an assistant director and the film's director.",
    "x " * 30 + "Extraordinarily Overcomplicated Interdepartmental director, then more",
    "Extraordinarily Overcomplicated Interdepartmental Superintendent director,",
    "y Extraordinarily Overcomplicated Interdepartmental Superintendent director,",
    "an Internationally Acclaimed director, " * 3,
]

_PIECES = ["director", "actor", "the", "film", "a", "5", "é", "Zoë", "Dr.", "Interdepartmental"]


def _random_texts(n: int = 300, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    seps = [" ", " ", " ", ", ", ". ", "  ", "\n", "-", ""]
    return [
        "".join(rng.choice(_PIECES) + rng.choice(seps) for _ in range(rng.randint(1, 12)))
        for _ in range(n)
    ]


@pytest.mark.parametrize("text", [*TEXTS, *_random_texts()])
def test_title_span_is_the_window_walk(text: str) -> None:
    recogniser = TitleRecogniser()
    for start, bare in listed(text).at(TITLE):
        end = word_end(text, start, bare)
        assert recogniser._modified(text, start, end - start) == _plain_span(text, start, end)
