"""Where digits and white space stand, read from a text's bytes at C speed.

A pattern searched over a whole 2 KB text costs the regex engine 100-250 instructions a
position (``[0-9]+`` over a table of figures: ~400,000); the same answers read from the
text's ``ascii_bytes``, translated to classes and searched with ``bytes.find``, cost a few
instructions a character and one call per hit::

    digit_starts("in 1990 and 2001-03")   # [3, 12, 17]
"""

from __future__ import annotations

from functools import lru_cache

from stanchion.guards.normalize import ascii_bytes

_ASCII_DIGITS = b"0123456789"
# A digit 0-9 as "1", any other character as "0" (ASCII or not: ``ascii_bytes`` writes "?").
_DIGIT_CLASSES = bytes.maketrans(
    bytes(range(256)), bytes(ord("1") if c in _ASCII_DIGITS else ord("0") for c in range(256))
)
# Any character that may be white space as "w": ASCII white space, and every character
# outside ASCII ("?" in ``ascii_bytes``; a question mark too, which only errs towards "w").
_SPACE_CLASSES = bytes.maketrans(
    bytes(range(256)),
    bytes(ord("w") if chr(c).isspace() or c == ord("?") else ord("x") for c in range(256)),
)


@lru_cache(maxsize=8)
def digit_starts(text: str) -> tuple[int, ...]:
    """The start of each run of the digits 0-9: ``[m.start() for m in
    re.finditer("[0-9]+", text)]`` (once per text: the date recognisers share it)."""
    classes = b"0" + ascii_bytes(text).translate(_DIGIT_CLASSES)
    found = []
    index = classes.find(b"01")
    while index >= 0:
        found.append(index)  # the run starts at index + 1 of ``classes``, index of ``text``
        index = classes.find(b"01", index + 2)
    return tuple(found)


def blank_run(text: str, length: int) -> bool:
    """Whether the text may start with white space or hold ``length`` white-space characters
    in a row (never false when it does)."""
    classes = ascii_bytes(text).translate(_SPACE_CLASSES)
    return classes[:1] == b"w" or b"w" * length in classes
