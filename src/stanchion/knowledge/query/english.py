"""How common a word is in English at large: whether a word the corpus lacks is a
specific thing ("refurbished", "HomeKit", "60fps") or everyday wording ("died", "door").

A question's point is usually a specific word. When the corpus has never seen it, the
documents most likely do not answer the question; an everyday word the corpus lacks is far
more often a paraphrase. The table (``data/english.txt.gz``, built from wordfreq's lists by
``data/build_english.py``; CC BY-SA 4.0) gives each word's Zipf frequency: log10 of its
occurrences per billion words, 7 for "the", 3 for "refurbished"; words under 2.5 are absent.

>>> zipf("door") > 4.5 > zipf("refurbished") > zipf("60fps")
True
>>> commonness("Fixes") == zipf("fix"), commonness("whst") == zipf("what")
(True, True)
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib.resources import files

from stanchion.knowledge.query.spelling import LONGEST, one_edit_from, one_edit_index

FLOOR = 2.5  # the table's lowest entry; a word not in it is at most this common
TYPO_BASE = 4.5  # a rare word one edit from a word this common is its typo ("whst")...
TYPO_SHORTEST = 3
TYPO_MAX = 3.3  # ...when it is rarer than this itself (the lists hold common misspellings)
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


@lru_cache(maxsize=1)
def _typo_keys() -> dict[str, tuple[str, ...]]:
    """Every common word and its one-letter deletions, pointing at the word (SymSpell)."""
    return one_edit_index(
        word
        for word, z in _table().items()
        if z >= TYPO_BASE and word.isalpha() and len(word) >= TYPO_SHORTEST
    )


def load() -> None:
    """Read the tables now (once per process) rather than on the first question."""
    _table()
    _typo_keys()


def typo_of(word: str) -> str | None:
    """The common English word ``word`` is one edit away from, when it is no common word
    itself ("warrenty" -> "warranty"); None for words, short words and codes ("60fps")."""
    w = word.lower()
    if not TYPO_SHORTEST <= len(w) <= LONGEST or not w.isalpha() or zipf(w) >= TYPO_MAX:
        return None
    return min(one_edit_from(w, _typo_keys()), key=lambda c: -zipf(c), default=None)


def common_words(least: float) -> list[str]:
    """The table's words at least this common (Zipf), most common first."""
    return [word for word, z in _table().items() if z >= least]


def zipf(word: str) -> float:
    """The word's Zipf frequency, 0 when it is rarer than the table's floor."""
    return _table().get(word.lower(), 0.0)


@lru_cache(maxsize=65_536)
def commonness(word: str) -> float:
    """The Zipf frequency of the word or of its base form ("fixes" as "fix"), the higher."""
    w = word.lower().replace("’", "'")
    best = zipf(w)
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: -len(suffix)]
            best = max(best, zipf(base), zipf(base + "e"), zipf(base + "y"))
    if best < TYPO_MAX and (typo := typo_of(w)) is not None:
        return zipf(typo)
    return best


def rarity(word: str, common: float = 4.5, rare: float = FLOOR) -> float:
    """0 for a word at least as common as ``common``, 1 at ``rare`` or rarer, linear between."""
    z = commonness(word)
    return min(1.0, max(0.0, (common - z) / (common - rare)))


def specificity(word: str) -> float:
    """How much a word says about a topic: 1 up to Zipf 4.5 ("warranty", "refund"), falling
    to 0.4 for the commonest words ("go", "new", "look")."""
    return min(1.0, max(0.4, 1.0 - 0.3 * (commonness(word) - 4.5)))
