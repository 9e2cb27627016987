"""Which of a few hundred literal needles occur in a text, without one substring search each.

The injection guard runs a signal's pattern only when one of its needles (literals every
match contains) is in the text. Testing ``needle in text`` for each of ~290 needles costs
about a microsecond apiece over 2 KB. This index answers the same question exactly from the
text's words: a needle's longest run without white space (its *key*) can only occur inside one
white-space-delimited word of the text, so the text is split once, and each distinct word's
set of keys (a bit mask) is remembered across texts. A word not seen before is read at C
speed: its characters, pairs and triples of characters are intersected with the keys (of
one and two characters) and the keys' first triples, and only the keys that start with a
triple the word holds are looked for in it. A needle
that is its key (``"ignore"``, ``"###"``) is present exactly when its bit is set; any other
(``"you are "``) is looked for with ``in``, and only when its key is present::

    index = NeedleIndex(["ignore", "you are ", "###"])
    seen = index.scan("Ignored? You are.".lower())
    seen.any(index.group(["ignore"]))   # True ("ignored" holds "ignore", as ``in`` says)

Where the ``hyperscan`` package is installed (its wheels are built for Linux on x86-64; a
dependency there), all keys are found in one pass of its compiled automaton over the text's
UTF-8 bytes instead: the same mask (a key holds no white space, so wherever it occurs in
the text it lies inside one word; and a valid UTF-8 sequence matches in UTF-8 bytes exactly
where the string holds it), at about a tenth of the cost on a text of new words (18 against
236 µs on 2 KB) and a fifth on one of words seen before (103 µs): the words' cache is
per-character Python work on every word not seen before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from itertools import filterfalse, repeat, starmap
from operator import add, or_
from typing import Any

from stanchion.guards.normalize import distinct_chunks

try:
    import hyperscan
except ImportError:  # no wheel for this platform: the index reads the words itself
    hyperscan = None  # type: ignore[assignment]

__all__ = ["CACHE_LIMIT", "Automaton", "Group", "NeedleIndex", "Present", "hyperscan"]

CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Group:
    """A signal's needles: the keys that decide alone (one mask), the others with their key."""

    needles: tuple[str, ...]
    pure: int
    checked: tuple[tuple[str, int], ...]  # (needle, key bit; 0 when it is all white space)
    # The checked needles' bits: a text holding none of their keys holds none of them (a
    # signal of other languages has ~50 two-word needles, each a call to test one by one).
    keys: int = -1
    # The checked needles by their key's bit, so that only the needles
    # whose key the text holds are tested (the harm lexicon has a hundred, most never there).
    by_bit: dict[int, tuple[str, ...]] | None = None


class Present:
    """The needles of one text: a bit mask of keys, and the ``in`` tests done so far."""

    __slots__ = ("_found", "keys", "mask", "text")

    def __init__(self, text: str, mask: int, keys: list[int] | None = None) -> None:
        self.text = text
        self.mask = mask
        # The numbers of the keys found (bit ``1 << k`` of the mask each), when the automaton
        # found them: a caller maps them to what they gate without testing the mask bit by bit.
        self.keys = keys
        self._found: dict[str, bool] = {}

    def has(self, needle: str, bit: int) -> bool:
        if bit and not self.mask & bit:
            return False
        known = self._found.get(needle)
        if known is None:
            known = self._found[needle] = needle in self.text
        return known

    def any(self, group: Group) -> bool:
        """Whether ``any(needle in text for needle in group)``."""
        if self.mask & group.pure:
            return True
        if not self.mask & group.keys:
            return False
        # ``has`` mapped in C rather than called from a generator (a frame per call); ``any``
        # stops at the first needle found, as before.
        if group.by_bit is None:
            return any(starmap(self.has, group.checked))
        found = self.mask & group.keys
        while found:
            bit = found & -found
            if any(map(self.has, group.by_bit[bit], repeat(bit))):
                return True
            found ^= bit
        return False


class NeedleIndex:
    """Keys of all needles, numbered; each word seen maps to the keys it contains."""

    def __init__(self, needles: Iterable[str]) -> None:
        self._bits: dict[str, int] = {}
        for needle in needles:
            key = _key(needle)
            if key is not None:
                self._bits.setdefault(key, 1 << len(self._bits))
        # Keys of one character are the word's characters, of two its pairs of characters;
        # longer ones start with one of its triples (a pair starts a few dozen keys, a triple
        # a few: each is then looked for in the word).
        self._single = {key: bit for key, bit in self._bits.items() if len(key) == 1}
        self._double = {key: bit for key, bit in self._bits.items() if len(key) == 2}
        self._by_triple: dict[str, list[tuple[str, int]]] = {}
        for key, bit in self._bits.items():
            if len(key) > 2:
                self._by_triple.setdefault(key[:3], []).append((key, bit))
        self._singles = frozenset(self._single)
        self._doubles = frozenset(self._double)
        self._triples = frozenset(self._by_triple)
        # Each word seen, with the number of its set of keys: words hold a few hundred sets,
        # and a text's set of small numbers is built at C speed (a set of the masks themselves
        # hashed an integer of ~1,500 bits per word: ~180k instructions a 2 KB text).
        self._words: dict[str, int] = {}
        self._masks: list[int] = []
        self._numbers: dict[int, int] = {}
        self._automaton = Automaton(self._bits) if hyperscan is not None and self._bits else None

    @property
    def size(self) -> int:
        """How many keys there are (their numbers run from 0)."""
        return len(self._bits)

    def bit(self, needle: str) -> int:
        """The bit of a needle's key in :attr:`Present.mask` (0: all white space, no key)."""
        key = _key(needle)
        return 0 if key is None else self._bits[key]

    def group(self, needles: Iterable[str]) -> Group:
        """Compile a signal's needles (each must have been given to the constructor)."""
        pure, checked = 0, []
        needles = tuple(needles)
        for needle in needles:
            key = _key(needle)
            bit = 0 if key is None else self._bits[key]
            if key == needle:
                pure |= bit
            else:
                checked.append((needle, bit))
        keys = 0
        by_bit: dict[int, list[str]] = {}
        for needle, bit in checked:
            keys |= bit or -1
            by_bit.setdefault(bit, []).append(needle)
        # Few needles are cheaper tested in turn than found bit by bit (and a needle of white
        # space alone has no bit to be found by).
        grouped = {bit: tuple(found) for bit, found in by_bit.items()}
        if len(checked) <= 8 or 0 in grouped:
            return Group(needles, pure, tuple(checked), keys)
        return Group(needles, pure, tuple(checked), keys, grouped)

    def scan(self, text: str) -> Present:
        if self._automaton is not None:
            keys = self._automaton.keys(text)
            return Present(text, self._automaton.mask_of(keys), keys)
        return self.scan_words(text)

    def scan_words(self, text: str) -> Present:
        """:meth:`scan` from the text's words (without ``hyperscan``, and its reference)."""
        words, masks, numbers = self._words, self._masks, self._numbers
        if len(words) > CACHE_LIMIT:
            words.clear()
            masks.clear()
            numbers.clear()
        chunks = distinct_chunks(text)
        for word in list(filterfalse(words.__contains__, chunks)):
            mask = self._word_bits(word)
            number = numbers.get(mask)
            if number is None:
                number = numbers[mask] = len(masks)
                masks.append(mask)
            words[word] = number
        # The chunks' masks are a few distinct values (most chunks hold no key): OR-ing those
        # alone, in C, spares a Python loop of a few hundred big-integer ORs.
        found = set(map(words.__getitem__, chunks))
        return Present(text, reduce(or_, map(masks.__getitem__, found), 0))

    def _word_bits(self, word: str) -> int:
        """The keys found in one word: its characters, its pairs, and the keys that start
        with its triples."""
        mask = 0
        for char in self._singles.intersection(word):
            mask |= self._single[char]
        if len(word) < 2:
            return mask
        pairs = list(map(add, word, word[1:]))
        for pair in self._doubles.intersection(pairs):
            mask |= self._double[pair]
        for triple in self._triples.intersection(map(add, pairs, word[2:])):
            for key, bit in self._by_triple[triple]:
                if key in word:
                    mask |= bit
        return mask


class Automaton:
    """All keys in one ``hyperscan`` database of literals, each reported once per text.
    Scratch space is per thread (a scan may not share it), made on a thread's first scan."""

    def __init__(self, bits: dict[str, int]) -> None:
        keys = list(bits)
        self._bits = [bits[key] for key in keys]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=[key.encode() for key in keys],
            ids=list(range(len(keys))),
            elements=len(keys),
            flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(keys),
            literal=True,
        )
        self._local = threading.local()

    def mask(self, text: str) -> int:
        return self.mask_of(self.keys(text))

    def mask_of(self, keys: list[int]) -> int:
        return reduce(or_, map(self._bits.__getitem__, keys), 0)

    def keys(self, text: str) -> list[int]:
        """The numbers of the keys in ``text`` (their order in ``bits``), each once."""
        return reported(self._db, self._local, text)


def reported(db: Any, local: threading.local, text: str) -> list[int]:
    """The ids hyperscan's ``db`` reports in ``text`` (each once: its patterns match once),
    with the scratch space of the calling thread, kept in ``local``."""
    scratch = getattr(local, "scratch", None)
    if scratch is None:
        scratch = local.scratch = hyperscan.Scratch(db)
    found: list[int] = []
    # surrogatepass: a lone surrogate (JSON allows one) is bytes no valid key matches
    db.scan(
        text.encode("utf-8", "surrogatepass"),
        match_event_handler=_collect,
        context=found,
        scratch=scratch,
    )
    return found


def _collect(key: int, _start: int, _end: int, _flags: int, found: object) -> None:
    found.append(key)  # type: ignore[attr-defined]  # the list given as the scan's context


def _key(needle: str) -> str | None:
    """A needle's longest run without white space: every occurrence lies inside one word."""
    runs = needle.split()
    return max(runs, key=len) if runs else None
