"""New topics: the questions the app refused or users rated low, clustered into themes with
counts and example questions, so an owner sees what users ask that nobody planned for.

The questions are content: they are opened (decrypted) here and only for callers allowed
to read content (``traces.read`` on the API; the CLI holds the master key).

    themes = topic_report(conn, cipher, "demo", since, until)
    for t in themes: print(t.label, t.count, t.unplanned, t.examples)

Clustering: each question becomes its set of index terms (the knowledge analyser: stems,
no stop words); two questions sharing at least ``JACCARD`` of their terms join one theme
(single linkage, union-find). A theme's label is its three most frequent terms; it is
``unplanned`` when most of those terms are in no approved document.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, or_, select

from stanchion.knowledge.sealed_terms import approved_words
from stanchion.knowledge.text import terms
from stanchion.registry.schema import feedback
from stanchion.store.crypto import Cipher
from stanchion.store.schema import traces

JACCARD = 0.3
WORD = re.compile(r"[^\W_]+")
MAX_QUESTIONS = 1000
EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class Theme:
    label: str
    count: int
    refused: int
    low_rated: int
    unplanned: bool
    examples: list[str]

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def _question(blob: bytes | None, cipher: Cipher) -> str:
    if not blob:
        return ""
    try:
        messages = orjson.loads(cipher.decrypt(bytes(blob))).get("messages") or []
    except Exception:
        return ""
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):
                c = " ".join(str(p.get("text", "")) for p in c if isinstance(p, dict))
            return str(c or "")[:500]
    return ""


def _collect(
    conn: Connection, cipher: Cipher, app: str, since: float, until: float
) -> list[tuple[str, bool, bool]]:
    """(question, refused, rated low) for the period's refused and low-rated traces."""
    f, t = feedback.c, traces.c
    low = select(f.trace_id).where(
        f.app == app, f.score <= 2, f.updated_at >= since, f.updated_at < until
    )
    low_ids = set(conn.execute(low.limit(MAX_QUESTIONS)).scalars())
    rows = conn.execute(
        select(t.id, t.decision, t.request_enc)
        .where(
            t.app == app,
            or_(
                (t.decision == "refuse") & (t.created_at >= since) & (t.created_at < until),
                t.id.in_(low_ids),
            ),
        )
        .order_by(t.created_at.desc())
        .limit(MAX_QUESTIONS)
    )
    out = []
    for r in rows:
        q = _question(r.request_enc, cipher)
        if q.strip():
            out.append((q, r.decision == "refuse", r.id in low_ids))
    return out


def _clusters(bags: list[frozenset[str]]) -> list[list[int]]:
    parent = list(range(len(bags)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(bags)):
        for j in range(i + 1, len(bags)):
            a, b = bags[i], bags[j]
            if a and b and len(a & b) / len(a | b) >= JACCARD:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(bags)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=len, reverse=True)


def _surface(questions: list[str]) -> dict[str, str]:
    """Each term's first spelling in the questions (a label reads "kettle", not "kettl")."""
    out: dict[str, str] = {}
    for q in questions:
        for word in WORD.findall(q.lower()):
            for t in terms(word)[:1]:
                out.setdefault(t, word)
    return out


def _known(conn: Connection, cipher: Cipher, app: str) -> set[str] | None:
    return approved_words(conn, cipher, app) or None  # index terms, as ``terms`` makes them


def topic_report(
    conn: Connection, cipher: Cipher, app: str, since: float, until: float, limit: int = 20
) -> list[Theme]:
    """The ``limit`` largest themes among the period's refused and low-rated questions."""
    found = _collect(conn, cipher, app, since, until)
    bags = [frozenset(terms(q)) for q, _, _ in found]
    known = _known(conn, cipher, app)
    themes = []
    for members in _clusters(bags)[:limit]:
        counts = Counter(t for i in members for t in sorted(bags[i]))  # ties: a stable label
        top = [t for t, _ in counts.most_common(3)]
        spelled = _surface([found[i][0] for i in members])
        examples = list(dict.fromkeys(found[i][0] for i in members))[:EXAMPLES]
        unplanned = known is not None and sum(t not in known for t in top) * 2 > len(top)
        themes.append(
            Theme(
                " ".join(spelled.get(t, t) for t in top) or "(no terms)",
                len(members),
                sum(found[i][1] for i in members),
                sum(found[i][2] for i in members),
                unplanned,
                examples,
            )
        )
    return themes
