"""What a follow-up is about: the situation told in the turn before it, and the passages
the assistant's reply to that turn was answered from.

    grounded(retriever, "Standard fares include one cabin bag up to 8 kg.", answers)
    # -> the cabin-bag passage that holds the reply, not the checked-bag one
"""

from __future__ import annotations

from collections.abc import Callable

from stanchion.knowledge.base import Passage
from stanchion.knowledge.query import is_told
from stanchion.knowledge.retriever import KnowledgeRetriever

GROUNDS = 2  # passages read for what a reply was answered from


def told_before(turns: list[str]) -> bool:
    """Did the user turn before the last tell a situation and ask nothing ("my bag is
    lost")? Then the last turn asks about it, however much it names of its own."""
    return len(turns) > 1 and is_told(turns[-2])


def grounded(
    r: KnowledgeRetriever, reply: str, answers: Callable[[float], bool]
) -> tuple[Passage, ...]:
    """The passages the assistant's ``reply`` was answered from: those that hold it as a
    question would be answered (``answers`` of their score: an extractive reply is their own
    sentence, a model's restates it; a refusal or small talk is held by none)."""
    if not reply.strip():
        return ()
    query = r.parse(reply)
    return tuple(p for p in r.ranked(query, GROUNDS) if answers(r.assess(query, [p]).score))


def unique(passages: list[Passage]) -> list[Passage]:
    """Each span once, at its first place."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for p in passages:
        key = (p.doc_id, p.version, p.start)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
