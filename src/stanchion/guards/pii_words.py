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
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import accumulate, chain, compress, count, filterfalse
from operator import itemgetter

from stanchion.guards.normalize import distinct_chunks, every_index, lowered
from stanchion.guards.pii_lexicon import NRP, ORG_TAIL, PLACE_LOWER, TITLE, lexicon

Token = tuple[int, int, str]  # start, end, the word (a trailing period kept)

_CORE = r"[^\W\d_](?:[\w'’&-]*[^\W_])?"
# Everything up to a word (nothing there can start one), the word, its trailing period.
# The text is read with ``_SENTINEL`` after it, a word that is then dropped: without a word
# to end on, a run of characters that starts none ("$1,000.00" pasted 300 times) made
# ``findall`` try the run from each of its characters to the end, quadratic in its length.
_PIECES = re.compile(rf"([\W\d_]*)({_CORE})(\.?)")
_SENTINEL = " a"
_FIRST = itemgetter(0)


class Words:
    """``tokens``, their lower-cased ``bares`` (no trailing period), the indices of the
    ``capitalised`` ones, and per lexicon bit the indices of the words carrying it."""

    __slots__ = ("_hits", "bares", "capitalised", "tokens")

    def __init__(self, text: str, lexicon: dict[str, int], offset: int = 0) -> None:
        pieces = _PIECES.findall(text + _SENTINEL)
        pieces.pop()
        self._hits: dict[int, list[int]] = {}
        if not pieces:
            self.tokens: tuple[Token, ...] = ()
            self.bares: tuple[str, ...] = ()
            self.capitalised: tuple[int, ...] = ()
            return
        _, cores, dots = zip(*pieces, strict=True)
        ends = list(accumulate(map(len, chain.from_iterable(pieces)), initial=offset))
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


WORD = re.compile(_CORE)
# Characters a word runs through ("o'neil", "rock-and-roll"): a listed word is a word of its
# own only where no letter of this run comes before it and no letter or digit after it.
_RUN = frozenset("'’&-_")
_NOT_LETTERS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalpha()})
_MARGIN = 120  # characters of context a window keeps on each side of a listed word


class Listed:
    """The listed words of a text, without cutting it into words with offsets (the costly
    part of ``Words``): one pass over the lower-cased text and one set intersection.

    Recognisers that look only around listed words (groups, titles) read the text next to
    each occurrence, and cut a window of it into words only where they need more::

        [(s, word) for s, word in listed("Sam, a Norwegian.").at(NRP)]  # [(7, 'norwegian')]
    """

    __slots__ = ("_found", "_text", "lower", "words")

    def __init__(self, text: str, lexicon: dict[str, int]) -> None:
        self._text = text
        self.lower = lower = lowered(text)
        # ASCII text is cut at every character but a letter (``letter_runs``), other text by
        # the word pattern (``word_set``), both a white-space chunk at a time: ASCII gives a
        # few more pieces than words ("un-american" gives "american"), and ``at`` keeps only
        # whole words.
        words = letter_runs(lower) if lower.isascii() else word_set(lower)
        self.words = words
        found = lexicon.keys() & words
        found.update(w for w in _glued() if w in lexicon and words.issuperset(_letter_runs(w)))
        self._found = {word: lexicon[word] for word in found}

    def phrase_at(self, phrase: str, alone: bool = False) -> list[int]:
        """Where ``phrase`` (lower case, words one space apart) may stand: every index of
        it in the lower-cased text, when each of its words is a word of the text; with
        ``alone``, only where it is not part of a longer word."""
        if not (
            self.words.issuperset(_letter_runs(phrase)) or self.words.issuperset(phrase.split(" "))
        ):
            return []
        found, lower = [], self.lower
        index = lower.find(phrase)
        while index >= 0:
            if not alone or _stands_alone(lower, index, index + len(phrase)):
                found.append(index)
            index = lower.find(phrase, index + 1)
        return found

    def has(self, bit: int) -> list[str]:
        """The words of lexicon ``bit`` the text holds."""
        return [word for word, bits in self._found.items() if bits & bit]

    def at(self, bit: int) -> list[tuple[int, str]]:
        """(start, lower-cased word) of each word of lexicon ``bit``, in text order."""
        if not any(bits & bit for bits in self._found.values()):
            return []
        text, lower = self._text, self.lower
        if len(lower) != len(text):  # lower-casing moved the offsets: cut the whole text
            w = words(text)
            return [(w.tokens[i][0], w.bares[i]) for i in w.hits(bit)]
        found: list[tuple[int, str]] = []
        for word, bits in self._found.items():
            if bits & bit:
                index = lower.find(word)
                while index >= 0:
                    if _stands_alone(lower, index, index + len(word)):
                        found.append((index, word))
                    index = lower.find(word, index + 1)
        return sorted(found)


CACHE_LIMIT = 50_000
_WORDS_OF: dict[str, tuple[str, ...]] = {}  # chunk -> its words (``WORD.findall``)
_RUNS_OF: dict[str, tuple[str, ...]] = {}  # chunk -> its letter runs (ASCII)


def word_set(text: str) -> set[str]:
    """``set(WORD.findall(text))`` from the text's white-space-delimited chunks, without
    running the pattern over the whole text (~35 instructions a character).

    No word holds white space and the pattern looks at nothing outside its match, so the
    words of a text are those of its chunks, each cut alone; a chunk of letters only is one
    word (it starts and ends with a letter, and every letter is a word character); the words
    of the others ("word,", "(o'neil)", "2024-05") are remembered across texts."""
    return _from_chunks(text, WORD.findall, _WORDS_OF)


def letter_runs(text: str) -> set[str]:
    """``set(text.translate(_NOT_LETTERS).split())`` for ASCII text, from its chunks as
    ``word_set`` (white space is cut there too, and a chunk of letters is one run)."""
    return _from_chunks(text, lambda chunk: chunk.translate(_NOT_LETTERS).split(), _RUNS_OF)


def _from_chunks(
    text: str, cut: Callable[[str], list[str]], cache: dict[str, tuple[str, ...]]
) -> set[str]:
    chunks = distinct_chunks(text)
    found = set(filter(str.isalpha, chunks))
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    others = chunks.difference(found)
    for chunk in list(filterfalse(cache.__contains__, others)):
        cache[chunk] = tuple(cut(chunk))
    # Filters, look-ups and the union run in C: a Python loop over a few hundred chunks
    # cost as much as cutting the new ones.
    found.update(chain.from_iterable(map(cache.__getitem__, others)))
    return found


@lru_cache(maxsize=1)
def _glued() -> tuple[str, ...]:
    """Listed words with a character other than a letter that can still be one word
    ("guinea-bissau"; never "u.s.a": the word pass cuts it at its periods)."""
    return tuple(w for w in lexicon() if not w.isalpha() and WORD.fullmatch(w))


@lru_cache(maxsize=4096)
def _letter_runs(phrase: str) -> tuple[str, ...]:
    """A phrase cut as ``Listed`` cuts ASCII text (remembered: the phrases are a few lists)."""
    return tuple(phrase.translate(_NOT_LETTERS).split())


def _stands_alone(lower: str, start: int, end: int) -> bool:
    """Whether lower[start:end] is one whole word as ``Words`` cuts them."""
    # ``_in_run`` written out: most words stand between spaces, and this runs for each
    # listed word of a text.
    k = start - 1
    while k >= 0:
        char = lower[k]
        if not (char.isalnum() or char in _RUN):
            break
        if char.isalpha():
            return False
        k -= 1
    k, size = end, len(lower)
    while k < size:
        char = lower[k]
        if char.isalnum():
            return False
        if char not in _RUN:
            break
        k += 1
    return True


def window(text: str, start: int, length: int, margin: int = _MARGIN) -> tuple[Words, int]:
    """The words of the text around ``start``, from a space to a space (where no word can
    run across, so they are cut as in the whole text), and the index of the one at ``start``
    (without lexicon hits: who asks for a window reads the words themselves)."""
    lo, hi = window_bounds(text, start, length, margin)
    w = Words(text[lo:hi], {}, lo)
    return w, [tok[0] for tok in w.tokens].index(start)


def window_bounds(text: str, start: int, length: int, margin: int = _MARGIN) -> tuple[int, int]:
    """Where ``window`` cuts the text: what it reads is ``text[lo:hi]``."""
    lo = start - margin
    lo = 0 if lo <= 0 else _space_before(text, lo)
    return lo, _space_after(text, start + length + margin)


def _space_before(text: str, index: int) -> int:
    for k in range(index, -1, -1):
        if text[k].isspace():
            return k
    return 0


def _space_after(text: str, index: int) -> int:
    for k in range(index, len(text)):
        if text[k].isspace():
            return k
    return len(text)


def word_chain(text: str, start: int, most: int) -> list[Token]:
    """The words from ``start`` (a word's start) on, while one space stands between them,
    at most ``most``: the words a name of a few words is made of, cut as ``Words`` cuts."""
    toks: list[Token] = []
    k = start
    while len(toks) < most:
        m = WORD.match(text, k)
        if m is None:
            break
        end = m.end() + text.startswith(".", m.end())
        toks.append((k, end, text[k:end]))
        if not (text.startswith(" ", end) and end + 1 < len(text) and text[end + 1].isalpha()):
            break
        k = end + 1
    return toks


def chain_reach(text: str, end: int) -> int:
    """Where what ``word_chain`` read ends (exclusive), for a chain whose last word ends at
    ``end``: the pattern read up to the first character after the word's core that is no
    word character (only those of ``_RUN`` but letters and digits can stand between, or the
    word's period), and the chain looked at ``end`` and ``end + 1`` (a space, a letter)."""
    stop, size = end, len(text)
    while stop < size and text[stop] in _RUN:
        stop += 1
    return max(stop + 1, end + 2)


def word_end(text: str, start: int, bare: str) -> int:
    """Where the word ``bare`` at ``start`` ends as a token (its trailing period kept)."""
    end = start + len(bare)
    return end + 1 if text.startswith(".", end) else end


def _in_run(char: str) -> bool:
    return char.isalnum() or char in _RUN


def word_before(text: str, start: int) -> str | None:
    """The word before ``start`` (a token start), lower-cased, without its period: the
    first letter of the last run of word characters that holds one, to its last letter
    or digit."""
    k = start - 1
    while k >= 0:
        while k >= 0 and not _in_run(text[k]):
            k -= 1
        end = k + 1
        while k >= 0 and _in_run(text[k]):
            k -= 1
        run = text[k + 1 : end]
        for j, char in enumerate(run):
            if char.isalpha():
                return run[j:].rstrip("'’&-_").lower()
    return None


def next_word_start(text: str, end: int, within: int) -> int:
    """Where the next word starts if it starts within ``within`` characters of ``end``
    (a token end), else -1: the first letter after it, nothing before that being a letter."""
    for k in range(end, min(end + within + 1, len(text))):
        if text[k].isalpha():
            return k
    return -1


@lru_cache(maxsize=8)
def listed(text: str) -> Listed:
    return Listed(text, lexicon())


def cue_matches(
    pattern: re.Pattern[str], text: str, lower: str, cues: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a case-insensitive pattern whose every match starts with
    one of ``cues`` (lower case, ASCII): tried only where ``lower`` holds one, not at every
    position (a leading ``\\b`` makes the engine try them all). Where lower-casing moves the
    offsets, or the text holds a character the pattern takes for an "s" or an "i" ("ſ", "ı",
    "İ"), the plain scan."""
    if len(lower) != len(text) or any(char in text for char in "\u017f\u0131\u0130"):
        yield from pattern.finditer(text)
        return
    yield from matches_at(pattern, text, sorted(every_index(lower, cues)))


def matches_at(
    pattern: re.Pattern[str], text: str, starts: Iterable[int]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` when every match starts at one of ``starts`` (in order):
    the pattern is tried there, skipping the starts inside the last match."""
    cursor = 0
    for start in starts:
        if start < cursor:
            continue
        m = pattern.match(text, start)
        if m is not None:
            cursor = m.end()
            yield m
