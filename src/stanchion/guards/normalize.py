"""Undo the cheap disguises before matching: confusables, zero-width characters, spacing, base64.

Detectors match on a normalised copy of the text and report spans in the *original* text,
so every normalised character keeps the index of the character it came from::

    view = normalize("pаypal\u200b")   # Cyrillic 'а', zero-width space
    view.text == "paypal"; view.span(0, 6) == (0, 6)
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad")

# The Latin look-alikes that NFKC leaves alone (Cyrillic and Greek letters are distinct
# code points, not compatibility forms), limited to the ones seen in spoofing. A Cyrillic
# letter folds in both cases to the same Latin letter (upper and lower case), so lower-casing
# after folding gives one spelling: "Какой" and "какой" both become "kakoй" (with only "К"
# folded, a sentence-initial word and the same word mid-sentence differed).
CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D",
        "Һ": "H", "Ӏ": "l", "Ԛ": "Q", "Ԝ": "W",
        "α": "a", "ο": "o", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "ρ": "p",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip


_SPECIAL = re.compile("[" + "".join(ZERO_WIDTH) + "".join(chr(k) for k in CONFUSABLES) + "]")


@dataclass(frozen=True, slots=True)
class TextView:
    """A normalised copy of a text with the original index of each of its characters."""

    original: str
    text: str
    offsets: Sequence[int] | None  # None: identical to the original; a range: same indices

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to the original text."""
        if self.offsets is None:
            return start, end
        if start >= len(self.offsets):
            return len(self.original), len(self.original)
        last = self.offsets[max(start, end - 1)] + 1 if end > start else self.offsets[start]
        return self.offsets[start], last


def _fold(char: str) -> str:
    """What one non-ASCII character becomes: nothing, or its NFKC form with confusables folded."""
    if char in ZERO_WIDTH:
        return ""
    return unicodedata.normalize("NFKC", char).translate(CONFUSABLES)


@dataclass(frozen=True, slots=True)
class _Folds:
    """Every character that folds to something else, with what it becomes, worked out once
    for all of Unicode (about 5,000 characters; ~50 ms): a text then needs one C-speed pass to
    find the few it holds, instead of folding each of its distinct characters."""

    changed: dict[str, str]
    keys: frozenset[str]
    uneven: frozenset[str]  # folded to none or several characters
    chained: bool  # a folded form holds a character that folds again: one pass, not several


@lru_cache(maxsize=1)
def folds() -> _Folds:
    """The fold table (built on first use; the guard engine builds it at start-up)."""
    candidates = ZERO_WIDTH | {chr(code) for code in CONFUSABLES}
    candidates |= {
        char
        for char in map(chr, range(0x80, 0x110000))
        if not unicodedata.is_normalized("NFKC", char)
    }
    changed = {char: _fold(char) for char in sorted(candidates)}
    changed = {char: folded for char, folded in changed.items() if folded != char}
    uneven = frozenset(char for char, folded in changed.items() if len(folded) != 1)
    chained = not changed.keys().isdisjoint("".join(changed.values()))
    return _Folds(changed, frozenset(changed), uneven, chained)


@lru_cache(maxsize=16)
def lowered(text: str) -> str:
    """``text.lower()``, once per text for every guard that reads it lower-cased (a 2 KB
    text with one character outside Latin-1 costs ~50,000 instructions to lower-case, and
    the injection, PII and secrets guards each did it).

    One character for one: the guards map a match's indices in the lowered text back to the
    text. ``str.lower`` makes two of one character, "İ" (U+0130: "i" and a combining dot),
    which shifted every index after it (a secret or a name redacted at the wrong place, or
    an index past the end and a 500); it becomes a plain "i" here.

    >>> lowered("İSTANBUL, İzmir") == "istanbul, izmir"
    True
    """
    low = text.lower()
    return low if len(low) == len(text) else text.replace("İ", "i").lower()


@lru_cache(maxsize=16)
def distinct_chunks(text: str) -> frozenset[str]:
    """The text's distinct white-space-delimited chunks, once per text: the injection guard's
    needle index and the PII guard's word sets both start from them (``lowered`` text)."""
    return frozenset(text.split())


@lru_cache(maxsize=16)
def ascii_bytes(text: str) -> bytes:
    """The text as bytes, one per character: ASCII as is, any other character as "?".

    An ASCII needle is in the text exactly where it is in these bytes, and a run of ASCII
    characters stands at the same offsets; ``bytes`` searches and translations run at C speed
    whatever the text's width (a 2 KB text with one character past Latin-1 is stored two
    bytes a character, and the regex engine costs 100-250 instructions a position on it)."""
    return text.encode("ascii", "replace")


@lru_cache(maxsize=64)
def normalize(text: str) -> TextView:
    """NFKC, confusables folded to Latin, zero-width characters dropped (cached per text).

    Character by character: the text's characters that fold to something else are found in
    one pass and each is replaced in one ``str.replace``. When each becomes exactly one
    character (Cyrillic or Greek words, say), every index stays where it was; otherwise only
    the characters that become none or several (a zero-width space, Thai's sara am) move the
    indices after them.
    """
    if text.isascii() or (unicodedata.is_normalized("NFKC", text) and not _SPECIAL.search(text)):
        return TextView(text, text, None)
    table = folds()
    present = _present(text, table.keys)
    if not present:
        return TextView(text, text, None)
    if table.chained:
        out = text.translate({ord(char): table.changed[char] for char in present})
    else:
        out = text
        for char in present:
            out = out.replace(char, table.changed[char])
    uneven = table.uneven.intersection(present)
    if not uneven:
        return TextView(text, out, range(len(text)))
    return TextView(text, out, _offsets(text, {char: table.changed[char] for char in uneven}))


_CHUNK_KEYS: dict[str, frozenset[str]] = {}
CACHE_LIMIT = 50_000


def _present(text: str, keys: frozenset[str]) -> AbstractSet[str]:
    """``keys.intersection(text)``; in a text of mostly other characters than ASCII, a
    space-delimited chunk at a time, each chunk's keys remembered across texts: iterating the
    text makes a string of each character outside Latin-1 (~100 us for 2 KB of Cyrillic),
    and words repeat. A space is no key."""
    foreign = ascii_bytes(text).count(b"?") - text.count("?")
    if foreign * 4 < len(text):
        return keys.intersection(text)
    cache = _CHUNK_KEYS
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    present: set[str] = set()
    for chunk in set(text.split(" ")):
        found = cache.get(chunk)
        if found is None:
            found = cache[chunk] = keys.intersection(chunk)
        if found:
            present |= found
    return present


def every_index(lower: str, needles: Iterable[str]) -> list[int]:
    """Every index of each needle (``str.find`` in C: far cheaper than a pattern over 2 KB)."""
    found = []
    for needle in needles:
        index = lower.find(needle)
        while index >= 0:
            found.append(index)
            index = lower.find(needle, index + 1)
    return found


def _offsets(text: str, uneven: dict[str, str]) -> tuple[int, ...]:
    """The original index of each folded character, where the ``uneven`` characters fold to
    none or several."""
    offsets: list[int] = []
    cursor = 0
    for index in sorted(every_index(text, uneven)):
        offsets.extend(range(cursor, index))
        offsets.extend([index] * len(uneven[text[index]]))
        cursor = index + 1
    offsets.extend(range(cursor, len(text)))
    return tuple(offsets)


_SPACED = re.compile(r"\b(?:\w[ _.\-]){3,}\w\b")
# Every spaced-out run holds two one-letter tokens between separators; this starts with a
# character class, so the engine skips ahead, and it rules out most texts in a third of the time.
_SPACED_GATE = re.compile(r"[ _.\-]\w[ _.\-]\w[ _.\-]")
_SEPARATORS = re.compile(r"[ _.\-]")
_B64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")


# ``_SPACED_GATE`` read in ``ascii_bytes``: a separator but "_" is "s", an ASCII letter or
# digit or any other character ("?": it may be a word character) is "w", the rest "x"; a gate
# match is then an "swsws" (with "_", which is both, the gate itself is tried).
_ALNUM = bytes(c for c in range(128) if chr(c).isalnum())
_SPACED_CLASSES = bytes.maketrans(
    bytes(range(256)),
    bytes(
        ord("s") if c in b" .-" else ord("w") if c in _ALNUM or c == ord("?") else ord("x")
        for c in range(256)
    ),
)


def collapse_spacing(text: str) -> str:
    """Join letters written one by one ("i g n o r e" -> "ignore")."""
    # Every run holds a match of the gate; the gate is looked for with one translation and
    # one search instead of being tried at every position of the text.
    raw = ascii_bytes(text)
    if raw.find(b"_") < 0 and raw.translate(_SPACED_CLASSES).find(b"swsws") < 0:
        return text
    if _SPACED_GATE.search(text) is None:
        return text
    return _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), text)


# ``_B64``'s characters as "a", "=" as itself, any other character as " ", in ``ascii_bytes``.
_B64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64_CLASSES = bytes.maketrans(
    bytes(range(256)),
    bytes(ord("a") if c in _B64_CHARS else c if c == ord("=") else ord(" ") for c in range(256)),
)
_B64_RUN = b"a" * 16


def decoded_segments(text: str) -> list[tuple[int, int, str]]:
    """Base64 runs in the text that decode to readable text: (start, end, decoded)."""
    found: list[tuple[int, int, str]] = []
    # A match starts a run of 16 or more of the pattern's characters (its look-behind fails
    # inside one); the runs are found in the text's classes, at the offsets of the text, and
    # the pattern, which starts with a look-behind, is tried only at their starts.
    classes = ascii_bytes(text).translate(_B64_CLASSES)
    start = classes.find(_B64_RUN)
    while start >= 0:
        segment = _decoded(text, start)
        if segment is not None:
            found.append(segment)
        start = classes.find(_B64_RUN, _run_end(classes, start))
    return found


def _run_end(classes: bytes, start: int) -> int:
    ends = [k for k in (classes.find(b" ", start), classes.find(b"=", start)) if k >= 0]
    return min(ends, default=len(classes))


def _decoded(text: str, start: int) -> tuple[int, int, str] | None:
    """The pattern's match at ``start`` when it decodes to readable text."""
    match = _B64.match(text, start)
    if match is None:
        return None
    token = match.group(0)
    if token.isalpha() or token.isdigit():
        return None
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        decoded = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    printable = sum(c.isprintable() or c.isspace() for c in decoded)
    if decoded and printable / len(decoded) > 0.95 and " " in decoded:
        return match.start(), match.end(), decoded
    return None


_LOWER = "abcdefghijklmnopqrstuvwxyz"
# Words every attack of the kind writes (and "the", "and", "you"), as each Caesar shift writes
# them: ROT13 ("vtaber", "gur") and the shift of 3 ("ljqruh", "wkh") are the common ones.
_MARKERS = (
    "the",
    "and",
    "you",
    "your",
    "ignore",
    "previous",
    "instructions",
    "password",
    "prompt",
    "system",
    "secret",
    "say",
)


def _shift(word: str, k: int) -> str:
    return "".join(_LOWER[(_LOWER.index(c) + k) % 26] for c in word)


_SHIFTED: dict[str, tuple[int, str]] = {
    _shift(word, k): (k, word) for k in range(1, 26) for word in _MARKERS
}
_SHIFTED_WORDS = frozenset(_SHIFTED)
_UNSHIFT = {
    k: str.maketrans(
        _LOWER + _LOWER.upper(),
        _LOWER[-k:] + _LOWER[:-k] + (_LOWER[-k:] + _LOWER[:-k]).upper(),
    )
    for k in range(1, 26)
}


def caesar_view(text: str) -> str | None:
    """The text with a Caesar shift undone (ROT13 or any other), when it reads like one: two
    different common words written with the same shift ("Lpsruh suhylrxv lqvwuxfwlrqv")."""
    # The text's distinct words are cut once for the injection guard's needles; two sets
    # meet at C speed (the split and a look-up per word cost ~0.1 M instructions a scan).
    if _SHIFTED_WORDS.isdisjoint(distinct_chunks(lowered(text))):
        return None
    found: dict[int, set[str]] = {}
    for word in lowered(text).split():
        hit = _SHIFTED.get(word)
        if hit is not None:
            found.setdefault(hit[0], set()).add(hit[1])
    best = max(found, key=lambda k: len(found[k]))
    return text.translate(_UNSHIFT[best]) if len(found[best]) >= 2 else None


# Eight or more: a flag emoji spells its region in tag letters ("gbsct"), never a sentence.
_TAGS = re.compile("[\U000e0020-\U000e007e]{8,}")


def tag_smuggled(text: str) -> str | None:
    """Text hidden in Unicode tag characters (U+E0020..E007E mirror ASCII and render as
    nothing): what a reader never sees but a model reads."""
    # Tag characters lie past U+FFFF, which UTF-16 writes as two units: a text without one
    # is told apart by one encoding in C (the pattern cost ~0.2 M instructions over 2 KB of
    # text stored two bytes a character).
    if text.isascii() or len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return None
    runs = [m.group() for m in _TAGS.finditer(text)]
    if not runs:
        return None
    return "\n".join("".join(chr(ord(c) - 0xE0000) for c in run) for run in runs)
