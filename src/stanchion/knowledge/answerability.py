"""Can the retrieved passages answer the question at all? A score in [0, 1].

Retrieval coverage alone lets through questions whose topic words match but whose point
does not ("Do you ship to Australia?" against the shipping page). The score combines:

- passage coverage: the IDF-weighted share of the question's terms the best passage holds;
- sentence alignment: the same share for the best single sentence (headings and the title
  count as context), since an answer sits in one place, not spread over a page;
- the rarest term: whether the question's highest-IDF term is in the best passage;
- named things: a capitalised word (not opening a sentence) or a token with digits in the
  question ("Bitcoin", "Berlin", "4K", "1998") must occur in one of the passages, else 0.

The weights are a logistic model fitted on the DEV half of clapnq (answerable vs not;
``python bench/knowledge.py answerability --fit``).

>>> weights = {"ship": 2.0, "australia": 4.0}
>>> assess("Do you ship to Australia?", weights, [("Shipping", "We ship to Canada.")])
0.0
"""

from __future__ import annotations

import math
import re

from stanchion.knowledge.text import STOPWORDS, normalize_word, stem, terms, words

WEIGHTS = (-2.0, 1.71, 1.13, 0.25)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
OPENER = re.compile(r"(?:^|[.!?:;\n\"(]\s*)$")
# the frame of a question, not its subject: "how LONG does it TAKE", "how MANY", "how MUCH"
FRAME = re.compile(r"\bhow\s+([a-z]+)|\b(take|takes|mean|means)\b", re.I)


def frame_terms(question: str) -> set[str]:
    return {t for m in FRAME.finditer(question) for t in terms(m.group(1) or m.group(2))}


def named_terms(question: str) -> set[str]:
    """Terms of the question that name something: capitalised mid-sentence, or with digits."""
    out = set()
    for raw, start, _ in words(question):
        word = normalize_word(raw)
        if word in STOPWORDS:
            continue
        digits = any(ch.isdigit() for ch in raw)
        capital = raw[0].isupper() and not OPENER.search(question[:start])
        if digits or capital:
            out.add(stem(word))
    return out


def sentence_coverage(qterms: list[str], weights: dict[str, float], title: str, text: str) -> float:
    """Best IDF-weighted share of the question's terms in one sentence (+ title, heading)."""
    total = sum(weights[t] for t in qterms) or 1.0
    context = set(terms(title))
    best = 0.0
    for raw in SENTENCE.split(text):
        sentence = raw.strip()
        found = set(terms(sentence))
        if sentence.startswith("#"):
            context = set(terms(title)) | found
            continue
        best = max(best, sum(weights[t] for t in qterms if t in found | context) / total)
    return best


def features(
    qterms: list[str], weights: dict[str, float], passages: list[tuple[str, str]]
) -> list[float]:
    """[passage coverage, sentence coverage, rarest term present] of the best passage."""
    title, text = passages[0]
    found = set(terms(title)) | set(terms(text))
    total = sum(weights[t] for t in qterms) or 1.0
    rare = max(qterms, key=lambda t: weights[t])
    return [
        sum(weights[t] for t in qterms if t in found) / total,
        sentence_coverage(qterms, weights, title, text),
        float(rare in found),
    ]


def probability(x: list[float]) -> float:
    z = WEIGHTS[0] + sum(w * v for w, v in zip(WEIGHTS[1:], x, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def evidence(
    question: str, weights: dict[str, float], passages: list[tuple[str, str]]
) -> list[float] | None:
    """The model's features, or None when there is nothing to judge or a named thing of the
    question is in none of the passages."""
    frame = frame_terms(question)
    qterms = [t for t in dict.fromkeys(terms(question)) if t in weights and t not in frame]
    if not qterms or not passages:
        return None
    present: set[str] = set()
    for title, text in passages:
        present |= set(terms(title)) | set(terms(text))
    if named_terms(question) - present:
        return None
    return features(qterms, weights, passages)


def assess(question: str, weights: dict[str, float], passages: list[tuple[str, str]]) -> float:
    """Answerability of ``question`` from (title, text) passages, best first; weights: the
    IDF weight of each of the question's terms in the searched corpus."""
    x = evidence(question, weights, passages)
    return 0.0 if x is None else probability(x)
