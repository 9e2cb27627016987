"""Candidate evidence for the answerability gate beyond the best passage and sentence.

A help centre's headings are its own questions ("## How long do refunds take?"), and a page
answers across its sections (the question's word in one, the answer in the next). Both are
read from the passages alone, the same for any app. They are candidates of
``bench/answerability_fit.py`` (leave-one-app-out over four apps): measured, and not taken
by the shipped model (docs/grounding.md, "Evidence that holds across apps").

>>> from stanchion.knowledge.query import Glossary, Vocabulary, parse
>>> vocab = Vocabulary(9, {"refund": 2, "card": 3, "take": 5})
>>> q = parse("how long does a refund take", vocab, Glossary({})).judged()
>>> heading(q, [("Billing", "## Refunds\\nThey take 5 days.")])
1.0
>>> document(q, [("Billing", "Refunds go to your card."), ("Billing", "Transfers take 5 days.")])
1.0
"""

from __future__ import annotations

from functools import lru_cache

from stanchion.knowledge.query.parse import Concept
from stanchion.knowledge.tables import readable
from stanchion.knowledge.text import index_terms

CANDIDATES = ("heading", "document")
Pair = tuple[str, str]


@lru_cache(maxsize=4096)
def heading_terms(title: str, text: str) -> frozenset[str]:
    """The terms of a passage's title and of its headings."""
    found = set(index_terms(title))
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            found.update(index_terms(line.lstrip().lstrip("#")))
    return frozenset(found)


@lru_cache(maxsize=4096)
def _passage_terms(text: str) -> frozenset[str]:
    return frozenset(index_terms(readable(text)))


def _best_share(concepts: list[Concept], bags: list[frozenset[str]]) -> float:
    total = sum(c.weight for c in concepts)
    if not total:
        return 1.0
    shares = (sum(c.weight for c in concepts if c.present(b)) / total for b in bags)
    return max(shares, default=0.0)


def heading(concepts: list[Concept], passages: list[Pair]) -> float:
    """The weighted share of ``concepts`` the best passage's title and headings hold."""
    return _best_share(concepts, [heading_terms(t, x) for t, x in passages])


def document(concepts: list[Concept], passages: list[Pair]) -> float:
    """The weighted share of ``concepts`` the best document (passages of one title) holds
    across its passages."""
    docs: dict[str, set[str]] = {}
    for title, text in passages:
        docs.setdefault(title, set(index_terms(title))).update(_passage_terms(text))
    return _best_share(concepts, [frozenset(b) for b in docs.values()])
