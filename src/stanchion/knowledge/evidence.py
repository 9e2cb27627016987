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

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise

from stanchion.knowledge.query.english import commonness, typo_of
from stanchion.knowledge.query.glossary import TOKEN
from stanchion.knowledge.query.parse import Concept
from stanchion.knowledge.query.point import FLOOR, near, point, telling
from stanchion.knowledge.query.turns import ASK, INVERTED
from stanchion.knowledge.tables import readable
from stanchion.knowledge.text import index_terms, normalize_word, stem
from stanchion.knowledge.vetoes import _story_words, manner, superlative

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


# The question's point: the last noun phrase of its first asking clause, the words it is
# about ("what is the allowance in PREMIUM ECONOMY", "do you take APPLE PAY"), not its
# background ("my flight", "for a trip"). Light verbs, the commonest words, adverbs and the
# customer's past verbs close no phrase. Candidates (``POINTED``), measured by
# bench/answerability_loao.py.
POINTED = ("point_sentence", "point_passage", "point_novel", "point_modifier")
# a clause ends at a mark, at ", and" or at "and" before two words; "(?<!\s)": a run of white
# space is tried from its start only (else every position of a long run: quadratic)
_CLAUSE_END = re.compile(
    r"[?.!;]|,\s+(?:and|but|or|also|plus)\b|(?<!\s)\s+(?:and|but)\s+(?=\w+\s+\w)"
)
_BREAK = frozenset(
    [
        *("a", "an", "the", "my", "our", "your", "ur", "his", "her", "their", "its", "this"),
        *("that", "these", "those", "some", "any", "of", "for", "in", "on", "at", "to", "with"),
        *("from", "by", "about", "is", "are", "was", "were", "do", "does", "did", "can"),
        *("could", "will", "would", "i", "you", "we", "it", "they", "if", "when", "or", "and"),
    ]
)

# before the phrase, the customer's own thing ("for my EXPENSE report"), not a kind asked for
_OWN = frozenset(["my", "our", "his", "her", "their", "mine"])
_DO = frozenset(["do", "does", "did"])
# verbs a do-support question ends on
_ENDING = frozenset(
    [
        *("cost", "take", "weigh", "mean", "work", "last", "include", "cover", "need"),
        *("charge", "apply", "require", "allow", "offer", "support", "accept", "matter"),
    ]
)


def point_phrase(text: str, concepts: list[Concept]) -> list[Concept]:
    """The concepts of the question's point phrase (see POINTED); [] when none is read."""
    clauses = [c for c in _CLAUSE_END.split(text) if c and c.strip()] or [text]
    first = next((c for c in clauses if ASK.search(c) or INVERTED.search(c)), clauses[-1])
    tokens = [m.group().lower() for m in TOKEN.finditer(first)]
    by_word: dict[str, Concept] = {}
    for c in concepts:
        for w in c.words.lower().split():
            by_word.setdefault(w, c)
    phrase: list[Concept] = []
    last = len(tokens) - 1 if _verb_last(tokens) else len(tokens)
    for i in range(last - 1, -1, -1):
        tok = tokens[i]
        hit = by_word.get(tok)
        if hit is None or tok in _BREAK or point(tok) <= FLOOR or telling(tok):
            if phrase:
                return [] if tok in _OWN else phrase
            continue
        if hit not in phrase:
            phrase.append(hit)
    return phrase


def _verb_last(tokens: list[str]) -> bool:
    """Whether the clause ends on the verb of a do-support question ("what does a late
    return COST", "how much do the bikes WEIGH"): its last word is not its point."""
    return len(tokens) > 3 and tokens[-1] in _ENDING and any(t in _DO for t in tokens[:-2])


def pointed(text: str, judged: list[Concept], sentences: list[Bag], whole: Bag) -> dict[str, float]:
    """``point_sentence``: the best sentence's share of the known concepts, counted only in
    sentences that hold every word of the point phrase (0 in none); ``point_passage``: the
    point phrase's share the passages hold anywhere; ``point_novel``: 1 when a word of it is
    one the corpus never saw nor the passages hold; ``point_modifier``: 1 when that word
    narrows a known head to a kind (``narrowed_point``)."""
    content = [c for c in judged if c.how != "context"]
    phrase = point_phrase(text, content)
    if not phrase:
        return dict.fromkeys(POINTED, 0.0) | {"point_passage": 1.0}
    known = [c for c in judged if c.known]
    total = sum(c.weight for c in known) or 1.0
    holding = [b for b in sentences if all(c.present(b) for c in phrase)]
    share = max((sum(c.weight for c in known if c.present(b)) for b in holding), default=0.0)
    return {
        "point_sentence": share / total,
        "point_passage": sum(c.present(whole) for c in phrase) / len(phrase),
        "point_novel": float(any(not c.known and not c.present(whole) for c in phrase)),
        "point_modifier": float(bool(narrowed_point(text, content, whole))),
    }


def narrowed_point(text: str, content: list[Concept], present: Bag) -> list[str]:
    """The unseen words of the question's point phrase that narrow its known head to a kind
    the corpus never names ("the allowance in PREMIUM economy", "pay with APPLE pay"): the
    head alone matches a neighbour's facts, the kind is the point (a veto: see
    ``answerability.POINT_KINDS``)."""
    if not any(_kind(c, present, frozenset()) for c in content):
        return []  # no unseen word could name a kind (most questions): no phrase to read
    phrase = point_phrase(text, content)
    if len(phrase) < 2 or not phrase[0].known:
        return []
    unseen = [c for c in phrase[1:] if _kind(c, present, frozenset())]
    if not unseen:
        return []
    story = _story_words(text)  # the costliest reading, only for a candidate
    return [normalize_word(c.words) for c in unseen if c.words.lower() not in story]


KIND_Z = 5.0  # Zipf from which an unseen modifier is everyday wording ("list price", "plus")


def _kind(c: Concept, whole: Bag, story: frozenset[str]) -> bool:
    """An unseen word that could name a kind of the head it modifies ("PREMIUM economy",
    "APPLE pay"): a rarer English word, not a number, a typo, an adverb or a superlative."""
    w = c.words.lower()
    if c.known or c.present(whole) or w in story or not w.isalpha() or commonness(w) >= KIND_Z:
        return False
    return not (superlative(w) or manner(w) or telling(w)) and typo_of(w) is None


# A currency as customers name it, to the code documents write ("in euros" -> eur). "pound"
# is left out: as often a weight.
_CURRENCY = {
    **dict.fromkeys(("usd", "dollar", "dollars", "buck", "bucks"), "usd"),
    **dict.fromkeys(("eur", "euro", "euros"), "eur"),
    **dict.fromkeys(("gbp", "quid", "sterling"), "gbp"),
    **dict.fromkeys(("chf", "franc", "francs"), "chf"),
    **dict.fromkeys(("jpy", "yen"), "jpy"),
    **dict.fromkeys(("cad", "aud", "nzd", "sek", "nok", "dkk", "inr"), ""),
}
_NATIONAL = {"canadian": "cad", "australian": "aud", "swiss": "chf", "zealand": "nzd"}
CODES = frozenset([*(c for c in _CURRENCY.values() if c), "cad", "aud", "nzd", "sek", "nok"])


def foreign_currency(text: str, corpus: Callable[[str], bool]) -> list[str]:
    """Currencies the question asks in that a corpus pricing in others never names ("what
    does it cost in EUROS" where every price is in USD): the price found is not the answer.
    ``corpus``: whether the corpus holds a term. Nothing when the corpus names no code."""
    tokens = [m.group().lower() for m in TOKEN.finditer(text)]
    asked: dict[str, str] = {}
    for i, tok in enumerate(tokens):
        code = _CURRENCY.get(tok)
        if code is None:
            continue
        before = _NATIONAL.get(tokens[i - 1], "") if i else ""
        code = before or code or tok
        asked.setdefault(code, f"{tokens[i - 1]} {tok}" if before else tok)
    if not asked:
        return []
    held = {c for c in CODES if corpus(c)}
    return [
        word
        for code, word in asked.items()
        if held and code not in held and not any(corpus(stem(w)) for w in word.split())
    ]
