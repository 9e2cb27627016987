"""Vetoes for an ask whose words each occur in the passages but never together (issue 15).

A yes/no about an option the documents never offer is asked in words they do use, one by
one: "can I pay the security deposit off in instalments" of a utility whose deposit is
paid once and whose instalments are for the bill. Every word is covered, so the gate lets
it through and the deposit's sentence answers. An option the documents offer is written
where its thing is: the deposit's instalments in a sentence about the deposit. So when the
thing a "can I / do you / is there" question asks about (its verb's object, up to the next
clause) holds two content words, both in the passages, that no sentence of them holds
together (a sentence's title and heading count with it), that option is not offered
(``unmet``). Everyday words ("day", "outside", "security") are left out: they describe a
thing and are written around it, not with it.

A table keyed by plan names is asked about a plan it lacks the same way: "daily request
allowance on Starter" of a table with rows Team, Business and Enterprise. A name written
where the row's name goes ("on Starter", "for the Starter plan") that the passages never
write, while their tables key rows by one-word names, is a row the table does not have
(``unlisted_plan``). Months and weekdays ("on Saturdays") are dates, not rows.

>>> asked_object("Can I pay the deposit off in instalments if I'm short?")
'the deposit off in instalments '
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import combinations

from stanchion.knowledge.query.english import commonness
from stanchion.knowledge.query.gazetteer import CALENDAR
from stanchion.knowledge.query.parse import Concept, Query
from stanchion.knowledge.query.point import near
from stanchion.knowledge.table_rows import as_names, key_words
from stanchion.knowledge.tables import readable_sentences
from stanchion.knowledge.text import index_terms, normalize_word, terms

EVERYDAY = 5.0  # Zipf from which a word describes the thing rather than names it
# "can I ...", "do you ...", "is there ...": the yes/no, its subject, then its verb
YES_NO = re.compile(
    r"^\W*(?:(?:hi|hey|hello|so|ok|okay|and|also)\W+)*"
    r"(?:can|could|may|do|does|will|would|is|are)\s+(?P<subject>[a-z']+)\s+(?P<what>[^?.!,;]+)",
    re.I,
)
POLITE = re.compile(r"(?:tell|explain|show|let)\b")  # "can you tell me what...": a wh-ask
# a subject these open is a thing, not the customer or the company: "does THE mini plug
# connect to my router" asks what the plug does, not whether an option is offered, and its
# next word is no verb
THING_SUBJECT = frozenset(
    [
        *("the", "a", "an", "this", "that", "these", "those", "my", "your", "ur", "our"),
        *("his", "her", "their", "its"),
    ]
)
# where the thing asked about ends: a new clause ("do I get any if my transfer is late")
CLAUSE = re.compile(r"\b(?:if|when|because|since|and|or|but|so|after|before|while|unless)\b")


def asked(text: str) -> tuple[str, str]:
    """A yes/no question's verb and what it asks about: after the verb, up to the next
    clause (("", "") when it is no yes/no, a polite wh-question, or one asked of a thing)."""
    m = YES_NO.search(text)
    if m is None or m.group("subject").lower() in THING_SUBJECT:
        return "", ""
    verb_on = m.group("what").lower().split(None, 1)
    if len(verb_on) < 2 or POLITE.match(verb_on[0]):
        return "", ""
    return verb_on[0], CLAUSE.split(verb_on[1])[0]


def asked_object(text: str) -> str:
    """What a yes/no question asks about (see ``asked``)."""
    return asked(text)[1]


def _general(verb: str, passages: list[tuple[str, str]]) -> frozenset[str]:
    """The terms of the passages' sentences that open on the asked verb, bare: a rule for
    everything ("Pay by card or with PayPal." answers paying for any one thing with it)."""
    opens = re.compile(rf"{re.escape(verb)}\b", re.I)
    return frozenset(
        t
        for _, body in passages
        for sentence in readable_sentences(body)
        if opens.match(sentence.strip())
        for t in index_terms(sentence)
    )


def _within(concept: Concept, span: str) -> bool:
    return re.search(rf"\b{re.escape(concept.words.lower())}\b", span) is not None


def _said(concept: Concept, bag: frozenset[str]) -> bool:
    """Whether a sentence holds the word, or another form of it: "get books delivered" is
    met by a "Home delivery" page's sentence about books (``query.point.near``)."""
    if concept.present(bag):
        return True
    return len(concept.alts[0]) == 1 and near(concept.key, bag)


def unmet(
    query: Query,
    passages: list[tuple[str, str]],
    sentences: Callable[[], list[frozenset[str]]],
    present: set[str] | frozenset[str],
    told: bool,
) -> list[str]:
    """The rarer of two words of a yes/no question's object that the passages hold apart
    but in no one of their ``sentences`` (each one's terms, its title and heading included;
    read only for a yes/no with two such words; see the module): ["instalments"]. A word of
    a sentence that opens on the asked verb ("Pay by card or with PayPal.") meets every
    thing. A told situation: never."""
    verb, span = ("", "") if told else asked(query.text)
    if not span:
        return []
    words = [
        c
        for c in query.content()
        if c.known
        and c.how == "word"
        and _within(c, span)
        and c.present(present)
        and commonness(c.words) < EVERYDAY
    ]
    if len(words) < 2:
        return []
    general = _general(verb, passages)
    bags = sentences()
    for a, b in combinations(words, 2):
        if a.present(general) or b.present(general):
            continue
        if not any(_said(a, bag) and _said(b, bag) for bag in bags):
            rarer = min((a, b), key=lambda c: commonness(c.words))
            return [normalize_word(rarer.words)]
    return []


# where a plan's name goes: "on Starter", "for the Starter plan"
ROW_SLOT = re.compile(r"\b(?:on|for)\s+(?:the\s+|a\s+|our\s+|my\s+)?([A-Z][a-z]+)\b")


def unlisted_plan(query: Query, passages: list[tuple[str, str]]) -> list[str]:
    """A name in the slot of a row's name ("on Starter") that the passages never write, when
    their tables key two or more rows by one-word names (see the module)."""
    slots = [m.group(1) for m in ROW_SLOT.finditer(query.text)]
    if not slots:
        return []
    names = as_names(query.text)
    asked = [
        w
        for w in slots
        if set(terms(w)) <= names
        and w.lower().removesuffix("s") not in CALENDAR  # "on Saturdays"
        and not any(re.search(rf"\b{w}\b", body, re.I) for _, body in passages)
    ]
    if not asked:
        return []  # a stem is no test: "Starter" is "start", which passages write
    keys = {k for _, body in passages for k in key_words(body) if len(k) == 1}
    return [normalize_word(w) for w in asked] if len(keys) >= 2 else []
