"""Denied topics: each is a name, a description and examples in the app spec.

Matching is lexical: stemmed content words weighted by how specific they are to one topic
(an IDF over the topics' own texts), cosine similarity of the text with the description and
with each example, best of them. It needs no model, runs in microseconds, and is measured on a
small hand-written set in ``bench/guards.py``; it is a keyword-level matcher, so paraphrases
that share no content word with the examples are missed (see docs/guards.md)::

    guard = TopicGuard(TopicsSpec(enabled=True, denied=[DeniedTopic(
        name="legal_advice", description="legal advice about lawsuits and contracts",
        examples=["Can I sue my landlord?"])]))
    guard.check("should I sue my landlord over the deposit", None)[0].type  # 'topic.legal_advice'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from stanchion.guards.base import Finding
from stanchion.guards.normalize import normalize

if TYPE_CHECKING:
    from stanchion.guards.policy import DeniedTopic, TopicsSpec
    from stanchion.pipeline.exchange import Exchange

STOP = frozenset(
    """a an the and or but if of to in on at for with by from about as is are was were be been
    being do does did have has had i me my we our you your he she it its they them their this that
    these those what which who whom how why when where can could should would will shall may might
    must not no yes so than then there here some any all more most very just also into over out up
    down off again please tell give want need know like get make let help question""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-z][a-z'-]+")


def stem(word: str) -> str:
    for suffix in (
        "ations",
        "ation",
        "ings",
        "ing",
        "ies",
        "ied",
        "ers",
        "er",
        "es",
        "ed",
        "ly",
        "s",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


def terms(text: str) -> Counter[str]:
    return Counter(stem(w) for w in _WORD.findall(normalize(text).text.lower()) if w not in STOP)


class _Topic:
    def __init__(self, topic: DeniedTopic, idf: dict[str, float], threshold: float) -> None:
        self.type = f"topic.{topic.name}"
        self.threshold = topic.threshold if topic.threshold is not None else threshold
        texts = [f"{topic.name.replace('_', ' ')} {topic.description}", *topic.examples]
        self.vectors = [_weigh(terms(t), idf) for t in texts]

    def score(self, vector: dict[str, float]) -> float:
        return max((_cosine(vector, v) for v in self.vectors), default=0.0)


class TopicGuard:
    name = "topics"
    version = "1"

    def __init__(self, spec: TopicsSpec) -> None:
        docs = [terms(f"{t.name} {t.description} {' '.join(t.examples)}") for t in spec.denied]
        df = Counter(term for doc in docs for term in doc)
        n = max(1, len(docs))
        self.idf = {term: 1.0 + math.log((1 + n) / (1 + count)) for term, count in df.items()}
        self.topics = [_Topic(t, self.idf, spec.threshold) for t in spec.denied]
        self.detector = f"{self.name}@{self.version}"

    def check(self, text: str, exchange: Exchange | None) -> list[Finding]:
        vector = _weigh(terms(text), self.idf)
        found = []
        for topic in self.topics:
            score = topic.score(vector)
            if score >= topic.threshold:
                found.append(
                    Finding(topic.type, 0, len(text), min(1.0, score + 0.5), self.detector)
                )
        return found


def _weigh(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    # Words no topic uses get a low weight: they dilute the text's vector, not the match.
    return {t: (1 + math.log(c)) * idf.get(t, 0.3) for t, c in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0
