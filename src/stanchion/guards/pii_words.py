"""A text's words, read once per scan and shared by the contextual PII recognisers.

One ``findall`` cuts the text into words (a letter, then letters, digits, apostrophes,
hyphens and ampersands, ending in a letter or digit, with a trailing period kept); their
offsets are the running sum of the pieces' lengths, their lower-cased forms one ``lower()``
of the joined words; the words of the lexicons (``pii_lexicon.lexicon()``: word -> bits) are
found by one set intersection, then located; a recogniser visits only the words it could
start a match at::

    w = words("She flew to Oslo.")
    [w.tokens[i][2] for i in w.capitalised]  # ['She', 'Oslo.']
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate, chain, compress, count
from operator import itemgetter

from stanchion.guards.pii_lexicon import NRP, ORG_TAIL, PLACE_LOWER, TITLE, lexicon

Token = tuple[int, int, str]  # start, end, the word (a trailing period kept)

_CORE = r"[^\W\d_](?:[\w'’&-]*[^\W_])?"
# Everything up to a word (nothing there can start one), the word, its trailing period.
_PIECES = re.compile(rf"([\W\d_]*)({_CORE})(\.?)")
_FIRST = itemgetter(0)


class Words:
    """``tokens``, their lower-cased ``bares`` (no trailing period), the indices of the
    ``capitalised`` ones, and per lexicon bit the indices of the words carrying it."""

    __slots__ = ("_hits", "bares", "capitalised", "tokens")

    def __init__(self, text: str, lexicon: dict[str, int]) -> None:
        pieces = _PIECES.findall(text)
        self._hits: dict[int, list[int]] = {}
        if not pieces:
            self.tokens: tuple[Token, ...] = ()
            self.bares: tuple[str, ...] = ()
            self.capitalised: tuple[int, ...] = ()
            return
        _, cores, dots = zip(*pieces, strict=True)
        ends = list(accumulate(map(len, chain.from_iterable(pieces)), initial=0))
        self.tokens = tuple(zip(ends[1::3], ends[3::3], map(str.__add__, cores, dots), strict=True))
        self.bares = tuple(" ".join(cores).lower().split(" "))
        self.capitalised = tuple(compress(count(), map(str.isupper, map(_FIRST, cores))))
        bares = self.bares
        for word in lexicon.keys() & set(bares):  # the few listed words, then where they are
            bits, i = lexicon[word], bares.index(word)
            while i >= 0:
                for bit in (PLACE_LOWER, NRP, TITLE, ORG_TAIL):
                    if bits & bit:
                        self._hits.setdefault(bit, []).append(i)
                i = _index(bares, word, i + 1)
        for found in self._hits.values():
            found.sort()

    def hits(self, bit: int) -> list[int]:
        """Indices of the words in the lexicon ``bit`` stands for, in order."""
        return self._hits.get(bit, [])

    def hit_between(self, bit: int, first: int, last: int) -> bool:
        """Whether a word of lexicon ``bit`` stands at an index in [first, last]."""
        found = self._hits.get(bit)
        if not found:
            return False
        k = bisect_right(found, last)
        return bool(k) and found[k - 1] >= first


class Cues:
    """Phrases ("grew up in", "work for") that make the word right after them count.

    A cue stands before word ``i`` when its words are the words just before it, written
    in any case, one space apart, and only spaces or tabs lie between the cue and the word.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self.by_last: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            parts = tuple(phrase.lower().split(" "))
            self.by_last.setdefault(parts[-1], []).append(parts)

    def before(self, text: str, w: Words, i: int) -> bool:
        if not i or w.bares[i - 1] not in self.by_last:
            return False
        toks = w.tokens
        gap = text[toks[i - 1][1] : toks[i][0]]
        if not gap or gap.strip(" \t") or toks[i - 1][2].endswith("."):
            return False
        return any(self._ends_at(text, w, i - 1, parts) for parts in self.by_last[w.bares[i - 1]])

    @staticmethod
    def _ends_at(text: str, w: Words, last: int, parts: tuple[str, ...]) -> bool:
        first = last - len(parts) + 1
        if first < 0:
            return False
        toks = w.tokens
        for k in range(first, last):
            if w.bares[k] != parts[k - first] or toks[k][2].endswith("."):
                return False
            if text[toks[k][1] : toks[k + 1][0]] != " ":
                return False
        start = toks[first][0]
        return not start or not (text[start - 1].isalnum() or text[start - 1] in "_'")


def _index(items: tuple[str, ...], item: str, start: int) -> int:
    try:
        return items.index(item, start)
    except ValueError:
        return -1


@lru_cache(maxsize=8)
def words(text: str) -> Words:
    return Words(text, lexicon())
