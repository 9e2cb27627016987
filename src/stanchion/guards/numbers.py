"""Number runs: where in a text card numbers, SSNs, IPs, phones and IBANs can be.

Every card, SSN, IPv4 and phone match is made of digits and the characters numbers are
written with, and starts with a digit, "+" or "(". One scan finds those runs; the recognisers
then search only the few long enough to hold a number instead of the whole text::

    number_runs("call 555-0100 or (030) 1234")   # ((5, 13), (17, 27))
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

_NUMBER_RUN = re.compile(r"[+(\d][\d .\-()+]*")
MIN_NUMBER = 7  # "1.1.1.1"; phones need 7 digits, SSNs 9, cards 12


@lru_cache(maxsize=8)
def number_runs(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each run, once per text (the recognisers of one scan share it)."""
    return tuple(m.span() for m in _NUMBER_RUN.finditer(text))


def number_windows(text: str) -> Iterator[tuple[int, int]]:
    """Runs that can hold a number, widened by the character a look-ahead reads after them.

    Searching ``pattern.finditer(text, start, end)`` in these finds exactly the matches a
    search of the whole text finds, for patterns made of run characters only.
    """
    for start, end in number_runs(text):
        if end - start >= MIN_NUMBER:
            yield start, end + 1
