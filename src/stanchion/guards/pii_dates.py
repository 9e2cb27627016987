"""Birth dates: a date is personal data when a birth word is near it.

The date pattern starts with a word boundary, so a plain ``finditer`` tries it at every
position of the text. Every date starts at a run of digits or at a month name, so
:func:`date_matches` tries it only there and gives the same matches (same spans, same order)
as ``finditer`` over the whole text::

    [m.group(0) for m in date_matches("born 4 May 1990, moved 2001-03-04")]
    # ['4 May 1990', '2001-03-04']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from stanchion.guards.context import WINDOW
from stanchion.guards.literals import Literals
from stanchion.guards.normalize import every_index, lowered
from stanchion.guards.pii_digits import digit_starts

Match = tuple[int, int, float]

DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
    r"[a-z]*\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?\s+\d{4})"
)
_DATE = re.compile(r"\b" + DATE + r"\b", re.IGNORECASE)
# Without a birth word somewhere in the text no date is a birth date; ASCII text is tested
# with ``in`` on its lower-case copy (a few microseconds), other text with ``_GATE_CASED``.
_GATE = re.compile(r"(?i)born|birth|dob|d\.o\.b|\bb\. ")
# ``_GATE`` without the case-insensitive flag, which makes the engine try it at every position:
# each letter written as the characters the flag takes for it (for "i" also "İ" and "ı"; no
# other character folds to one of these letters), so it starts with a character class.
_GATE_CASED = re.compile(
    r"[bB](?:[oO][rR][nN]|[iIİı][rR][tT][hH])|[dD](?:[oO][bB]|\.[oO]\.[bB])|\b[bB]\. "
)
_GATE_NEEDLES = ("born", "birth", "dob", "d.o.b", "b. ")
# Where a date can start: the first digit of a run, the first letter of a month name (in ASCII
# text only after a character that is not a word character: the pattern's ``\b``).
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ANY_DIGITS = re.compile(r"\d+")
# The only other character the case-insensitive pattern takes for a month's letter ("ſep").
_LONG_S = "\u017f"
# The birth words and the months, found in the lower-cased text in one pass.
_LITERALS = Literals((*_GATE_NEEDLES, *_MONTHS, _LONG_S))
_ANY_GATE = _LITERALS.any_of(_GATE_NEEDLES)


@lru_cache(maxsize=8)
def _literals(lower: str) -> int:
    return _LITERALS.mask(lower)


def _starts(text: str) -> list[int] | None:
    """Every position where a date can start, in order; None when the lower-cased copy of the
    text does not keep its indices (then the pattern is run over the whole text)."""
    lower = lowered(text)
    if text.isascii():
        months = _LITERALS.every_index(_literals(lower), lower, _MONTHS)
        starts = [*digit_starts(text), *months]
        return sorted(i for i in starts if not i or text[i - 1] not in _WORD)
    if len(lower) != len(text):
        return None
    # Each character lower-cased alone, as the pattern compares them; no word-boundary filter.
    starts = [m.start() for m in _ANY_DIGITS.finditer(text)] + _LITERALS.every_index(
        _literals(lower), lower, (*_MONTHS, _LONG_S)
    )
    return sorted(starts)


_RUN = re.compile(r"\d+")


def _may_start(text: str, start: int) -> bool:
    """Whether a date can start at a digit: every form opens with a run of one or two digits
    (a day, a month) or of four and a hyphen (ISO); a month name is left to the pattern."""
    if not "0" <= text[start] <= "9":
        return True
    run = _RUN.match(text, start)
    length = run.end() - start if run is not None else 0
    return length in (1, 2) or (length == 4 and text.startswith("-", start + 4))


def date_matches(text: str) -> Iterator[re.Match[str]]:
    """``_DATE.finditer(text)``, trying the pattern only where a date can start."""
    starts = _starts(text)
    if starts is None:
        yield from _DATE.finditer(text)
        return
    cursor = 0
    for start in starts:
        if start < cursor or not _may_start(text, start):
            continue
        m = _DATE.match(text, start)
        if m is not None:
            cursor = m.end()
            yield m


def birth_word(text: str) -> bool:
    """Whether ``_GATE_CASED`` finds a birth word: as ``str.find`` on the lower-cased copy
    (C speed, against a pattern tried at every position of 2 KB) unless the text holds one
    of the two characters it takes for "i" that lower-case to something else ("ı" stays
    itself, "İ" becomes two characters); no other character lower-cases to a needle's.

    "b. " counts only as a word of its own: in "Feb. " or "web. " it is the end of another
    word, and it opened the gate of every text dated "Feb."."""
    if text.isascii() or not ("\u0131" in text or "\u0130" in text):
        lower = lowered(text)
        found = _literals(lower) & _ANY_GATE
        if found & _WHOLE_WORDS:
            return True
        return bool(found) and any(_word_start(text, i) for i in every_index(lower, ("b. ",)))
    return _GATE_CASED.search(text) is not None


def _word_start(text: str, index: int) -> bool:
    """Whether a word starts at ``index``: ``\\b`` before a word character, read in the text
    (not in a window cut from it)."""
    if not index:
        return True
    before = text[index - 1]
    return not (before.isalnum() or before == "_")


# The birth words: a date within ``WINDOW`` characters after one or 16 before it is a birth
# date. ``_RAISE_WORDS`` are those of ``_RAISE`` that hold no other ("birthday" and "date of
# birth" hold "birth"), for ``str.find`` on the lower-cased text.
_RAISE_WORDS = ("birth", "born", "dob", "d.o.b", "b.")
# The gate's needles but "b. ", which needs a look at the character before each occurrence.
_WHOLE_WORDS = _LITERALS.any_of(("born", "birth", "dob", "d.o.b"))
_RAISE = re.compile(r"(?i)\b(?:date of birth|birthday|birth|d\.o\.b|born|dob|b\.)")


def raise_spans(text: str) -> list[tuple[int, int]] | None:
    """(start, end) of each birth word that starts a word of the text, in no order; None
    when the text holds "ı" (the pattern takes it for "i"; ``lowered`` keeps it)."""
    if "\u0131" in text:
        return None
    lower = lowered(text)
    return [
        (i, i + len(word))
        for word in _RAISE_WORDS
        for i in every_index(lower, (word,))
        if _word_start(text, i)
    ]


def near_birth_word(text: str, spans: list[tuple[int, int]] | None, start: int, end: int) -> bool:
    """Whether a birth word (``spans``, from ``raise_spans``) stands within the ``WINDOW``
    characters before the date or the 16 after it. Word starts are read in the text: a
    window cut from it (as ``ContextWords.has_raise`` reads one) started a word where it was
    cut, so "Feb." cut to "b." was a birth word, and so was "stubborn" cut to "born"."""
    low, high = max(0, start - WINDOW), end + 16
    if spans is None:
        return bool(_RAISE.search(text, low, start) or _RAISE.search(text, end, high))
    return any((low <= a and b <= start) or (end <= a and b <= high) for a, b in spans)


class DateOfBirthRecogniser:
    """A date is personal data when it is a birth date: it needs a birth word nearby."""

    type = "pii.date_of_birth"

    def find(self, text: str) -> Iterator[Match]:
        if not birth_word(text):
            return
        spans = raise_spans(text)
        if spans == []:
            return
        for m in date_matches(text):
            if near_birth_word(text, spans, m.start(), m.end()):
                yield m.start(), m.end(), 0.85
