"""Set phrases of everyday English that documents write in one word of their own.

A customer's phrasal verb or idiom is built of words a glossary cannot hold: its particle
("never showed UP", "stuck ON hold", "the power's been OUT") is a stop word, dropped before
any phrase is matched, and what is left ("show", "hold", "power") names something else.
Each entry here is a pattern over the raw words, the words a support document uses for
the same thing in any domain ("arrive", "wait", "outage"), and the words one of which the
phrase needs (a cheap test before the pattern's scan). Written for this list (no source);
a near-equivalent only, never a neighbour, and a verb's object or its tense may vary. An
app's own synonyms go in its spec's glossary.

>>> [(m.group(), words) for m, words in idioms("my bag never showed up and the power's out")]
[('showed up', ('arrive', 'arrival')), ("power's out", ('outage', 'blackout', 'power cut'))]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_ME = r"(?:me|us|you|him|her|them)"
_AUX = r"(?:is|was|has|have|had|are|were|been|went|goes|keeps?|still|completely|totally|all)"
_TABLE: tuple[tuple[str, str, str], ...] = (
    # "my bag never showed up", "the parcel hasn't shown up": it has not arrived
    (r"\b(?:show|shows|showed|shown|showing)\s+up\b", "arrive,arrival", "show"),
    # "how quickly will someone get back to me", "I never heard back": a reply
    (
        rf"\b(?:get|gets|getting|got|gotten|come|comes|came|coming)\s+back\s+to\s+{_ME}\b"
        r"|\b(?:hear|heard|hearing)\s+back\b",
        "reply,respond,response,contact",
        "back",
    ),
    # "how long do you hold on to lost things", "hang onto my bag": keep it
    (
        r"\b(?:hold|holds|holding|held|hang|hangs|hanging|hung)\s+on(?:to|\s+to)\b",
        "keep,kept",
        "hold held hang hung",
    ),
    # "do i get anything for that", "will I get something back": compensation
    (
        r"\b(?:get|getting|receive)\s+(?:anything|something)\s+(?:for|back)\b",
        "compensation,compensate,credit",
        "anything something",
    ),
    # "where does the word come from": its origin (the literal word kept: "comes from")
    (
        r"\b(?:come|comes|came|coming)\s+from\b",
        "origin,original,originate,derive,descend,come",
        "come came comin",
    ),
    # "stuck on hold", "on hold for ages": waiting on the phone
    (r"\b(?:on|put\s+on)\s+hold\b", "wait", "hold"),
    # "the power's been out since last night", "we have no power": an outage ("power
    # off" or "power down" alone is a device switched off, not a cut)
    (
        rf"\b(?:power|electricity)(?:'s|s)?(?:\s+{_AUX}){{0,3}}\s+(?:out|cut|cuts|failure)\b"
        rf"|\b(?:power|electricity)(?:'s(?:\s+{_AUX}){{0,3}}|(?:\s+{_AUX}){{1,3}})"
        r"\s+(?:off|down)\b"
        r"|\b(?:no|without)\s+(?:power|electricity)\b",
        "outage,blackout,power cut",
        "power electric",
    ),
    # "charged twice", "double charged", "two charges of 149": a duplicate charge
    (
        rf"\b(?:charged|billed)\s+(?:{_ME}\s+)?(?:twice|two\s+times|double)\b"
        r"|\bdouble[- ](?:charged|charges?|billed|payments?)\b"
        r"|\b(?:two|2)\s+(?:identical\s+|separate\s+|same\s+)?(?:charges|payments)\b",
        "duplicate",
        "twice times double charges payments",
    ),
    # "will it pay for itself": what it saves
    (r"\bpays?\s+for\s+(?:itself|themselves)\b", "save,saving", "itself themselves"),
    # "can you take some off (the bill)": a reduction
    (
        r"\btake\s+(?:some|something|anything|a\s+bit|money|a\s+little)\s+off\b",
        "reduce,reduction,discount",
        "take",
    ),
)
# each phrase with the words one of which it needs: most questions hold none of them, and
# a substring test costs far less than a scan by the pattern
IDIOMS = tuple(
    (tuple(need.split()), re.compile(pattern, re.I), tuple(words.split(",")))
    for pattern, words, need in _TABLE
)


def idioms(text: str) -> Iterator[tuple[re.Match[str], tuple[str, ...]]]:
    """The set phrases of ``text`` in order, each with the words documents write it as."""
    low = text.lower()
    found = [
        (m, words)
        for needs, pattern, words in IDIOMS
        if any(n in low for n in needs)
        for m in pattern.finditer(text)
    ]
    found.sort(key=lambda mw: mw[0].start())
    end = 0
    for m, words in found:
        if m.start() >= end:  # overlapping phrases: the first
            end = m.end()
            yield m, words
