"""Word ties learned from the app's own documents: which corpus terms share chunks.

A question's word the best sentence lacks may still be the passage's topic in the app's own
words: "money back" against a returns section, "charger" against a battery page. General
word vectors were too noisy for this (docs/grounding.md); a help centre's own chunks are
narrower. How strongly a term ``x`` is tied to a bag of terms is the largest normalised
pointwise mutual information (NPMI, in [0, 1] here) of ``x`` with a term of the bag, over the
chunks that hold ``x`` (the first ``POOL`` the index returns for it, scaled to its document
frequency). No labels, nothing fitted: the index the retriever already serves.

>>> bags = {"refund": [{"refund", "card", "day"}, {"refund", "card"}], "card": []}
>>> vocab = Vocabulary(10, {"refund": 2, "card": 2, "day": 5})
>>> ties = Ties(lambda t: [frozenset(b) for b in bags.get(t, [])], vocab)
>>> ties.tie("refund", frozenset({"card"}))
1.0
>>> round(ties.tie("refund", frozenset({"day"})), 2)
0.0
"""

from __future__ import annotations

import math
from collections.abc import Callable

from stanchion.knowledge.query.vocabulary import Vocabulary

POOL = 40  # chunks read per term: the index's best for it
SHARED = 2  # chunks a pair must share before its tie counts (one chunk ties anything)
TERMS = 4096  # terms whose chunks are kept per index generation
FLOOR = 0.0  # a tie weaker than this counts nothing
Chunks = Callable[[str], list[frozenset[str]]]  # a term -> the term bags of chunks holding it


class Ties:
    """NPMI ties of the served corpus, built lazily (one index lookup per new term)."""

    def __init__(self, chunks: Chunks, vocab: Vocabulary, key: Callable[[str], str] = str) -> None:
        """``key``: how the bags ``chunks`` returns write a term (the index's hashed keys)."""
        self.chunks, self.vocab, self.key = chunks, vocab, key
        self._seen: dict[str, list[frozenset[str]]] = {}

    def _holding(self, term: str) -> list[frozenset[str]]:
        found = self._seen.get(term)
        if found is None:
            if len(self._seen) >= TERMS:
                self._seen.clear()
            found = self._seen[term] = self.chunks(term)
        return found

    def tie(self, term: str, bag: frozenset[str]) -> float:
        """The strongest positive NPMI of ``term`` with a corpus term of ``bag``."""
        n, df = self.vocab.n, self.vocab.df
        dx = df.get(term, 0)
        holding = self._holding(term) if dx else []
        if not holding:
            return 0.0
        scale = dx / (len(holding) * n)  # a shared chunk's share of the corpus
        best = 0.0
        for other in bag:
            dy = df.get(other, 0)
            if not dy or other == term:
                continue
            hashed = self.key(other)
            both = sum(hashed in c for c in holding)
            if both < SHARED:
                continue
            p = min(both * scale, 1.0 - 1e-9)
            best = max(best, math.log(p * n * n / (dx * dy)) / -math.log(p))
        return min(best, 1.0) if best >= FLOOR else 0.0
