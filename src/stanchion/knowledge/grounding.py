"""Output validation: split an answer into claims and score each against the sources.

A claim's support is a small logistic model over lexical evidence (how much of its content
the sources contain, in the best-matching window, as bigrams, and whether its numbers and
names occur at all). Weights were fitted on the development halves of the public grounding
sets (``bench/knowledge.py``) and ship as constants: no model, no download.

    v = Validator(Grounding()).validate("Refunds take 5 days.", ["Refunds take 5 days."])
    assert v.score > 0.9 and not v.findings
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from stanchion.guards.base import Action, Finding
from stanchion.knowledge.spec import Grounding, GroundingAction
from stanchion.knowledge.text import STOPWORDS, normalize_word, stem, words

if TYPE_CHECKING:
    from stanchion.knowledge.catalog import Catalog

DETECTOR = "grounding@1"
CLAIM_END = re.compile(r"(?<=[.!?;])\s+|\n+")
NUMBER = re.compile(r"^\d[\d.,]*$")
ACTIONS: dict[GroundingAction, Action] = {
    "flag": "flag",
    "caveat": "flag",
    "hold": "hold",
    "block": "block",
}

# Feature weights (bias first); see FEATURES for the order. Fitted by bench/knowledge.py.
WEIGHTS = (-1.05, 0.496, -0.128, 1.435, 0.513, -1.321, -1.319, -0.347, -0.584, 0.227)
FEATURES = (
    "coverage",
    "window",
    "bigrams",
    "idf_coverage",
    "novel_number",
    "novel_name",
    "novel_count",
    "negation_mismatch",
    "length",
)
NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "without",
        "nor",
        "none",
        "cannot",
        "excluding",
        "neither",
        "nothing",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "wont",
        "cant",
        "couldnt",
        "shouldnt",
    }
)


NEUTRAL = (1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(slots=True)
class Source:
    """The sources prepared once: term set, bigrams, numbers, sentence windows."""

    terms: set[str]
    bigrams: set[tuple[str, str]]
    windows: list[set[str]]
    df: dict[str, int]
    negated: list[bool]

    @classmethod
    def of(cls, texts: list[str]) -> Source:
        terms: set[str] = set()
        bigrams: set[tuple[str, str]] = set()
        windows: list[set[str]] = []
        negated: list[bool] = []
        df: dict[str, int] = {}
        for text in texts:
            for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
                toks = [t for t, _, _ in content_terms(sentence)]
                terms.update(toks)
                bigrams.update(pairwise(toks))
                windows.append(set(toks))
                negated.append(has_negation(sentence))
                for t in set(toks):
                    df[t] = df.get(t, 0) + 1
        merged = [windows[i] | windows[i + 1] for i in range(len(windows) - 1)]
        neg2 = [negated[i] or negated[i + 1] for i in range(len(negated) - 1)]
        return cls(terms, bigrams, windows + merged, df, negated + neg2)


def has_negation(text: str) -> bool:
    return any(
        normalize_word(w) in NEGATIONS or w.lower().endswith("n't") for w, _, _ in words(text)
    )


def content_terms(text: str) -> list[tuple[str, int, int]]:
    """(stemmed term, start, end) of the words that carry content."""
    out = []
    for raw, s, e in words(text):
        w = normalize_word(raw)
        if w not in STOPWORDS:
            out.append((stem(w), s, e))
    return out


@dataclass(slots=True)
class Claim:
    start: int
    end: int
    text: str
    score: float
    supported: bool
    unsupported: list[tuple[int, int]] = field(default_factory=list)
    novel_numbers: list[tuple[int, int]] = field(default_factory=list)
    features: list[float] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "supported": self.supported,
            "unsupported": self.unsupported,
        }


@dataclass(slots=True)
class Validation:
    """Groundedness in [0, 1] (the weakest claim's support), claims, findings, caveat."""

    score: float
    claims: list[Claim]
    findings: list[Finding]
    caveat: str | None = None

    threshold: float = 0.5

    @property
    def grounded(self) -> bool:
        return self.score >= self.threshold

    def to_record(self) -> dict[str, Any]:
        return {
            "groundedness": round(self.score, 4),
            "grounded": self.grounded,
            "claims": [c.to_record() for c in self.claims],
            "findings": [f.to_record() for f in self.findings],
            "caveat": self.caveat,
        }


def split_claims(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in CLAIM_END.finditer(text):
        if text[pos : m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


def claim_features(claim: str, source: Source, skip: set[str]) -> tuple[list[float], list[Any]]:
    """Feature vector of one claim, plus the spans of its unsupported words and numbers."""
    toks = [(t, s, e) for t, s, e in content_terms(claim) if t not in skip]
    if not toks:
        return list(NEUTRAL), [[], []]
    names = {t for t, s, _ in toks if claim[s].isupper() and s > 0}
    n_src = max(len(source.windows), 1)
    weight = {t: math.log(1 + n_src / (1 + source.df.get(t, 0))) + 0.5 for t, _, _ in toks}
    present = [t in source.terms for t, _, _ in toks]
    terms = [t for t, _, _ in toks]
    coverage = sum(present) / len(toks)
    idf_cov = sum(weight[t] for t, p in zip(terms, present, strict=True) if p) / sum(
        weight[t] for t in terms
    )
    uniq = set(terms)
    overlaps = [len(uniq & w) for w in source.windows]
    best = max(range(len(overlaps)), key=overlaps.__getitem__) if overlaps else -1
    window = overlaps[best] / len(uniq) if overlaps else 0.0
    negation = float(has_negation(claim) != (source.negated[best] if best >= 0 else False))
    pairs = list(pairwise(terms))
    bigrams = sum(p in source.bigrams for p in pairs) / len(pairs) if pairs else coverage
    missing = [(s, e) for (t, s, e), p in zip(toks, present, strict=True) if not p]
    numbers = [
        (s, e) for (t, s, e), p in zip(toks, present, strict=True) if not p and NUMBER.match(t)
    ]
    novel_name = float(any(t in names and not p for t, p in zip(terms, present, strict=True)))
    feats = [
        coverage,
        window,
        bigrams,
        idf_cov,
        float(bool(numbers)),
        novel_name,
        math.log1p(len(missing)),
        negation,
        math.log1p(len(toks)),
    ]
    return feats, [missing, numbers]


def aggregate(per_claim: list[list[float]]) -> list[float]:
    """An answer's features: its weakest evidence (min) and strongest novelty (max)."""
    cols = list(zip(*per_claim, strict=True))
    return [min(c) for c in cols[:4]] + [max(c) for c in cols[4:]]


def support(feats: list[float]) -> float:
    z = WEIGHTS[0] + sum(w * f for w, f in zip(WEIGHTS[1:], feats, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


class Validator:
    """Scores answers against passages (and the catalog) and applies the spec's policy."""

    def __init__(self, policy: Grounding, catalog: Catalog | None = None) -> None:
        self.policy, self.catalog = policy, catalog

    def claims(self, answer: str, sources: list[str], question: str = "") -> list[Claim]:
        source = Source.of(sources)
        skip = {t for t, _, _ in content_terms(question)} - source.terms
        out = []
        for s, e in split_claims(answer):
            feats, (missing, numbers) = claim_features(answer[s:e], source, skip)
            score = support(feats)
            out.append(
                Claim(
                    s,
                    e,
                    answer[s:e],
                    score,
                    score >= self.policy.threshold,
                    [(s + a, s + b) for a, b in missing],
                    [(s + a, s + b) for a, b in numbers],
                    feats,
                )
            )
        return out

    def validate(self, answer: str, sources: list[str], question: str = "") -> Validation:
        claims = self.claims(answer, sources, question)
        score = support(aggregate([c.features for c in claims])) if claims else 1.0
        findings: list[Finding] = []
        if self.policy.enabled:
            findings += self._findings(claims)
        if self.catalog is not None:
            findings += self.catalog.check(answer)
        caveat = self.policy.caveat if findings and self._wants_caveat(findings) else None
        return Validation(score, claims, findings, caveat, self.policy.threshold)

    def _findings(self, claims: list[Claim]) -> list[Finding]:
        out = []
        act, num_act = ACTIONS[self.policy.action], ACTIONS[self.policy.number_action]
        for c in claims:
            if not c.supported:
                out.append(
                    Finding(
                        "grounding.unsupported",
                        c.start,
                        c.end,
                        1.0 - c.score,
                        DETECTOR,
                        "output",
                        act,
                    )
                )
            for s, e in c.novel_numbers:
                out.append(
                    Finding("grounding.unsupported_number", s, e, 1.0, DETECTOR, "output", num_act)
                )
        return out

    def _wants_caveat(self, findings: list[Finding]) -> bool:
        caveats: dict[str, str] = {
            "grounding.unsupported": self.policy.action,
            "grounding.unsupported_number": self.policy.number_action,
        }
        if self.catalog is not None:
            caveats.update(self.catalog.policy_actions())
        return any(caveats.get(f.type) == "caveat" for f in findings)
