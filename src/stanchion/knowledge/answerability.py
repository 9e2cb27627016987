"""Can the retrieved passages answer the question at all? A calibrated score in [0, 1].

Retrieval coverage alone lets through questions whose topic words match but whose point
does not ("Do you ship to Australia?" against the shipping page). The score is a logistic
model over the question's concepts (see ``knowledge.query``) and the passages. Candidate
features (``features``): coverage of the known concepts by the best passage, and by the best
single sentence (headings and title as context), the same counting unknown words, whether
the rarest concept is present, the weight share of words the corpus never saw, the heaviest
concept no passage holds ("unmatched"), the question's size, the weight matched in the best
sentence. Which of them the model uses (``FEATURES``), their weights and the threshold are
fitted on answerable and unanswerable DEV questions of several sources with
leave-one-source-out and cross-validation: ``python bench/answerability_fit.py --fit``.

A named thing the corpus could plausibly hold but the passages lack, or a word the corpus
never uses that is the question's point, vetoes the answer (score 0): see ``knowledge.vetoes``
(re-exported here), and an unseen word narrowing the known head of the question's point
phrase to a kind the corpus never names ("premium economy", ``evidence.narrowed_point``).
An unseen word of a situation told rather than asked never vetoes (``told``: its point is
the situation, not the customer's things).

>>> from stanchion.knowledge.query import Glossary, Vocabulary, parse
>>> vocab = Vocabulary(20, {"ship": 4, "canada": 1, "day": 9})
>>> q = parse("Do you ship to Australia?", vocab, Glossary({}))
>>> assess(q, vocab, [("Shipping", "We ship to Canada in 5 days.")]).missing
['australia']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from stanchion.knowledge import evidence
from stanchion.knowledge.asking import answer_wording
from stanchion.knowledge.clippings import clipped
from stanchion.knowledge.named_kinds import named_kinds
from stanchion.knowledge.query.english import commonness, specificity
from stanchion.knowledge.query.gazetteer import city_countries, held_regions
from stanchion.knowledge.query.parse import Concept, Query
from stanchion.knowledge.query.point import near, point, telling
from stanchion.knowledge.query.turns import implied, shape_words
from stanchion.knowledge.query.vocabulary import Vocabulary
from stanchion.knowledge.stated import stated
from stanchion.knowledge.table_rows import unlisted_period, unlisted_row
from stanchion.knowledge.tables import readable_sentences
from stanchion.knowledge.text import index_terms, terms
from stanchion.knowledge.unmet import unlisted_plan, unmet
from stanchion.knowledge.vetoes import (  # re-exported: callers import the vetoes from here
    manner,
    missing_names,
    narrowed,
    novel_points,
    superlative,
    unlisted_numbers,
    unoffered,
)
from stanchion.knowledge.wording import (
    lead_in,
    light_wording,
    read_typos,
    slipped_words,
    unworded,
)

# Fitted by bench/answerability_fit.py --fit: features and L2 chosen by leave-one-source-out
# over the DEV sources (clapnq, the example app's four sets, appb, appc), the threshold by
# 5-fold cross-validation. With clapnq's messy wording added as a source the protocol keeps
# these features; refitted weights only moved along the trade-off (docs/grounding.md, gate6).
FEATURES = ("sentence", "ask_specific")
WEIGHTS = (-3.619, 2.879, 2.047)  # intercept, then one per feature
L2 = 0.001
THRESHOLD = 0.45
# With a sentence-embedding model (retrieval.embeddings), its similarity joins: "dense" is
# the best cosine of the question to an approved chunk minus the model's min_similarity.
# Fitted by bench/answers_semantic.py --fit (the same protocol over the five DEV sources,
# all-MiniLM-L6-v2) when THRESHOLD was DENSE_AT; the intercept follows THRESHOLD, so that
# the model's cross-validated threshold lands on it whatever THRESHOLD is now.
DENSE_FEATURES = ("sentence", "ask_specific", "dense")
DENSE_FITTED = (-2.952, 2.605, 1.398, 5.294)
DENSE_AT = 0.45
DENSE_WEIGHTS = (
    DENSE_FITTED[0] + math.log(THRESHOLD / (1 - THRESHOLD)) - math.log(DENSE_AT / (1 - DENSE_AT)),
    *DENSE_FITTED[1:],
)
NEAR = 0.5  # what a derivation of a concept counts for in ``sentence_unseen``
UNSEEN = 0.5  # an unseen word weighs at most this share of the question's heaviest known one
UNSEEN_Z = 5.0  # Zipf from which an unseen word is everyday wording, not a point ("wife")
EXPLORE = False  # compute candidates no model uses (bench/answerability_fit.py sets it)
# The "narrowed kind" veto (vetoes.narrowed). Off: on DEV it declined 4 more unanswerable
# questions, on the held-out splits and the independent app it declined none more and
# refused 2 answerable ones (docs/grounding.md, "Near misses").
NARROW_KINDS = False
# The point-kind veto (evidence.narrowed_point): an unseen word narrowing the head of what is
# asked ("premium economy", "apple pay"). Leave-one-app-out as a third feature its fitted
# weight is a veto's (docs/grounding.md, "The question's point"). Off, as the narrowed kind:
# on DEV it declined 3 more unanswerable questions and refused none, on the held-out splits
# and the independent apps it declined none more and refused 2 answerable ones.
POINT_KINDS = False
CURRENCIES = True  # a price asked in a currency a corpus pricing in others never names
LIGHT_WORDING = True  # a light verb is frame beside a known point (wording.light_wording)
ANSWER_WORDING = True  # words of asking, particles, set phrases are frame (asking.answer_wording)
LEAN = True  # an earlier turn's concept counts in a sentence when its passage holds it
TERSE = 4  # concepts: in a question this short, a word the corpus lacks is likely its point
Decision = Literal["answer", "borderline", "refuse"]
Pair = tuple[str, str]
Bags = tuple[frozenset[str], tuple[frozenset[str], ...]]  # a passage's terms, its sentences'


@dataclass(frozen=True, slots=True)
class Assessment:
    """The score and the evidence it was computed from (what the trace records)."""

    score: float
    features: dict[str, float] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    implied: str = ""  # the ask a told situation implies (``query.turns.implied``)

    def record(self, decision: Decision) -> dict[str, Any]:
        feats: dict[str, Any] = {k: round(v, 4) for k, v in self.features.items()}
        if self.missing:
            feats["missing"] = self.missing
        if self.implied:
            feats["implied"] = self.implied
        return {"score": round(self.score, 4), "decision": decision, "features": feats}


# a sentence opening on a pronoun ("If it is still out after 3 days, we add a £40 charge")
# is about what the sentence before named ("If a kayak rental is returned late..."): its
# terms join the sentence's own
PRONOUN_OPENS = re.compile(
    r"(?:(?:if|when|once|while|after|before|unless|until|and|but|so)\s+)?(?:it|they|this|these)\b",
    re.I,
)


@lru_cache(maxsize=4096)
def passage_bags(title: str, text: str) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
    """A passage's terms, and each sentence's with its title and heading as context (cached:
    passages are immutable versions, asked about again and again), with what its figures
    and nouns state (``stated``: clock times its hours, money its price, "renewals" renew),
    and a sentence opening on a pronoun with the terms of the one before (``PRONOUN_OPENS``)."""
    context = frozenset(terms(title))
    bags = []
    figures: frozenset[str] = frozenset()
    before: frozenset[str] = frozenset()
    for raw in readable_sentences(text):
        sentence = raw.strip()
        found = frozenset(index_terms(sentence))
        if sentence.startswith("#"):
            context = frozenset(terms(title)) | found
            before = frozenset()
            continue
        figures |= stated(sentence)  # "10:00 to 17:00" opens and closes; "$5" is a fee
        lent = before if PRONOUN_OPENS.match(sentence) else frozenset()
        bags.append(found | stated(sentence) | context | lent)
        before = found
    whole = frozenset(index_terms(title)) | frozenset(index_terms(text)) | figures
    return whole, tuple(bags)


def _share(concepts: list[Concept], bag: frozenset[str], total: float) -> float:
    return sum(c.weight for c in concepts if c.present(bag)) / total


def _specific(concepts: list[Concept], bags: list[frozenset[str]]) -> float:
    """Coverage with each concept weighed by its specificity in English as well."""
    weights = [(c, c.weight * specificity(c.words)) for c in concepts]
    total = sum(w for _, w in weights)
    if not total:
        return 1.0
    return max((sum(w for c, w in weights if c.present(b)) / total for b in bags), default=0.0)


def _held(c: Concept, bag: frozenset[str]) -> float:
    """1 when ``bag`` holds the concept, NEAR when only a derivation of it, else 0."""
    if c.present(bag):
        return 1.0
    return NEAR if len(c.alts[0]) == 1 and near(c.key, bag) else 0.0


def _weighed(concepts: list[Concept]) -> list[tuple[Concept, float]]:
    """Each concept's weight in ``sentence_unseen``: a known word its weight times how much
    it could name the point (``query.point``: light verbs, the commonest words and adverbs
    weigh little). A word the corpus never saw would weigh the most of all (IDF): it weighs
    UNSEEN of the question's heaviest known word, times its point, and nothing when it is
    everyday wording, a number or time, an adverb, a superlative or a verb of the
    customer's story ("tried", "screwed")."""
    cap = UNSEEN * max((c.weight for c in concepts if c.known), default=1.0)
    out = []
    for c in concepts:
        if c.known:
            out.append((c, c.weight * point(c.words)))
        elif commonness(c.words) < UNSEEN_Z and not _storyless(c.words):
            out.append((c, min(c.weight, cap) * point(c.words)))
    return out


def _storyless(word: str) -> bool:
    w = word.lower()
    if any(ch.isdigit() for ch in w) or manner(w) or superlative(w):
        return True
    return w.isalpha() and telling(w)


def _unseen_wording(c: Concept) -> bool:
    """An unseen word that is only the message's wording, never its point (everyday, a
    number or time, an adverb, a superlative, a verb of the customer's story)."""
    return commonness(c.words) >= UNSEEN_Z or _storyless(c.words)


def _unseen_coverage(concepts: list[Concept], bags: list[frozenset[str]]) -> float:
    """Coverage of the best bag by ``_weighed`` weights, a derivation of a concept counting
    in part ("correction" for "corrected"): the words the corpus lacks count against it."""
    weights = _weighed(concepts)
    total = sum(w for _, w in weights)
    if not total:
        return 1.0
    return max((sum(w * _held(c, b) for c, w in weights) / total for b in bags), default=0.0)


def _ask_features(query: Query, bags: list[frozenset[str]]) -> dict[str, float]:
    """How much of what the question itself asks the best passage holds, and the same with
    everyday words weighing less."""
    known = [c for c in query.content() if c.known]
    total = sum(c.weight for c in known)
    cover = max((_share(known, bag, total) for bag in bags), default=0.0) if total else 1.0
    judged = [c for c in query.judged() if c.known]
    return {
        "ask_coverage": cover,
        "ask_specific": _specific(known, bags),
        "coverage_specific": _specific(judged, bags),
    }


def _sentence_bags(cached: list[Bags], leaning: list[Concept]) -> list[frozenset[str]]:
    """Each sentence's terms (with its title and heading), and with ``LEAN``, the terms of
    the earlier turns' or the told story's concepts (``leaning``) its own passage holds:
    the answering sentence need not name again the subject the conversation already named
    ("(the bulb) is that still allowed since the box has been opened"), but its passage must
    be about it."""
    if not (LEAN and leaning):
        return [b for _, sents in cached for b in sents] or [frozenset()]
    out = []
    for whole, sents in cached:
        held = frozenset(t for c in leaning if c.present(whole) for alt in c.alts for t in alt)
        out += [b | (held & whole) for b in sents]
    return out or [frozenset()]


def dense_probability(x: list[float]) -> float:
    """``probability`` of the model with the similarity (DENSE_FEATURES, DENSE_WEIGHTS)."""
    z = DENSE_WEIGHTS[0] + sum(w * v for w, v in zip(DENSE_WEIGHTS[1:], x, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def features(query: Query, passages: list[Pair]) -> dict[str, float] | None:
    """Every candidate feature (the model uses ``FEATURES``); None with nothing to judge."""
    content = query.judged()
    known = [c for c in content if c.known]
    if not known or not passages:
        return None
    total = sum(c.weight for c in known)
    heaviest = max(c.weight for c in content)
    cached = [passage_bags(title, text) for title, text in passages]
    bags = [whole for whole, _ in cached]
    sentences = _sentence_bags(cached, [c for c in known if c.how == "context"])
    best = max(sentences, key=lambda b: _share(known, b, total))
    rare = max(known, key=lambda c: c.weight)
    unknown = sum(c.weight for c in content if not c.known)
    absent = [c.weight for c in known if not any(c.present(b) for b in bags)]
    matched = sum(c.weight for c in known if c.present(best))
    everything = total + unknown
    feats = {
        "coverage": max(_share(known, bag, total) for bag in bags),
        "coverage_all": max(_share(known, bag, everything) for bag in bags),
        "sentence_all": _share(known, best, everything),
        "sentence": _share(known, best, total),
        "rarest": float(any(rare.present(bag) for bag in bags)),
        "novelty": unknown / (unknown + total),
        "terse_novelty": unknown / (unknown + total) if len(content) <= TERSE else 0.0,
        "unmatched": max(absent, default=0.0) / heaviest,
        "size": min(1.0, math.log1p(len(content)) / math.log(30)),
        "matched": min(1.0, math.log1p(matched) / math.log(40)),
        **_ask_features(query, bags),
    }
    if EXPLORE or "sentence_unseen" in (*FEATURES, *DENSE_FEATURES):  # +28% per assess
        feats["sentence_unseen"] = _unseen_coverage(content, sentences)
    used = (*FEATURES, *DENSE_FEATURES)
    if EXPLORE:  # candidates measured and not taken (evidence.variants)
        feats.update(evidence.variants(query.judged(), cached, sentences))
    if EXPLORE or "heading" in used:
        feats["heading"] = evidence.heading(known, passages)
    if EXPLORE or any(n in used for n in evidence.POINTED):
        whole = frozenset().union(*bags)
        feats.update(evidence.pointed(query.text, query.judged(), sentences, whole))
    if EXPLORE or "document" in used:
        feats["document"] = evidence.document(known, passages)
    return feats


IMPLIED = True  # a told situation is judged by its point as well, its shape's words aside


def storyless_query(query: Query) -> Query | None:
    """``query`` with the words of its story's shape and time (``query.turns.shape_words``),
    its numbers and the verbs of what the customer did made frame: what a told situation
    implies is asked of its things ("the hub", "my return"), not of "still", "tuesday" or
    "sent". None when that leaves no known concept, or nothing changes."""
    shape = shape_words(query.text)
    concepts = tuple(
        replace(c, frame=True)
        if not c.frame and (c.words.lower() in shape or _storyless(c.words) or c.key in shape)
        else c
        for c in query.concepts
    )
    if concepts == query.concepts or not any(c.known for c in concepts if not c.frame):
        return None
    return Query(query.text, concepts)


def probability(x: list[float]) -> float:
    z = WEIGHTS[0] + sum(w * v for w, v in zip(WEIGHTS[1:], x, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def assess(
    query: Query,
    vocab: Vocabulary,
    passages: list[Pair],
    context: tuple[str, ...] = (),
    dense: float | None = None,
    told: bool = False,
) -> Assessment:
    """Answerability of ``query`` from (title, text) passages, best first; ``context``: the
    texts of earlier turns it leans on (their named things must be covered too); ``dense``:
    the embedding similarity (see DENSE_FEATURES), None without an embedder; ``told``: the
    question is a situation told, not asked ("I left my headphones on the plane."): its
    unseen words are the customer's story, not a point the passages must hold (its named
    things still must)."""
    words: set[str] = set()
    for title, text in passages:
        words |= passage_bags(title, text)[0]
    query = clipped(read_typos(lead_in(unworded(query)), words), words)  # "admin" fee
    query = slipped_words(query, [f"{title}\n{text}" for title, text in passages])
    if ANSWER_WORDING:
        query = answer_wording(query)
    if LIGHT_WORDING:
        query = light_wording(query, _unseen_wording)
    feats = features(query, passages)
    if feats is None:
        return Assessment(0.0)
    names: tuple[str, ...] = FEATURES
    if dense is not None:
        feats["dense"] = dense
        names = DENSE_FEATURES
    x = [feats[name] for name in names]
    kind = implied(query.text) if told and IMPLIED else ""
    better = _storyless_reading(query, passages, names, dense, x) if kind else None
    if better is None:
        kind = ""
    else:
        feats, x = better
    present = words
    missing = _named_missing((query.text, *context), vocab, present, passages)
    if not told:
        missing += novel_points(query, present)
    missing += unlisted_numbers(query.text, passages)
    missing += unoffered(query, present)
    missing += named_kinds(query.text, passages, present, told)  # services, units...
    missing += unlisted_row(query, passages, told)  # a table row asked what it never says
    missing += unlisted_period(query, passages)  # a column per a period it lacks
    missing += unmet(query, passages, lambda: _sentences(passages), present, told)  # never met
    missing += unlisted_plan(query, passages)  # "on Starter": a row no table has
    if NARROW_KINDS:
        missing += narrowed(query, present)
    if POINT_KINDS and not told:
        missing += evidence.narrowed_point(query.text, query.content(), frozenset(present))
    if CURRENCIES:
        missing += evidence.foreign_currency(query.text, lambda t: t in vocab or t in present)
    if missing:
        return Assessment(0.0, feats, list(dict.fromkeys(missing)), kind)
    return Assessment(_score(x, dense), feats, implied=kind)


def _sentences(passages: list[Pair]) -> list[frozenset[str]]:
    return [bag for title, text in passages for bag in passage_bags(title, text)[1]]


def _named_missing(
    texts: tuple[str, ...], vocab: Vocabulary, present: set[str], passages: list[Pair]
) -> list[str]:
    """``missing_names`` of each text, a country held by the passages' cities as well as by
    its name, a region by its countries (``gazetteer.city_countries``, ``held_regions``)."""
    places = frozenset().union(*(city_countries(text) for _, text in passages))
    places |= held_regions(present | places)
    return [m for t in texts for m in missing_names(t, vocab, present, places)]


def _storyless_reading(
    query: Query, passages: list[Pair], names: tuple[str, ...], dense: float | None, x: list[float]
) -> tuple[dict[str, float], list[float]] | None:
    """The features of a told situation's second reading (``storyless_query``) when it
    scores above the message's own (``x``); None otherwise."""
    point_query = storyless_query(query)
    pointed = features(point_query, passages) if point_query is not None else None
    if pointed is None:
        return None
    if dense is not None:
        pointed["dense"] = dense
    y = [pointed[name] for name in names]
    return (pointed, y) if _score(y, dense) > _score(x, dense) else None


def _score(x: list[float], dense: float | None) -> float:
    return probability(x) if dense is None else dense_probability(x)
