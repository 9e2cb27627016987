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


# A sentence ends at . ! or ? before white space, not after a numbered step's marker at the
# start of a line ("1. Open the app." is one sentence, its step; the marker alone was one).
SENTENCE = re.compile(r"(?<=[.!?])(?<!^\d\.)(?<!^\d\d\.)\s+")
# A line that opens a block of its own: a heading, a list item ("- ", "* ", "1. ", "a) ") or
# a table row.
BLOCK_START = re.compile(r"^\s*(?:#|[-*+] |\d+[.)] |[a-z]\) |\|)")
# A line wholly in bold with no full stop is a heading ("**How long can I keep it?**" in a
# FAQ, "**Opening hours:**"): the paragraph below it answers it, one level below the heading
# it sits under.
_BOLD_LINE = re.compile(r"^\s*\*\*([^*]+?)\*\*\s*$")
_HASHES = re.compile(r"^(#+)\s")


def _as_heading(line: str, level: int) -> str:
    m = _BOLD_LINE.match(line)
    if m is None or m.group(1).rstrip().endswith("."):
        return line
    return "#" * min(6, level + 1) + " " + m.group(1).strip()


@lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    blocks: list[list[str]] = []
    level = 1
    for line in readable(text).splitlines():
        if (m := _HASHES.match(line)) is not None:
            level = len(m.group(1))
        else:
            line = _as_heading(line, level)
        if not line.strip():
            blocks.append([])
        elif BLOCK_START.match(line) or not blocks:
            blocks.append([line.strip()])
        else:
            blocks[-1].append(line.strip())
        if blocks and blocks[-1] and blocks[-1][0].startswith("#"):
            blocks.append([])
    return tuple(s for block in blocks if block for s in SENTENCE.split(" ".join(block)))


def readable_sentences(text: str) -> list[str]:
    """The sentences of ``readable(text)``: lines wrapped inside a paragraph joined; each
    heading, list item (with its marker) and table row one; a bold line without a full stop
    a heading one level below the one it sits under.

    >>> readable_sentences("**Can I return it?**\\n1. Bring it\\nback.\\n2. Pay.")
    ['## Can I return it?', '1. Bring it back.', '2. Pay.']
    """
    return list(_split(text))
