"""Morse code, read: one more way to write an instruction that a person does not read.

A run of at least :data:`MIN_CODES` dot-dash codes (spaces between letters, ``/`` or three
spaces between words) is decoded when every code is a letter or digit; the guard treats the
decoded text as hidden text (its own weak evidence, plus whatever the rules find in it)::

    morse_view(".... . .-.. .-.. --- / .-- --- .-. .-.. -..")    # 'hello world'
    morse_view("a --- b")                                         # None
"""

from __future__ import annotations

import re

_CODES = {
    ".-": "a", "-...": "b", "-.-.": "c", "-..": "d", ".": "e", "..-.": "f", "--.": "g",
    "....": "h", "..": "i", ".---": "j", "-.-": "k", ".-..": "l", "--": "m", "-.": "n",
    "---": "o", ".--.": "p", "--.-": "q", ".-.": "r", "...": "s", "-": "t", "..-": "u",
    "...-": "v", ".--": "w", "-..-": "x", "-.--": "y", "--..": "z", ".----": "1",
    "..---": "2", "...--": "3", "....-": "4", ".....": "5", "-....": "6", "--...": "7",
    "---..": "8", "----.": "9", "-----": "0",
}  # fmt: skip
MIN_CODES = 5
# Codes of one to six marks, separated by spaces or slashes; "...", "---" and "--" alone
# (an ellipsis, a rule, a dash) are prose, so a run needs MIN_CODES codes with both marks.
# (Looked for as literals: ``str`` searches skip to a candidate in C, where the alternation
# was tried at every position, ~50 instructions a character.)
_MEETING = (".-", "-.", ". -", "- .", "/ .", "/ -")
_RUN = re.compile(r"(?<![\w.-])[.-]{1,6}(?:(?: {1,3}| ?/ ?)[.-]{1,6}){4,}(?![\w.-])")


def morse_view(text: str) -> str | None:
    """The decoded Morse runs of ``text`` joined by newlines, or None when there are none."""
    # A run holds both marks, so a dot meeting a dash: a few literal searches cost a fraction
    # of the run pattern's over 2 KB of prose.
    if not any(map(text.__contains__, _MEETING)):
        return None
    found: list[str] = []
    for match in _RUN.finditer(text):
        run = match.group()
        if "." not in run or "-" not in run:
            continue
        words = re.split(r" ?/ ?| {3}", run)
        letters = [[_CODES.get(code) for code in word.split()] for word in words]
        if any(c is None for word in letters for c in word):
            continue
        decoded = " ".join("".join(c for c in word if c) for word in letters)
        if sum(len(w) for w in letters) >= MIN_CODES:
            found.append(decoded)
    return "\n".join(found) if found else None
