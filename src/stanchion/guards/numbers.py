"""Number runs: where in a text card numbers, SSNs, IPs, phones and IBANs can be.

Every card, SSN, IPv4 and phone match is made of digits and the characters numbers are
written with, and starts with a digit, "+" or "(". One scan finds those runs; the recognisers
then search only the few long enough to hold a number instead of the whole text::

    number_runs("call 555-0100 or (030) 1234")   # ((5, 14), (17, 27))
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import compress
from operator import itemgetter

from stanchion.guards.normalize import ascii_bytes

_NUMBER_RUN = re.compile(r"[+(\d][\d .\-()+]*")
# The same in ASCII text, where a digit is one of 0-9: a class of ranges is tested at half the
# cost of one holding the Unicode digit category (~50,000 instructions a 2 KB text).
_ASCII_NUMBER_RUN = re.compile(r"[+(0-9][0-9 .\-()+]*")
MIN_NUMBER = 7  # "1.1.1.1"; phones need 7 digits, SSNs 9, cards 12


# ``_ASCII_NUMBER_RUN`` read from ``ascii_bytes``: "s" for a character a run starts with (and
# goes on through), "c" for one it only goes on through, "x" for any other (every character
# outside ASCII is "?" there, and none of them is in the pattern's classes).
_RUN_CLASSES = bytes.maketrans(
    bytes(range(256)),
    bytes(
        ord("s") if chr(c) in "+(0123456789" else ord("c") if chr(c) in " .-)" else ord("x")
        for c in range(256)
    ),
)


@lru_cache(maxsize=8)
def number_runs(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each run, once per text (the recognisers of one scan share it)."""
    if not ascii_digits(text):
        return tuple(m.span() for m in _NUMBER_RUN.finditer(text))
    # ``_ASCII_NUMBER_RUN.finditer``: a run starts at the first start character after the
    # last run and ends before the next character of neither class (a few instructions a
    # character in ``bytes.find``, against ~90 for the pattern over 2 KB of prose).
    classes = ascii_bytes(text).translate(_RUN_CLASSES)
    runs = []
    start = classes.find(b"s")
    while start >= 0:
        end = classes.find(b"x", start)
        if end < 0:
            runs.append((start, len(classes)))
            break
        runs.append((start, end))
        start = classes.find(b"s", end)
    return tuple(runs)


FEW = 32  # characters outside ASCII worth looking at one by one


def ascii_digits(text: str) -> bool:
    """Whether every decimal digit of the text (``\\d``) is one of 0-9: ASCII text, or text
    whose other characters ("•", "–", "é") are no digits; a few are looked at where its
    ``ascii_bytes`` hold a "?" that the text does not, many by one search (a table with
    accents and dashes took the runs' pattern over the whole text, ~200,000 instructions)."""
    if text.isascii():
        return True
    raw = ascii_bytes(text)
    if raw.count(b"?") - text.count("?") > FEW:
        # Many: one search for such a digit (a class the engine tests in C at each position)
        # rather than the runs' pattern over the whole text (~100 instructions a position).
        return _OTHER_DIGIT.search(text) is None
    index = raw.find(b"?")
    while index >= 0:
        if text[index].isdecimal():
            return False
        index = raw.find(b"?", index + 1)
    return True


# A decimal digit (``\d``) that is not one of 0-9.
_OTHER_DIGIT = re.compile(r"[^\D0-9]")


@lru_cache(maxsize=8)
def number_windows(text: str) -> tuple[tuple[int, int], ...]:
    """Runs that can hold a number, up to their last digit, widened by the character a
    look-ahead reads after them (once per text: the recognisers of one scan share them).

    Searching ``pattern.finditer(text, start, end)`` in these finds exactly the matches a
    search of the whole text finds, for patterns made of run characters only that end with a
    digit.

    A window is what ``[+(0-9][0-9 .()+-]*[0-9]`` (any decimal digit) matches: a run that
    holds a digit after its first character, up to the last one (after it, no character of
    the run can start another window: none is followed by a digit). Read from the runs, not
    by a second pass of a pattern over the text.
    """
    windows = []
    for start, end in number_runs(text):
        if end - start < MIN_NUMBER:
            continue
        # Up to the last digit: the run's other characters stripped from its end at C speed
        # (a table's runs end in the spaces that pad a cell: ~15 steps of a loop each).
        length = len(text[start:end].rstrip(_NOT_DIGITS))
        if length >= MIN_NUMBER:
            windows.append((start, start + length + 1))
    return tuple(windows)


# The characters of a run that are not digits: ``[+(\d][\d .\-()+]*`` without ``\d``.
_NOT_DIGITS = " .-()+"


# Every character ``str.isspace`` holds for (tests/guards check it against all of Unicode).
SPACES = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_END = itemgetter(1)


def runs_before(text: str, chars: AbstractSet[str]) -> list[tuple[int, int]]:
    """The number runs (``number_runs``) a character of ``chars`` follows, in order: the
    recognisers that need one after a run (white space, a capital) skip the others without
    a Python call for each run (a table or a listing has ~70; each call cost ~2,500
    instructions). The maps and filter run in C; a run at the end of the text has nothing
    after it (the sentinel, NUL, is in no set the recognisers give)."""
    runs = number_runs(text)
    after = (text + "\0").__getitem__
    return list(compress(runs, map(chars.__contains__, map(after, map(_END, runs)))))
