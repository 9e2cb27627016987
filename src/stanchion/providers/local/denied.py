"""What a message says it lacks ("we never added a card", "I don't have insurance"), so that
a sentence assuming it ("If you have added a card, ...", the excess of an insurance claim
under the insurance page's heading) does not answer it over the one that states its own
case ("If you have not added a card, ...", the repair price).

>>> sorted(denied("Our trial ends tomorrow, we never added a card."))
['card']
>>> card = frozenset({"card"})
>>> assumes(card, "If you have added a card, the plan starts.", card)
True
>>> assumes(card, "If you have not added a card, you move to Free.", card)
False
"""

from __future__ import annotations

import re
from functools import lru_cache

from stanchion.knowledge.text import stem, terms
from stanchion.providers.local.intent import normalized

_VERBS = (
    r"have|has|had|add|added|get|got|own|owned|buy|bought|use|used|hold|held|enter|entered|"
    r"give|gave|provide|provided|set up|register|registered|take|took|taken"
)
_DETERMINERS = r"(?:(?:a|an|any|the|my|our|your|their|his|her)\s+)?"
_DENIES = re.compile(
    rf"\b(?:never|not|dont|didnt|doesnt|havent|hasnt|no longer)\s+(?:\w+\s+)?(?:{_VERBS})\s+"
    rf"{_DETERMINERS}([a-z]+)\b|\b(?:have|has|had|with)\s+no\s+([a-z]+)\b"
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|don't|doesn't|haven't|hasn't|without)\b", re.I
)
# the score of a sentence assuming what the message denies: on the responder replay of every
# DEV source -0.1 gains none, -0.2 and -0.3 gain appg g-043 and lose none (-0.3 lost messy3
# m3-046 before single letters were left out: "i dont have a c wire")
ASSUMED = -0.2


@lru_cache(maxsize=2048)
def denied(message: str) -> frozenset[str]:
    """The stems of what the message says it does not have or never did."""
    found = (g for m in _DENIES.finditer(normalized(message)) for g in m.groups() if g)
    # (not a small word, "took OUT", nor the "c" of "a c wire")
    return frozenset(stem(w) for w in found if len(w) > 2 and terms(w))


def assumes(lacking: frozenset[str], text: str, held: frozenset[str]) -> bool:
    """Does a sentence hold (in its words or its headings), unnegated, a thing the message
    lacks? (A sentence negating anything is let be: "if you have NOT added a card", "if
    the phone has NO signal" state the message's case.)"""
    return not lacking.isdisjoint(held) and not _NEGATION.search(text)
