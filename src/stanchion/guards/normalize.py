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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad")

# The Latin look-alikes that NFKC leaves alone (Cyrillic and Greek letters are distinct
# code points, not compatibility forms), limited to the ones seen in spoofing.
CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
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


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """What one non-ASCII character becomes: nothing, or its NFKC form with confusables folded."""
    if char in ZERO_WIDTH:
        return ""
    return unicodedata.normalize("NFKC", char).translate(CONFUSABLES)


@lru_cache(maxsize=64)
def normalize(text: str) -> TextView:
    """NFKC, confusables folded to Latin, zero-width characters dropped (cached per text).

    Character by character. When each character of the text becomes exactly one character
    (Cyrillic or Greek words, say), every index stays where it was: each distinct character is
    replaced in one ``str.replace``. Otherwise ASCII stretches are copied whole and only the
    other characters are folded one at a time (each character's fold is remembered).
    """
    if text.isascii() or (unicodedata.is_normalized("NFKC", text) and not _SPECIAL.search(text)):
        return TextView(text, text, None)
    folds = {char: _fold(char) for char in set(text) if char > "\x7f"}
    changed = {char: folded for char, folded in folds.items() if folded != char}
    if all(len(folded) == 1 for folded in changed.values()) and changed.keys().isdisjoint(
        changed.values()
    ):
        out = text
        for char, folded in changed.items():
            out = out.replace(char, folded)
        return TextView(text, out, range(len(text)))
    return _fold_each(text)


def _fold_each(text: str) -> TextView:
    chars: list[str] = []
    offsets: list[int] = []
    cursor = 0
    for match in _NON_ASCII.finditer(text):
        index = match.start()
        if index > cursor:
            chars.append(text[cursor:index])
            offsets.extend(range(cursor, index))
        folded = _fold(match.group())
        chars.append(folded)
        offsets.extend([index] * len(folded))
        cursor = index + 1
    chars.append(text[cursor:])
    offsets.extend(range(cursor, len(text)))
    return TextView(text, "".join(chars), tuple(offsets))


_SPACED = re.compile(r"\b(?:\w[ _.\-]){3,}\w\b")
# Every spaced-out run holds two one-letter tokens between separators; this starts with a
# character class, so the engine skips ahead, and it rules out most texts in a third of the time.
_SPACED_GATE = re.compile(r"[ _.\-]\w[ _.\-]\w[ _.\-]")
_SEPARATORS = re.compile(r"[ _.\-]")
_B64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")


def collapse_spacing(text: str) -> str:
    """Join letters written one by one ("i g n o r e" -> "ignore")."""
    if _SPACED_GATE.search(text) is None:
        return text
    return _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), text)


def decoded_segments(text: str) -> list[tuple[int, int, str]]:
    """Base64 runs in the text that decode to readable text: (start, end, decoded)."""
    found: list[tuple[int, int, str]] = []
    if max(map(len, text.split()), default=0) < 16:  # a run has no spaces: cheap to rule out
        return found
    for match in _B64.finditer(text):
        token = match.group(0)
        if token.isalpha() or token.isdigit():
            continue
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        printable = sum(c.isprintable() or c.isspace() for c in decoded)
        if decoded and printable / len(decoded) > 0.95 and " " in decoded:
            found.append((match.start(), match.end(), decoded))
    return found


_ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZabcdefghijklm",
)
# Common words as ROT13 writes them ("the", "and", "you", "ignore", "instructions", "your").
_ROT13_WORDS = (" gur ", " naq ", " lbh ", "vtaber", "vafgehpgvba", " lbhe ")


def rot13_view(text: str) -> str | None:
    """The text with ROT13 undone, when it reads like ROT13 (two of its common words)."""
    lower = text.lower()
    if sum(word in lower for word in _ROT13_WORDS) < 2:
        return None
    return text.translate(_ROT13)
