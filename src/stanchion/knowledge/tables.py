"""Markdown tables read as sentences: each row with its column headers.

Help-centre pages put fees, limits and allowances in tables. A row alone
("| Basic | no checked bag included | 1 bag of 23 kg |") says nothing of what its cells
are; with its header it answers "how many bags on a Basic long-haul fare". Chunks stay the
document's own characters (citations point at them); this is how answerability and the
``local`` responder read a passage's rows.

>>> print(readable("| Fare | Cabin bag |\\n|---|---|\\n| Basic | not included |"))
Fare: Basic; Cabin bag: not included.
"""

from __future__ import annotations

import re
from functools import lru_cache

ROW = re.compile(r"^\s*\|(.*)\|\s*$")
RULE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*(?::?-{2,}:?\s*)?\|?\s*$")


def cells(line: str) -> list[str] | None:
    """The cells of a table row, or None for a line that is not one."""
    m = ROW.match(line)
    if m is None:
        return None
    return [c.strip() for c in m.group(1).split("|")]


def _sentence(values: list[str], header: list[str] | None) -> str:
    if header is not None and len(header) == len(values):
        pairs = [f"{h}: {v}" if h else v for h, v in zip(header, values, strict=True) if v]
    else:
        pairs = [v for v in values if v]
    text = "; ".join(pairs)
    return text if not text or text[-1] in ".!?" else text + "."


@lru_cache(maxsize=8192)
def readable(text: str) -> str:
    """``text`` with each table row as a sentence naming its columns ("Fare: Basic; Cabin
    bag: not included."); the header and rule lines fold into the rows; other lines stay.
    A table whose header the chunk cut off keeps its cells, joined by semicolons."""
    if "|" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    header: list[str] | None = None
    for i, line in enumerate(lines):
        row = cells(line)
        if row is None:
            header = None
            out.append(line)
        elif RULE.match(line):
            continue
        elif header is None and i + 1 < len(lines) and RULE.match(lines[i + 1]):
            header = row  # a header row: its names go into every row below it
        else:
            out.append(_sentence(row, header))
    return "\n".join(out)


# A sentence ends at . ! or ? before white space, or at a line break (a row, a heading).
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def readable_sentences(text: str) -> list[str]:
    """The sentences of ``readable(text)``: each table row one, headings their own."""
    return SENTENCE.split(readable(text))
