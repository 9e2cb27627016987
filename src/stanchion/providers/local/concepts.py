"""A question's concepts as the responder looks for them in sentences: each term with the
analysed terms that stand for it, the kind of answer it names ("the FEE": any price), the
classes it is a kind of ("my kitten": the rule on pets), and the app glossary's phrases
(with the everyday ones that share a way of writing them) as one concept each.

>>> from stanchion.providers.local.intent import intent_of
>>> wanted, _ = concepts({"kitten": 1.0}, Analyzer(), (), intent_of("can my kitten fly"))
>>> sorted(next(iter(eq)) for alt in wanted["kitten"] for eq in alt)
['animal', 'kitten', 'pet']
"""

from __future__ import annotations

import re
from itertools import pairwise

from stanchion.knowledge.query.gazetteer import cities
from stanchion.knowledge.text import joined, stem, terms
from stanchion.providers.local.intent import KIND_NAMES, LIMIT, LIMIT_NAMES, Intent
from stanchion.providers.local.sentences import Analyzer

# A concept's ways of being written: any alternative, each a tuple of terms that must all
# be there, each term given as the analysed terms that stand for it.
Alts = tuple[tuple[frozenset[str], ...], ...]
Glossary = tuple[tuple[frozenset[str], ...], ...]

# Words that frame a question or fill a message but name nothing to look for.
_FRAME_WORDS = (
    "long much many take takes soon quickly fast often also still want know "
    "tell please pls plz thanks thank hi hey hello ok okay u r ur im ya yeah nah tho "
    "anyone question get going wondering happen happens vs versus compared difference "
    "isnt dont doesnt cant wont arent anymore never smh lol omg tbh fr ngl idk"
)
FRAME = frozenset(stem(w) for w in _FRAME_WORDS.split())

# What a thing is a kind of, in everyday English (any domain's documents state their rules
# for the class): a question about a kitten is answered by the rule on pets, about a son by
# the one on children, about a bike by the one on sports equipment. One way only: "can I
# bring my pet" is not answered by the rule on dogs, nor a cat's question by a dog's.
_BROADER_WORDS = (
    ("pet animal", "cat kitten kitty dog puppy rabbit hamster bird parrot ferret tortoise"),
    ("child children kid", "baby infant toddler son daughter boy girl teenager"),
    ("equipment", "bike bicycle ski skis snowboard surfboard golf racket"),
)
BROADER: dict[str, frozenset[str]] = {}
for _classes, _kinds in _BROADER_WORDS:
    for _word in _kinds.split():
        BROADER[stem(_word)] = BROADER.get(stem(_word), frozenset()) | frozenset(terms(_classes))


def named_kind(t: str, intent: Intent) -> Alts:
    """The other ways a term is covered when it names the kind asked ("the FEE": any price)
    or a limit ("the MAX": "up to 5,000")."""
    alts: Alts = ()
    # (not for a kind asked strictly: every sentence left holds it, so the word would only
    # draw the runners-up closer: "free over 50 USD" beside "express costs 14.99 USD")
    loose = intent.kind and not intent.lent and not intent.asks_for
    if loose and t in KIND_NAMES.get(intent.kind or "", ()):
        alts += ((frozenset({f"kind:{intent.kind}"}),),)
    if t in LIMIT_NAMES:
        alts += ((frozenset({LIMIT}),),)
    return alts


def broader(words: list[str], analyzer: Analyzer) -> Alts:
    """The classes the words name a kind of ("kitten": "pet"), as ways of covering them."""
    classes = sorted(set().union(*(BROADER.get(t, ()) for t in words)))
    return tuple((analyzer.equivalents(c),) for c in classes)


def concepts(
    scale: dict[str, float], analyzer: Analyzer, glossary: Glossary, intent: Intent
) -> tuple[dict[str, Alts], dict[str, float]]:
    """The question's concepts: each term with its equivalents (and the kind it names, the
    classes it is a kind of); the terms of a glossary phrase it uses ("money back") as one
    concept written any of the group's ways, or of the groups that share one of them (the
    app's "luggage: baggage" and the everyday "luggage: bag")."""
    asked = {t for t in scale if t not in FRAME} or set(scale)
    wanted: dict[str, Alts] = {}
    weights = dict(scale)
    for forms in glossary:
        used = next((f for f in forms if f <= asked), None)
        if used is None:
            continue
        key = " ".join(sorted(used))
        ways = tuple(dict.fromkeys(f for g in glossary if not set(g).isdisjoint(forms) for f in g))
        wanted[key] = tuple(tuple(analyzer.equivalents(t) for t in sorted(f)) for f in ways)
        wanted[key] += broader([t for f in ways if len(f) == 1 for t in f], analyzer)
        weights[key] = max(scale[t] for t in used)
        asked -= used
    for t in asked:
        wanted[t] = ((analyzer.equivalents(t),), *named_kind(t, intent), *broader([t], analyzer))
    return wanted, weights


_RAW_WORD = re.compile(r"[a-z0-9]+")


def split_compounds(
    text: str, wanted: dict[str, Alts], weights: dict[str, float], analyzer: Analyzer
) -> None:
    """Two words of ``text`` that the documents write as one ("non profit": "nonprofits",
    "sign up": "signup") become one concept, held by the joined word or by both words (in
    place): apart, each half is a concept no sentence holds and the sentence that answers
    covers none of them."""
    words = _RAW_WORD.findall(text.lower())
    for a, b in pairwise(words):
        if not (a.isalpha() and b.isalpha()):  # "4 pack" is a count of packs, not "4-pack"
            continue
        first, second = stem(a), stem(b)
        if first == second or first not in wanted or second not in wanted:
            continue
        whole = joined(a + b)
        if whole not in analyzer.vocabulary:
            continue
        key = f"{first} {second}"
        wanted[key] = (
            (analyzer.equivalents(whole),),
            (analyzer.equivalents(first), analyzer.equivalents(second)),
        )
        weights[key] = max(weights.pop(first), weights.pop(second))
        del wanted[first], wanted[second]


def placed(text: str, wanted: dict[str, Alts], analyzer: Analyzer) -> None:
    """A city the message names as a place ("we're based in Manchester") is held by a
    sentence naming its country as well ("Regions: United Kingdom"), as the gate reads a
    passage's cities (``gazetteer.city_countries``); in place, one-word cities."""
    for city in cities(text):
        own = city.aliases[0] if city.aliases else ()
        if len(own) != 1 or own[0] not in wanted:
            continue
        countries = tuple(
            tuple(analyzer.equivalents(t) for t in phrase) for phrase in city.aliases[1:] if phrase
        )
        wanted[own[0]] = (*wanted[own[0]], *countries)


def found(alts: Alts, bag: frozenset[str]) -> bool:
    """Is one of a concept's ways of being written (each of its terms) in ``bag``?"""
    if len(alts) == 1 and len(alts[0]) == 1:
        return not alts[0][0].isdisjoint(bag)
    return any(all(not eq.isdisjoint(bag) for eq in alt) for alt in alts)
