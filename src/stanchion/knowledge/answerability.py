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

A named thing the corpus could plausibly hold but the passages lack vetoes the answer (score
0): a country or carrier ("ship to Australia", "DHL"), or a product-like name (an unknown
word right after a brand word that opens several titles: "Lumen Speaker"). A city stands for
its country: it vetoes when the passages name countries but not its own ("I'm in Sydney"
against "orders to Canada take..."), never against passages that name no country. Numbers,
times of day and misspelt corpus words never veto, nor does an unseen word of a situation
told rather than asked (``told``: its point is the situation, not the customer's things).

>>> from stanchion.knowledge.query import Glossary, Vocabulary, parse
>>> vocab = Vocabulary(20, {"ship": 4, "canada": 1, "day": 9})
>>> q = parse("Do you ship to Australia?", vocab, Glossary({}))
>>> assess(q, vocab, [("Shipping", "We ship to Canada in 5 days.")]).missing
['australia']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from stanchion.knowledge.query.english import commonness, rarity, specificity, zipf
from stanchion.knowledge.query.gazetteer import named_places, unserved_cities
from stanchion.knowledge.query.glossary import TOKEN, token_term
from stanchion.knowledge.query.parse import FILLERS, PLACEHOLDER, Concept, Query
from stanchion.knowledge.query.point import near, point, telling
from stanchion.knowledge.query.vocabulary import Vocabulary
from stanchion.knowledge.tables import readable
from stanchion.knowledge.text import STOPWORDS, index_terms, normalize_word, terms

# Fitted by bench/answerability_fit.py --fit: features and L2 chosen by leave-one-source-out
# over the DEV sources (clapnq, the example app's four sets, appb, appc), the threshold by
# 5-fold cross-validation.
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
ADJECTIVE = 3.0  # an "-ly" word whose base is at least this common is an adverb
NOVEL = 0.25  # rarity of an unseen word that makes it the point (see novel_points)
NEAR = 0.5  # what a derivation of a concept counts for in ``sentence_unseen``
UNSEEN = 0.5  # an unseen word weighs at most this share of the question's heaviest known one
UNSEEN_Z = 5.0  # Zipf from which an unseen word is everyday wording, not a point ("wife")
EXPLORE = False  # compute candidates no model uses (bench/answerability_fit.py sets it)
TERSE = 4  # concepts: in a question this short, a word the corpus lacks is likely its point
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
CLOCK = re.compile(r"\d{1,2}(?:[:.]\d\d)?(?:am|pm|h)", re.I)  # "10am", "2:30pm": a time, not a name
Decision = Literal["answer", "borderline", "refuse"]
Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Assessment:
    """The score and the evidence it was computed from (what the trace records)."""

    score: float
    features: dict[str, float] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def record(self, decision: Decision) -> dict[str, Any]:
        feats: dict[str, Any] = {k: round(v, 4) for k, v in self.features.items()}
        if self.missing:
            feats["missing"] = self.missing
        return {"score": round(self.score, 4), "decision": decision, "features": feats}


@lru_cache(maxsize=4096)
def passage_bags(title: str, text: str) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
    """A passage's terms, and each sentence's with its title and heading as context (cached:
    passages are immutable versions, asked about again and again)."""
    context = frozenset(terms(title))
    bags = []
    for raw in SENTENCE.split(readable(text)):
        sentence = raw.strip()
        found = frozenset(index_terms(sentence))
        if sentence.startswith("#"):
            context = frozenset(terms(title)) | found
            continue
        bags.append(found | context)
    whole = frozenset(index_terms(title)) | frozenset(index_terms(text))
    return whole, tuple(bags)


def _share(concepts: list[Concept], bag: frozenset[str], total: float) -> float:
    return sum(c.weight for c in concepts if c.present(bag)) / total


def _named(word: str, text: str) -> bool:
    """A word written as a name or a code: a capital inside a sentence ("pay with Bitcoin"),
    or letters and digits in one token ("4K", "60fps")."""
    if any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word):
        return True
    if not word[:1].isupper():
        return False
    for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text):
        before = text[: m.start()].rstrip()
        if before and before[-1] not in ".!?:\n\"'(":
            return True
    return False


def novel_points(query: Query, present: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Words of the question itself (not its context) that the corpus has never seen and
    that look like its point: rare in English ("refurbished", "60fps"), or written as a name
    or a code that is not an everyday word ("Bitcoin", "4K"; not "Christmas"). A time of day
    ("10am") and a word the passages hold after all (a catalog row's "Mini") are not."""
    out = []
    for c in query.content():
        if c.known or c.words.isdigit() or PLACEHOLDER.fullmatch(c.words):
            continue
        if CLOCK.fullmatch(c.words) or c.present(present):
            continue
        rare = rarity(c.words)
        if _manner(c.words) or _superlative(c.words):
            continue
        if rare >= NOVEL or (rare > 0 and _named(c.words, query.text)):
            out.append(normalize_word(c.words))
    return out


def _manner(word: str) -> bool:
    """An adverb of an English adjective ("vaguely", "honestly") says how, never what."""
    w = word.lower()
    return len(w) > 5 and w.endswith("ly") and w.isalpha() and zipf(w[:-2]) >= ADJECTIVE


def _superlative(word: str) -> bool:
    """The -est of an everyday adjective ("quickest", "cheapest", "latest") asks which of
    the options the documents list, never for a thing of its own."""
    w = word.lower()
    if len(w) < 6 or not w.endswith("est") or not w.isalpha():
        return False
    base = w[:-3]
    forms = (base, base + "e", base[:-1] if base[-1:] == base[-2:-1] else "", base[:-1] + "y")
    return any(len(f) > 2 and f not in STOPWORDS and zipf(f) >= ADJECTIVE for f in forms)


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
    if any(ch.isdigit() for ch in w) or _manner(w) or _superlative(w):
        return True
    return w.isalpha() and telling(w)


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
    sentences = [b for _, sents in cached for b in sents] or [frozenset()]
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
    return feats


def missing_names(text: str, vocab: Vocabulary, present: set[str]) -> list[str]:
    """Places, carriers and product-like names of ``text`` the passages do not hold."""
    tokens = [m.group() for m in TOKEN.finditer(text)]
    keys = [token_term(t) or "" for t in tokens]
    out = [
        name
        for name, aliases in named_places([k for k in keys if k])
        if not any(all(t in present for t in alias) for alias in aliases)
    ]
    for i, key in enumerate(keys):
        if key in vocab.names:
            out.extend(_unknown_after(tokens, keys, i, vocab, present))
    out.extend(unserved_cities(text, present))
    return list(dict.fromkeys(out))


def _unknown_after(
    tokens: list[str], keys: list[str], i: int, vocab: Vocabulary, present: set[str]
) -> list[str]:
    """Words of a name opened by a brand word at ``i`` that the corpus has never seen. A
    name written in title case ends at its first lower-case word ("the Lumen Thermostat
    installed"); otherwise it runs two words on ("Lumen smart lock")."""
    out: list[str] = []
    titled = tokens[i][:1].isupper()
    asked = titled and i and tokens[i - 1].lower() in AUXILIARIES
    if asked and i + 1 < len(tokens) and tokens[i + 1].islower():
        return out  # "Does Lumen share my data": the brand's verb, not a product's name
    for k, (raw, key) in enumerate(list(zip(tokens, keys, strict=True))[i + 1 : i + 3]):
        if not key or not raw.isalpha() or (titled and k and raw.islower()):
            break
        titled = titled and raw[:1].isupper()
        if normalize_word(raw) in STOPWORDS or normalize_word(raw) in FILLERS:
            break
        if key not in vocab and key not in present and vocab.correct(key) is None:
            out.append(normalize_word(raw))
    return out


# "do you offer X", "is there an X": what is offered is named; if the corpus never names it,
# nothing in the documents offers it ("do you offer installation", "any student discount")
OFFER = re.compile(
    r"\b(?:(?:do|does|will|would|can|could)\s+(?:you|u|ya|they|we)\s+(?:guys\s+)?"
    r"(?:offer|have|sell|provide|supply|support|accept|take|carry|stock|give|run|do)"
    r"|(?:is|are)\s+there|any\s+chance\s+of)\s+"
    r"(?:(?:a|an|any|some|the|your|ur)\s+)?(?P<what>[a-z0-9'-]+(?:\s+[a-z0-9'-]+){0,2})",
    re.I,
)
# "can I bring my own sandwiches": what the customer would bring is named; if the corpus
# never names it, no rule of the documents is about it
BRING = re.compile(
    r"\b(?:can|could|may)\s+(?:i|we|u|you)\s+(?:bring|take|pack|carry)\s+"
    r"(?:(?:a|an|my|our|the|his|her|their|some|any|own)\s+){0,2}"
    r"(?P<what>[a-z0-9'-]+(?:\s+[a-z0-9'-]+)?)",
    re.I,
)
GENERIC = 5.3  # Zipf of "else", "way", "thing": words that name no particular offer
_OFFER_END = frozenset(
    [
        *("for", "with", "in", "on", "to", "at", "of", "if", "or", "and", "but", "so"),
        *("when", "that", "which", "where", "who", "i", "you", "we"),
    ]
)


def unoffered(query: Query, present: set[str] | frozenset[str]) -> list[str]:
    """The words naming what an "is there / do you offer" question asks for that neither the
    corpus nor the passages hold ("installation" in "do you offer installation?")."""
    words = []
    for m in (OFFER.search(query.text), BRING.search(query.text)):
        for w in m.group("what").split() if m else ():
            if w.lower() in _OFFER_END:
                break
            if not w.lower().endswith("'s"):  # "my mother's scooter": whose, not what
                words += [normalize_word(part) for part in w.split("-") if part]
    if not words:
        return []
    out = []
    for c in query.content():
        key = normalize_word(c.words)
        if key in words and not c.known and not c.present(present) and key not in FILLERS:
            generic = zipf(key) >= GENERIC  # "is there something else", "any other way"
            if not key.isdigit() and not CLOCK.fullmatch(key) and not generic:
                out.append(key)
    return out


# before a brand, the question asks what the company does: "does Lumen sell...", "can Acme fix"
AUXILIARIES = frozenset(
    ["do", "does", "did", "will", "would", "can", "could", "should", "may", "has", "have"]
)
LABELLED = re.compile(r"\b([a-z]{3,})[ -](\d{1,3})\b", re.I)  # "level 3", "tier 2", "gen 4"


def unlisted_numbers(text: str, passages: list[Pair]) -> list[str]:
    """A numbered thing the passages number otherwise: "level 3" where they describe Level 1
    and Level 2 only. A word the passages never number is not a label ("around 80"). One
    pass over the passages and one over the question, whatever the question's length."""
    numbered: dict[str, set[str]] = {}
    for _, body in passages:
        for m in LABELLED.finditer(body):
            numbered.setdefault(m.group(1).lower(), set()).add(m.group(2))
    out = []
    for m in LABELLED.finditer(text):
        word, number = m.group(1).lower(), m.group(2)
        seen = numbered.get(word)
        if seen and number not in seen and word not in STOPWORDS:
            out.append(f"{word} {number}")
    return list(dict.fromkeys(out))


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
    feats = features(query, passages)
    if feats is None:
        return Assessment(0.0)
    names: tuple[str, ...] = FEATURES
    if dense is not None:
        feats["dense"] = dense
        names = DENSE_FEATURES
    x = [feats[name] for name in names]
    present: set[str] = set()
    for title, text in passages:
        present |= passage_bags(title, text)[0]
    missing = [m for t in (query.text, *context) for m in missing_names(t, vocab, present)]
    if not told:
        missing += novel_points(query, present)
    missing += unlisted_numbers(query.text, passages)
    missing += unoffered(query, present)
    if missing:
        return Assessment(0.0, feats, list(dict.fromkeys(missing)))
    return Assessment(probability(x) if dense is None else dense_probability(x), feats)
