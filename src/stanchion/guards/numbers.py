"""Number runs: where in a text card numbers, SSNs, IPs, phones and IBANs can be.

Every card, SSN, IPv4 and phone match is made of digits and the characters numbers are
written with, and starts with a digit, "+" or "(". One scan finds those runs; the recognisers
then search only the few long enough to hold a number instead of the whole text::

    number_runs("call 555-0100 or (030) 1234")   # ((5, 13), (17, 27))
"""

from __future__ import annotations

import re
from functools import lru_cache

_NUMBER_RUN = re.compile(r"[+(\d][\d .\-()+]*")
MIN_NUMBER = 7  # "1.1.1.1"; phones need 7 digits, SSNs 9, cards 12


@lru_cache(maxsize=8)
def number_runs(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each run, once per text (the recognisers of one scan share it)."""
    return tuple(m.span() for m in _NUMBER_RUN.finditer(text))


# A run up to its last digit: every number pattern ends with a digit, and a table pads its
# numbers with spaces ("| 86           |" is a run of 13 characters, a number of 2).
_NUMBER_WINDOW = re.compile(r"[+(\d][\d .\-()+]*\d")


@lru_cache(maxsize=8)
def number_windows(text: str) -> tuple[tuple[int, int], ...]:
    """Runs that can hold a number, up to their last digit, widened by the character a
    look-ahead reads after them (once per text: the recognisers of one scan share them).

    Searching ``pattern.finditer(text, start, end)`` in these finds exactly the matches a
    search of the whole text finds, for patterns made of run characters only that end with a
    digit.
    """
    return tuple(
        (m.start(), m.end() + 1)
        for m in _NUMBER_WINDOW.finditer(text)
        if m.end() - m.start() >= MIN_NUMBER
    )
