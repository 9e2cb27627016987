"""The spans of a cited passage that the answer draws on, for highlighting on the trace page.

    segments("Refunds take 5 to 7 days. Gift cards never expire.", "About 5 to 7 days [1]", 1)
    # [("Refunds take 5 to 7 days.", True), (" Gift cards never expire.", False)]

A passage sentence is marked when at least half of its terms (the index's own analyser:
stems, no stop words) occur in the answer's text that cites the passage: what comes before
each ``[n]`` back to the previous citation mark (``A [1][2]``: both cite ``A``).
"""

from __future__ import annotations

import re

from stanchion.knowledge.text import terms

SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
MARK = re.compile(r"\[(\d{1,3})\]")
SHARE = 0.5


def _citing_terms(answer: str, n: int) -> set[str]:
    out: set[str] = set()
    last, chunk = 0, ""
    for m in MARK.finditer(answer):
        text = answer[last : m.start()]
        chunk = text if text.strip() else chunk
        if m.group(1) == str(n):
            out.update(terms(chunk))
        last = m.end()
    return out


def segments(text: str, answer: str, n: int) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, marked) in order; the pieces join back to ``text``."""
    used = _citing_terms(answer, n)
    out: list[tuple[str, bool]] = []
    last = 0
    for m in SENTENCE.finditer(text):
        own = set(terms(m.group()))
        marked = bool(used) and len(own) >= 2 and len(own & used) >= SHARE * len(own)
        if m.start() > last:
            out.append((text[last : m.start()], False))
        out.append((m.group(), marked))
        last = m.end()
    if last < len(text):
        out.append((text[last:], False))
    return out
