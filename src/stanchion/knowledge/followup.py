"""How a turn leans on the conversation before it: the earlier turns a follow-up reads, the
documents it is taken to be about (its subject), and its own words ranked within them.

A follow-up ("can I still send it back?") names too little of its own; the planner carries
the salient concepts of the turn before (``earlier``), and judges it a second time by its
own words against the documents the earlier turn was retrieved from (``Subjects``, ``own``);
its ranking also reads the document the assistant's reply came from (``answered_from``).

>>> told_before(["my bag is lost", "how long do you look for it"])
True
>>> prior(["how much is the hub"], "The hub costs 99 USD.")[1] >= {"hub", "cost"}
True
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stanchion.knowledge.base import Passage
from stanchion.knowledge.query import Ask, Query, is_followup, is_told, split_asks
from stanchion.knowledge.query.turns import PRONOUN, unabbreviate
from stanchion.knowledge.retriever import KnowledgeRetriever
from stanchion.knowledge.text import terms

PLANS = 4096  # subjects kept per index generation (the same conversations come back)
# What a turn is read for retrieval and answerability up to: a long e-mail is ~3,000
# characters; past this, parsing only costs CPU (~130 us a word) while holding the GIL.
QUESTION_CHARS = 8000
SUBJECT_PASSAGES = 2  # of each earlier part: the documents a follow-up is taken to be about
OWN = 1  # passage(s) a follow-up's own words add from its subject's documents
WIDE = 3  # ranks read for the subject's documents: WIDE * k
REPLY_PASSAGES = 1  # of the assistant's reply: its document is what a follow-up reads


def told_before(turns: list[str]) -> bool:
    """Did the user turn before the last tell a situation and ask nothing ("my bag is
    lost")? Then the last turn asks about it, however much it names of its own."""
    return len(turns) > 1 and is_told(turns[-2])


def prior(turns: list[str], reply: str = "") -> tuple[bool, frozenset[str]]:
    """What the last turn may lean on (``is_followup``): whether the turn before told a
    situation, and the terms of the assistant's ``reply`` to it."""
    return told_before(turns), frozenset(terms(reply))


def earlier(r: KnowledgeRetriever, turns: list[str]) -> str:
    """The earlier user turns a follow-up may lean on: the last one, and the one before
    it when the last was itself a follow-up."""
    if not turns:
        return ""
    last = turns[-1]
    if len(turns) > 1 and is_followup(last, r.parse(last), told_before(turns)):
        return turns[-2] + " " + last
    return last


def answered_from(r: KnowledgeRetriever, reply: str) -> frozenset[str]:
    """The document the assistant's ``reply`` reads as (its best passage's): what a
    follow-up to it is about. The reply is written in the documents' words, where the
    customer's turn before it named the situation in theirs ("can I keep my wheelchair
    until I board" finds the cabin-bag rules; the reply "up to the aircraft door", the
    mobility-aids page that "and when we land?" asks about)."""
    if not reply.strip():
        return frozenset()
    return frozenset(p.doc_id for p in r.ranked(r.parse(reply), REPLY_PASSAGES))


def leans_on_part(r: KnowledgeRetriever, part: Ask) -> bool:
    """Does ``part`` lean on the part before it ("is there a free trial, how long is it",
    "do you have an 8-pack, what's the price")? Then what that part lacks is what this
    one asks about too."""
    own = [c for c in r.parse(part.ask).content() if c.known]
    if len(own) > 1:
        return False
    if not own or PRONOUN.search(part.ask):
        return True
    # "what's the price?": a property of the thing named before, nothing of its own
    return re.search(rf"\bthe\s+{re.escape(own[0].words)}\W*$", part.ask, re.I) is not None


def standalone(
    r: KnowledgeRetriever, turns: list[str], parts: list[Ask], reply: str = ""
) -> list[str]:
    """What each part is embedded as: a follow-up with the turn or part it leans on
    ("and how much is it?" alone is close to nothing in the documents)."""
    context0 = earlier(r, turns[:-1])
    before = prior(turns, reply)
    out = []
    for i, part in enumerate(parts):
        context = f"{context0} {parts[i - 1].text}".strip() if i else context0
        query = r.parse(part.ask)
        if part.context:
            query = query.with_context(r.parse(part.context))
        leans = context and is_followup(part.text, query, *before)
        out.append(f"{context} {part.text}" if leans else part.text)
    return out


def own(
    r: KnowledgeRetriever, query: Query, subject: frozenset[str], have: list[Passage], k: int
) -> list[Passage]:
    """A follow-up's own words ranked within its subject's documents ("when would it
    start" after "the time of use plan": the plans page's "Changing plan", which the
    carried words rank under every other section naming a plan)."""
    if not subject:
        return []
    seen = {(p.doc_id, p.start) for p in have}
    ranked = r.ranked(query, WIDE * k)
    found = [p for p in ranked if p.doc_id in subject and (p.doc_id, p.start) not in seen]
    return found[:OWN]


# how an earlier turn's part is retrieved: (part, context, k, prior) -> its passages
Retrieve = Callable[[Ask, str, int, tuple[bool, frozenset[str]]], list[Passage]]


class Subjects:
    """The documents the last of some turns was retrieved from, answered or not: what a
    follow-up to it is about. Retrieved without a subject of its own, so the same whatever
    plans are kept; kept until ``clear`` (per index sync, like the plans)."""

    def __init__(self, r: KnowledgeRetriever, retrieve: Retrieve) -> None:
        self.retriever, self.retrieve = r, retrieve
        self._known: dict[tuple[tuple[str, ...], int], frozenset[str]] = {}

    def clear(self) -> None:
        self._known = {}

    def __call__(self, turns: list[str], k: int) -> frozenset[str]:
        if not turns:
            return frozenset()
        key = (tuple(turns), k)
        found = self._known.get(key)
        if found is None:
            context = earlier(self.retriever, turns[:-1])
            asks = split_asks(unabbreviate(turns[-1][:QUESTION_CHARS]))
            told = prior(turns)
            found = frozenset(
                p.doc_id
                for ask in asks
                for p in self.retrieve(ask, context, k, told)[:SUBJECT_PASSAGES]
            )
            if len(self._known) >= PLANS:
                self._known.clear()
            self._known[key] = found
        return found
