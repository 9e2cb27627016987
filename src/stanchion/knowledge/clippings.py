"""A word the corpus never writes that is a clipping of one it does: "admin" for
"administration", "config" for "configuration" (issue 15).

"How much is the admin fee for a lost item?" asks the page's "administration fee of £3.50";
the corpus never writes "admin", so the gate took it for a point the documents lack. A word
the question writes that is the start of a passage word, at least ``SHORTEST`` letters long
and ``CUT`` letters shorter, reads as that word too. What is cut off must not be a word of
its own: "card" is no clipping of "cardboard", nor "book" of "bookshelf".

>>> from stanchion.knowledge.query.parse import Concept, Query
>>> q = Query("admin fee", (Concept((("admin",),), "admin", 6.0, False),))
>>> clipped(q, {"administration", "fee"}).concepts[0].alts
(('admin',), ('administration',))
"""

from __future__ import annotations

from dataclasses import replace

from stanchion.knowledge.query.english import commonness
from stanchion.knowledge.query.parse import Concept, Query
from stanchion.knowledge.text import normalize_word

SHORTEST = 5  # letters of a clipping at least: "admin", "config" (not "spec", "info")
CUT = 4  # letters at least cut off: "administration" (14) for "admin" (5)
WORDLIKE = 3.0  # Zipf from which what is cut off is a word of its own ("board")


def _whole(c: Concept, words: set[str] | frozenset[str]) -> list[str]:
    typed = normalize_word(c.words)
    if c.known or c.frame or len(typed) < SHORTEST or not typed.isalpha():
        return []
    return sorted(
        w
        for w in words
        if w.startswith(typed)
        and len(w) >= len(typed) + CUT
        and commonness(w[len(typed) :]) < WORDLIKE
    )


def clipped(query: Query, words: set[str] | frozenset[str]) -> Query:
    """``query`` with each word the corpus lacks also read as the passage words it is a
    clipping of (see the module)."""
    read = {c: _whole(c, words) for c in query.concepts if not c.known}
    if not any(read.values()):
        return query
    concepts = tuple(
        replace(c, alts=(*c.alts, *((w,) for w in read[c]))) if read.get(c) else c
        for c in query.concepts
    )
    return Query(query.text, concepts)
