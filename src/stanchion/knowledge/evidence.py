"""Candidate evidence for the answerability gate beyond the best passage and sentence.

A help centre's headings are its own questions ("## How long do refunds take?"), and a page
answers across its sections (the question's word in one, the answer in the next). Both are
read from the passages alone, the same for any app. They are candidates of
``bench/answerability_fit.py`` (leave-one-app-out over four apps): measured, and not taken
by the shipped model (docs/grounding.md, "Evidence that holds across apps").

``variants``: the best-sentence coverage (``sentence``) changed for each cause of a low score
on answerable DEV questions (``bench/gate_cases.py``): two adjacent sentences read together
(a fact split over them), earlier turns' concepts held anywhere in the passages (the subject
need not recur in the answering sentence), a derivation counting NEAR ("weigh" / "weight"),
and concepts weighed by how much they could name a point (``query.point``). Measured, not
taken (docs/grounding.md, "Causes of the gate's misses").

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
from itertools import pairwise

from stanchion.knowledge.query.parse import Concept
from stanchion.knowledge.query.point import near, point
from stanchion.knowledge.tables import readable
from stanchion.knowledge.text import index_terms

CANDIDATES = ("heading", "document")
VARIANTS = (
    "sentence_pair",
    "sentence_lean",
    "sentence_near",
    "sentence_point",
    "sentence_every",
    "sentence_related",
)
# A thesaurus a study installs (bench/answerability_wordnet.py): a stem to the stems of
# related words; with it a concept a sentence lacks counts RELATED when a relative is there.
# Empty: ``sentence_related`` is ``sentence``.
RELATED: dict[str, frozenset[str]] = {}
RELATED_CREDIT = 1.0
NEAR = 0.5  # what a derivation of a concept counts for (as answerability.NEAR)
Bags = tuple[frozenset[str], tuple[frozenset[str], ...]]  # a passage's terms, its sentences'
Weighed = list[tuple[Concept, float]]
Bag = frozenset[str]
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


def _held(c: Concept, bag: Bag, whole: Bag, lean: bool, derive: bool | None) -> float:
    if lean and c.how == "context":
        return float(c.present(whole))
    if c.present(bag):
        return 1.0
    if derive is None:  # a relative in the thesaurus
        kin = [RELATED.get(alt[0], frozenset()) for alt in c.alts if len(alt) == 1]
        return RELATED_CREDIT if any(not k.isdisjoint(bag) for k in kin) else 0.0
    return NEAR if derive and len(c.alts[0]) == 1 and near(c.key, bag) else 0.0


def _cover(
    weighed: Weighed,
    bags: list[frozenset[str]],
    whole: frozenset[str],
    lean: bool,
    derive: bool | None,
) -> float:
    """The best bag's weighted share of the concepts (``lean``: an earlier turn's concept
    counts when any passage holds it; ``derive``: a derivation counts NEAR; None: a relative
    in RELATED counts RELATED_CREDIT)."""
    total = sum(w for _, w in weighed)
    if not total:
        return 1.0
    shares = (sum(w * _held(c, b, whole, lean, derive) for c, w in weighed) / total for b in bags)
    return max(shares, default=0.0)


def variants(
    judged: list[Concept], passages: list[Bags], sentences: list[frozenset[str]]
) -> dict[str, float]:
    """``sentence`` (the best sentence's share of the known concepts) and its VARIANTS."""
    known = [c for c in judged if c.known]
    whole = frozenset().union(*(w for w, _ in passages))
    pairs = sentences + [a | b for _, s in passages for a, b in pairwise(s)]
    plain = [(c, c.weight) for c in known]
    pointed = [(c, c.weight * point(c.words)) for c in known]
    return {
        "sentence_pair": _cover(plain, pairs, whole, False, False),
        "sentence_lean": _cover(plain, sentences, whole, True, False),
        "sentence_near": _cover(plain, sentences, whole, False, True),
        "sentence_point": _cover(pointed, sentences, whole, False, False),
        "sentence_every": _cover(pointed, pairs, whole, True, True),
        "sentence_related": _cover(plain, sentences, whole, False, None),
    }
