"""How common a word is in English at large: whether a word the corpus lacks is a
specific thing ("refurbished", "HomeKit", "60fps") or everyday wording ("died", "door").

A question's point is usually a specific word. When the corpus has never seen it, the
documents most likely do not answer the question; an everyday word the corpus lacks is far
more often a paraphrase. The table (``data/english.txt.gz``, built from wordfreq's lists by
``data/build_english.py``; CC BY-SA 4.0) gives each word's Zipf frequency: log10 of its
occurrences per billion words, 7 for "the", 3 for "refurbished"; words under 2.5 are absent.

>>> zipf("door") > 4.5 > zipf("refurbished") > zipf("60fps")
True
>>> commonness("Fixes") == zipf("fix")
True
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib.resources import files

FLOOR = 2.5  # the table's lowest entry; a word not in it is at most this common
_SUFFIXES = ("ies", "es", "s", "ed", "ing", "er", "ly")


@lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    raw = files("stanchion.knowledge.query.data").joinpath("english.txt.gz").read_bytes()
    table: dict[str, float] = {}
    for line in gzip.decompress(raw).decode().splitlines():
        level, *words = line.split()
        z = int(level) / 10
        table.update((w, z) for w in words)
    return table


def load() -> None:
    """Read the table now (once per process) rather than on the first question."""
    _table()


def zipf(word: str) -> float:
    """The word's Zipf frequency, 0 when it is rarer than the table's floor."""
    return _table().get(word.lower(), 0.0)


def commonness(word: str) -> float:
    """The Zipf frequency of the word or of its base form ("fixes" as "fix"), the higher."""
    w = word.lower().replace("’", "'")
    best = zipf(w)
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: -len(suffix)]
            best = max(best, zipf(base), zipf(base + "e"), zipf(base + "y"))
    return best


def rarity(word: str, common: float = 4.5, rare: float = FLOOR) -> float:
    """0 for a word at least as common as ``common``, 1 at ``rare`` or rarer, linear between."""
    z = commonness(word)
    return min(1.0, max(0.0, (common - z) / (common - rare)))


def specificity(word: str) -> float:
    """How much a word says about a topic: 1 up to Zipf 4.5 ("warranty", "refund"), falling
    to 0.4 for the commonest words ("go", "new", "look")."""
    return min(1.0, max(0.4, 1.0 - 0.3 * (commonness(word) - 4.5)))
