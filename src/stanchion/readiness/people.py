"""The people loop, in figures: feedback comments grouped into themes, the share of users
who rate, and how fast reviewers decide.

Themes are found offline: each comment becomes a bag of content words; a comment joins the
theme whose words it shares most (cosine >= ``JOIN``, 0.4), else starts one. A theme is named by
its most frequent words. Good enough to show owners what users keep saying, no model needed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from stanchion.errors import CryptoError
from stanchion.registry.schema import feedback, review_items
from stanchion.rollout.measure import percentile
from stanchion.store.crypto import Cipher

JOIN = 0.4
WORD = re.compile(r"[a-z][a-z'-]{2,}")
STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "that",
        "this",
        "with",
        "was",
        "were",
        "are",
        "but",
        "not",
        "you",
        "your",
        "have",
        "has",
        "had",
        "too",
        "very",
        "its",
        "it's",
        "from",
        "they",
        "them",
        "then",
        "than",
        "what",
        "when",
        "which",
        "who",
        "why",
        "how",
        "can",
        "could",
        "would",
        "should",
        "about",
        "just",
        "also",
        "there",
        "here",
        "all",
        "any",
        "some",
        "more",
        "most",
        "much",
        "into",
        "out",
        "our",
        "one",
        "get",
        "got",
        "did",
        "does",
        "don't",
        "didn't",
        "isn't",
        "wasn't",
        "answer",
        "answers",
    ]
)


@dataclass
class Theme:
    words: Counter[str] = field(default_factory=Counter)
    scores: list[int] = field(default_factory=list)
    example: str = ""

    def name(self) -> str:
        return ", ".join(w for w, _ in self.words.most_common(3))

    def to_record(self) -> dict[str, Any]:
        return {
            "theme": self.name(),
            "comments": len(self.scores),
            "mean_score": round(sum(self.scores) / len(self.scores), 2),
            "example": self.example,
        }


def _bag(text: str) -> Counter[str]:
    return Counter(
        w.rstrip("s") if len(w) > 4 else w for w in WORD.findall(text.lower()) if w not in STOP
    )


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def cluster(comments: list[tuple[str, int]]) -> list[Theme]:
    """Group (comment, score) pairs into themes, largest first."""
    themes: list[Theme] = []
    for text, score in comments:
        bag = _bag(text)
        if not bag:
            continue
        best = max(themes, key=lambda t: _cosine(bag, t.words), default=None)
        if best is None or _cosine(bag, best.words) < JOIN:
            best = Theme(example=text[:200])
            themes.append(best)
        best.words.update(bag)
        best.scores.append(score)
    return sorted(themes, key=lambda t: -len(t.scores))


def comments(conn: Connection, cipher: Cipher, app: str, since: float) -> list[tuple[str, int]]:
    f = feedback.c
    rows = conn.execute(
        select(f.comment_enc, f.score).where(
            f.app == app, f.updated_at >= since, f.comment_enc.is_not(None)
        )
    ).all()
    out = []
    for r in rows:
        try:
            out.append((cipher.decrypt_text(r.comment_enc), int(r.score)))
        except CryptoError:  # its rater was erased (the key is gone): not there to read
            continue
    return out


def turnaround(conn: Connection, app: str, since: float) -> dict[str, Any]:
    """Hours from a held answer to a reviewer's decision: median and p90."""
    r = review_items.c
    rows = conn.execute(
        select(r.created_at, r.decided_at).where(
            r.app == app, r.created_at >= since, r.decided_at.is_not(None)
        )
    ).all()
    hours = [(row.decided_at - row.created_at) / 3600 for row in rows]
    return {
        "decided": len(hours),
        "median_hours": percentile(hours, 0.5),
        "p90_hours": percentile(hours, 0.9),
    }
