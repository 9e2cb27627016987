"""Derived words as the word they are made from, where English at large says it is one:
"coverage" as "cover", "cancellation" as "cancel", "menus" as "menu".

A suffix stripper cannot tell "coverage" (cover + age) from "garage", nor "menus" (menu + s)
from "bonus", so a derivation is read only when the English table (``query/english.py``)
holds its base, and only under the guards that each rule's collisions over that table
called for: "-age" and "-ation" make nouns of verbs, so their base must be a verb the table
holds a past form of ("covered", "cancelled"; not "garb", "public", "decor"), and for "-age"
a verb of two syllables or more, more common than the noun ("package" is no "pack",
"hostage" no "host", and so "usage" and "storage" stay apart from "use" and "store"); a
plural "-s" after a vowel only when the singular is the more common word ("menus", "gurus";
not "thus", "paris", "iris"). ("delivery" is not read as "deliver": see docs/grounding.md.)

>>> [base_of(w) for w in ("coverage", "usage", "delivery", "cancellation", "menus", "garage")]
['cover', None, None, 'cancel', 'menu', None]
"""

from __future__ import annotations

from stanchion.knowledge.stopwords import STOPWORDS

# the shortest base a derivation is read off ("use" of "usage")
SHORTEST_BASE = 3
# how common the singular of a vowel plural must be ("menu" 4.3, "api" 3.7; not "tri", "ami")
COMMON_SINGULAR = 3.3
COMMON_SHORT_SINGULAR = 3.6  # ...and a three-letter one ("api" 3.7, "ski" 4.1; not "ari" 3.5)
# the shortest "-ation" base ("situ", "loc", "rel", "dur" are no verbs of their nouns)
SHORTEST_ATION_BASE = 5
# "-al" words that are adjectives of nouns, never nouns of verbs ("optional", "critical",
# "natural", "partial")
ADJECTIVE_AL = ("ional", "ical", "ural", "ial")


def _zipf(word: str) -> float:
    from stanchion.knowledge.query.english import zipf  # the table, read on first use

    return zipf(word)


def base_of(word: str) -> str | None:
    """The word ``word`` is derived from, or None when it is no derivation this reads."""
    if word.endswith("s") and word[-2:-1] in ("i", "u"):
        return _vowel_plural(word)
    if word.endswith("age"):
        return _age(word)
    if word.endswith("ation"):
        return _ation(word[:-5])
    return None


def verb_of(noun: str) -> str | None:
    """The verb an "-al" noun is made of ("renewal" -> "renew"; see the module), else None.
    Read by the answerability gate only (``stated.derived_verbs``): joined in the stemmer,
    the nouns moved retrieval and the responder's chosen sentences (an answer lost on DEV)."""
    if noun.endswith("al") and not noun.endswith(ADJECTIVE_AL):
        return _al(noun[:-2])
    return None


def _verb(base: str) -> bool:
    """Whether the table holds a past form of ``base`` ("covered", "used", "cancelled")."""
    if base.endswith("e"):
        return _zipf(base + "d") > 0
    return _zipf(base + "ed") > 0 or _zipf(base + base[-1] + "ed") > 0


def _age(word: str) -> str | None:
    """ "coverage", "brokerage", "assemblage" as their verb; not "package", "garage"."""
    from stanchion.knowledge.text import measure

    rest = word[:-3]
    if len(rest) < 2 or rest[-1] == rest[-2]:
        return None  # "message", "passage", "luggage", "baggage"
    for base in (rest + "e", rest):
        if len(base) < SHORTEST_BASE or base in STOPWORDS or not _zipf(base) > 0:
            continue
        if measure(base.removesuffix("e")) < 2:
            return None  # "package", "hostage", "bandage", "savage" are no "pack", "host"...
        return base if _verb(base) and _zipf(base) > _zipf(word) else None
    return None


def _vowel_plural(word: str) -> str | None:
    """ "menus", "apis", "kiwis" as their singular; "bonus", "thus", "paris" stay."""
    singular = word[:-1]
    if len(singular) < SHORTEST_BASE or singular in STOPWORDS:
        return None
    common = _zipf(singular)
    if len(singular) == SHORTEST_BASE and common < COMMON_SHORT_SINGULAR:
        return None  # "amis", "dais", "aris" are no plurals of "ami", "dai", "ari"
    return singular if common >= COMMON_SINGULAR and common > _zipf(word) else None


def _ation(rest: str) -> str | None:
    """ "confirmation" as "confirm", "cancellation" as "cancel", "preparation" as "prepare"."""
    bases = [rest, rest + "e"] + ([rest[:-1]] if rest.endswith("ll") else [])
    for base in bases:
        if len(base) >= SHORTEST_ATION_BASE and _zipf(base) > 0 and _verb(base):
            return base
    return None


def _al(rest: str) -> str | None:
    """ "renewal", "arrival", "referral" as "renew", "arrive", "refer"; not "signal",
    "rental", "personal", "hospital", "several"."""
    from stanchion.knowledge.text import measure

    if rest.endswith(("w", "y", "ss")):
        base = rest
    elif len(rest) > 2 and rest[-1] == rest[-2]:
        base = rest[:-1]  # "referral", "acquittal": a doubled consonant
    else:
        base = rest + "e"  # "arrival", "approval": the verb's "e" dropped
    if base in STOPWORDS or not _zipf(base) > 0 or measure(base.removesuffix("e")) < 2:
        return None
    adverb = base.removesuffix("e") + "ly" if base.endswith("le") else base + "ly"
    if _zipf(adverb) > 0:
        return None  # an adjective: "severe" ("several"), never a verb's noun
    return base if _verb(base) or _zipf(base.removesuffix("e") + "ing") > 0 else None
