"""Synonyms: the app's glossary (``knowledge.glossary`` in the spec) and a few abbreviations
every support corpus meets. A phrase of a group found in a question becomes one concept that
any phrase of the group satisfies.

>>> g = Glossary({"refund": ["money back"]}, builtin=False)
>>> g.groups[0]
(('refund',), ('money', 'back'))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from stanchion.knowledge.text import STOPWORDS, joined, normalize_word, stem

TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.,'][A-Za-z0-9]+)*")
Phrase = tuple[str, ...]

# Abbreviations, not domain knowledge: an app's own synonyms go in its spec.
BUILTIN: dict[str, list[str]] = {
    "two-factor authentication": ["2fa", "mfa", "multi-factor authentication", "two-step"],
    "password": ["pw", "pwd", "passcode"],
    "email": ["e-mail"],
    "wi-fi": ["wifi", "wlan", "wireless network"],
    "account": ["acct"],
    "information": ["info"],
    "application": ["app"],
    "sms": ["text message", "text messages", "texts"],
    "address": ["addr"],
    "package": ["pkg"],
    "message": ["msg"],
    "quantity": ["qty"],
    "amount": ["amt"],
    "american express": ["amex"],
    # units of time written short without a number ("opening hrs", "how many yrs"); a unit
    # after a number is read in ``parse.UNITS``. Not "hr", "min", "mins", "sec" or "mo":
    # "HR", "minimum" (which "mins" stems as), "security" and "Mo" are words of their own.
    "hours": ["hrs"],
    "weeks": ["wks"],
    "months": ["mths"],
    "years": ["yrs"],
    "appointment": ["appt"],
    "department": ["dept"],
}
# Everyday paraphrases of support questions, written for this list (no source): how a
# customer says what any support corpus calls a thing, each a near-equivalent in every
# domain (not a neighbour: "damaged" is "broken", never "lost"), and British / American
# spellings of one object.
PARAPHRASES: dict[str, list[str]] = {
    "return": ["send back", "send it back", "take back", "take it back"],
    "refund": ["money back", "reimburse", "reimbursement", "reimbursed"],
    "damaged": ["broken", "faulty", "defective", "busted"],
    "delete": ["erase", "remove", "removed", "wipe"],
    "luggage": ["baggage", "suitcase", "suitcases"],
    "stroller": ["pram", "pushchair", "buggy"],
    "postcode": ["zip code", "zipcode", "postal code"],
    "apartment": ["flat"],
    "mobile phone": ["cell phone", "cellphone"],
    "cat": ["kitten", "kitty"],
    "dog": ["puppy"],
    "device": ["gadget"],
    "shipping": ["postage"],
    "aircraft": ["plane", "airplane", "aeroplane"],
}


def with_builtin(entries: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The app's glossary with the built-in abbreviations beside it (what a model-side
    reader, such as the ``local`` responder, is given: the same synonyms the retrieval
    used)."""
    out = {term: list(synonyms) for term, synonyms in {**BUILTIN, **PARAPHRASES}.items()}
    for term, synonyms in entries.items():
        out[term] = [*out.get(term, []), *synonyms]
    return out


def token_term(raw: str) -> str | None:
    """A question token as a term: hyphenated words joined, stop words dropped."""
    if "-" in raw:
        return joined(raw)
    word = normalize_word(raw)
    return None if word in STOPWORDS else stem(word)


def phrase_terms(phrase: str) -> Phrase:
    return tuple(t for t in (token_term(m.group()) for m in TOKEN.finditer(phrase)) if t)


class Glossary:
    """Groups of phrases meaning the same; ``match`` finds them in a term sequence."""

    def __init__(self, entries: Mapping[str, Sequence[str]], builtin: bool = True) -> None:
        merged: dict[Phrase, set[Phrase]] = {}
        for source in ((BUILTIN, PARAPHRASES) if builtin else ()) + (entries,):
            for term, synonyms in source.items():
                group = {p for p in map(phrase_terms, [term, *synonyms]) if p}
                for phrase in list(group):
                    group |= merged.get(phrase, set())
                for phrase in group:
                    merged[phrase] = group
        unique = {frozenset(g) for g in merged.values()}
        self.groups = [tuple(sorted(g, key=lambda p: (len(p), p))) for g in unique]
        self.groups.sort()
        self._index: dict[str, list[tuple[Phrase, int]]] = {}
        for i, options in enumerate(self.groups):
            for phrase in options:
                self._index.setdefault(phrase[0], []).append((phrase, i))
        for found in self._index.values():
            found.sort(key=lambda o: -len(o[0]))

    def match(self, keys: Sequence[str], start: int) -> tuple[int, int] | None:
        """(length, group) of the longest phrase starting at ``keys[start]``, if any."""
        for phrase, group in self._index.get(keys[start], ()):
            if tuple(keys[start : start + len(phrase)]) == phrase:
                return len(phrase), group
        return None
