"""A message as questions, and a follow-up made standalone.

``split_parts`` cuts a message into the questions it asks: sentences, and clauses joined by
"and"/"also" before a new question word. A statement ("I ordered the hub on Monday.") is
context for the question after it, not a question of its own. ``is_followup`` tells a turn
that leans on earlier ones ("can I still send it back?", "and to Canada?"); the retriever
then carries the salient concepts of the earlier user turns into its query.

>>> split_parts("I ordered a hub monday. Can I still cancel it? also how long do refunds take")
['I ordered a hub monday. Can I still cancel it?', 'also how long do refunds take']
"""

from __future__ import annotations

import re

from stanchion.knowledge.query.parse import Query

MAX_PARTS = 4
_QWORD = (
    r"how|what|whats|what's|when|where|which|who|why|can|could|do|does|did|is|are|will|would"
    r"|should|shall|may|am|was|were|have|has|if|any|tell|explain|show|give|list"
)
SENTENCES = re.compile(r"(?<=[?!.])\s+|\n+|;\s+|(?<=\?)(?=\S)")
CLAUSES = re.compile(
    rf",?\s+(?:and|also|plus|but|or)\s+(?:also\s+|then\s+)?(?=(?:{_QWORD})\b)"
    rf"|,\s+(?=(?:how|what|when|where|which|why)\b)",
    re.I,
)
ASK = re.compile(
    rf"\?\s*$|^\W*(?:(?:ok|okay|so|and|also|hi|hey|hello|thanks|please|pls)\W+)*(?:{_QWORD})\b"
    r"|\b(?:i need|i want|i would like|i'd like|please|pls|tell me|let me know|help me"
    r"|wondering)\b",
    re.I,
)
PRONOUN = re.compile(
    r"\b(?:it|its|it's|they|them|their|that|this|those|these|one|ones|there)\b", re.I
)
ELLIPSIS = re.compile(r"^\W*(?:and|also|what about|how about|what if|same|then|or)\b", re.I)


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    for sentence in SENTENCES.split(text):
        out.extend(p.strip() for p in CLAUSES.split(sentence) if p and p.strip())
    return [p for p in out if re.search(r"[A-Za-z0-9]", p)]


def split_parts(text: str) -> list[str]:
    """The questions of a message, each with the statements that lead up to it."""
    parts: list[str] = []
    pending: list[str] = []
    for piece in _pieces(text):
        pending.append(piece)
        if ASK.search(piece):
            parts.append(" ".join(pending))
            pending = []
    if pending:
        if parts:
            parts[-1] = parts[-1] + " " + " ".join(pending)
        else:
            parts.append(" ".join(pending))
    if len(parts) > MAX_PARTS:
        parts = [*parts[: MAX_PARTS - 1], " ".join(parts[MAX_PARTS - 1 :])]
    return parts or [text.strip()]


def is_followup(text: str, query: Query) -> bool:
    """A turn that needs earlier ones: a pronoun or ellipsis with few concepts of its own, or
    almost no concept at all ("and for express?", "can I still send it back?")."""
    own = [c for c in query.content() if c.known]
    if len(own) <= 1:
        return True
    return len(own) <= 3 and bool(PRONOUN.search(text) or ELLIPSIS.search(text))


def salient_words(query: Query, limit: int = 4) -> list[str]:
    """The raw words of the heaviest known concepts, in the order the turn wrote them."""
    ranked = sorted((c for c in query.content() if c.known), key=lambda c: -c.weight)[:limit]
    keep = {id(c) for c in ranked}
    return [c.words for c in query.concepts if id(c) in keep]
