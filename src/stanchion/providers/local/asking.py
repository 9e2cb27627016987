"""What a part of a message asks: the words an earlier turn lent it (in trailing
parentheses), its sentences that ask rather than tell, and a question embedded in a
sentence that tells ("I wanted to ask whether this would still be covered")."""

from __future__ import annotations

import re

from stanchion.knowledge.text import terms
from stanchion.providers.local.concepts import FRAME
from stanchion.providers.local.intent import intent_of

_SPLIT = re.compile(r"(?<=[.!?])\s+")
# a question word opens the part, after a word joining it to the one before ("and what's
# not", "but how long")
ASKS = re.compile(
    r"^\W*(?:(?:and|but|also|so|or|then|plus)\s+)?(?:what|which|who|where|when|why|how|wat|whats)\b"
)
_CARRIED = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$", re.S)


def split_context(part: str) -> tuple[str, str]:
    """("warranty on it?", "price, plug") from "warranty on it? (price, plug)": the words an
    earlier turn lent the question, in the trailing parentheses."""
    m = _CARRIED.match(part)
    return (m.group(1), m.group(2)) if m else (part, "")


# A question asked inside a sentence that tells ("Before I buy a new one I wanted to ask
# WHETHER this would still be covered, since I remember..."; "I've looked around but I'm not
# sure WHERE to begin"): the embedded question is the ask, up to a clause that gives a
# reason; what comes before it, and that clause, are its context. Not when nothing but a
# frame comes before it ("can u tell me who..."): that is the question as a whole.
_EMBEDDED = re.compile(
    r"\b(?:ask(?:ing)?|know|wonder(?:ing)?|tell (?:me|us)|find out|sure|unsure|check|confirm)"
    r"\s+(whether|if|how|what|when|where|which|who|why)\b",
    re.I,
)
_REASON = re.compile(r",?\s+\b(?:since|because|as i|as we|so that|given that)\b", re.I)


def _embedded(sentence: str) -> tuple[str, str]:
    """(the question a telling sentence embeds, the rest of it), or (sentence, "")."""
    m = _EMBEDDED.search(sentence)
    if m is None or set(terms(sentence[: m.start()])) <= FRAME:  # "can u tell me who..."
        return sentence, ""
    asked = sentence[m.start(1) :]
    cut = _REASON.search(asked)
    if cut is None:
        return asked, sentence[: m.start()]
    return asked[: cut.start()], f"{sentence[: m.start()]} {asked[cut.start() :]}"


def focus(text: str) -> tuple[str, str]:
    """(the sentences that ask, the ones that tell) of a part: "My son gave me your hub.
    How long does setup take?" asks the second; the first is its context. A question
    embedded in a telling sentence is asked alone (``_embedded``)."""
    sentences = [x for x in _SPLIT.split(text.strip()) if x]
    if len(sentences) < 2 and not _EMBEDDED.search(text):
        return text, ""
    asking = [x for x in sentences if asks(x)]
    if len(sentences) > 1 and asking and len(asking) < len(sentences):
        told = [x for x in sentences if x not in asking]
    else:
        asking, told = sentences or [text], []
    pairs = [_embedded(x) for x in asking]
    told += [t for _, t in pairs if t]
    if not told:
        return text, ""
    return " ".join(a for a, _ in pairs), " ".join(told)


def asks(part: str) -> bool:
    """Is this part of a message a question (not "I bought it last week.")?"""
    intent = intent_of(part)
    return "?" in part or not intent.empty or bool(ASKS.search(part.lower()))
