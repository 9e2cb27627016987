"""Two vetoes of a question whose point the passages never give (issue 15).

**What a compatibility question names**: "will the thermostat work with a heat pump", "is
the bulb compatible with my dimmer switch", "does it integrate with my alarm panel". A help
centre names what its products work with, so passages that never name the thing (any of
its words other than everyday ones) cannot say it works; "system" or "switch" match a
neighbour's facts ("supports most 24-volt heating and cooling systems"). A word with a
figure ("5ghz", "iPhone 12") is a value, which the passages answer with another ("needs
2.4 GHz"), and an everyday word ("my phone", "the wall") is left to the other evidence.

**A count of a thing no sentence counts**: "how many hoarders are there" when every
sentence naming hoarders states no number, no number word and no quantity ("twice",
"several", "no limit"): they tell of hoarders, never how many. A thing no sentence names
(a paraphrase: "gadgets" for "devices") is left to the other evidence. The count is asked
as typed: "how hany hoarders" asks it too (one letter off "many", and no word of its own).

>>> unsupported("will it work with a heat pump", frozenset({"heat", "work"}))
['pump']
>>> uncounted("how many desks are there", [("Desks", "The desk is by gate 4.")])
[]
"""

from __future__ import annotations

import re
from functools import lru_cache

from stanchion.knowledge.query.english import zipf
from stanchion.knowledge.sources import CARDINALS
from stanchion.knowledge.tables import readable_sentences
from stanchion.knowledge.text import STOPWORDS, index_terms, normalize_word, stem
from stanchion.knowledge.vetoes import IRREGULAR_PLURALS

# "works with", "compatible with", "integrate with": the thing after is what is asked about
COMPATIBLE = re.compile(
    r"\b(?:work|works|working|compatible|integrate|integrates|pair|pairs|sync|syncs)\s+"
    r"with\s+(?:(?:a|an|the|my|our|your|ur|any|some|this|that|these|those|other)\s+)?"
    r"(?P<what>[a-z0-9'-]+(?:\s+[a-z0-9'-]+){0,2})",
    re.I,
)
EVERYDAY = 5.0  # Zipf from which a word names too common a thing to be a product's partner
# a word that ends the object: what follows is another clause or a manner ("...with it too")
_END = frozenset(
    [
        *("and", "or", "but", "if", "so", "too", "as", "at", "in", "on", "for", "to", "of"),
        *("without", "directly", "still", "yet", "out", "when", "while", "because", "then"),
        *("anymore", "again", "now", "already", "properly", "either", "also", "though"),
    ]
)


def unsupported(text: str, present: set[str] | frozenset[str]) -> list[str]:
    """The words naming what ``text`` asks a compatibility with (see the module) that no
    passage holds; ``present``: the passages' terms."""
    if "with" not in text.lower():
        return []  # most questions: one substring look-up
    out = []
    for m in COMPATIBLE.finditer(text):
        for word in m.group("what").lower().split():
            if word in _END:
                break
            key = normalize_word(word)
            if key in STOPWORDS or not key.isalpha() or key.endswith("'s"):
                continue
            if zipf(key) < EVERYDAY and stem(key) not in present:
                out.append(key)
    return list(dict.fromkeys(out))


# "how many checked bags can I", "how many hoarders are there": the counted thing is the first
# plural of the next three words ("checked BAGS"), else the first word ("how many people").
# "many" may be mistyped by one letter ("how hany hoarders"): see ``_many``.
HOW_MANY = re.compile(r"how\s+(?P<many>[a-z]{4})\s+(?P<what>[a-z'-]+(?:\s+[a-z'-]+){0,2})")
WORD = 3.5  # Zipf from which a word one letter off "many" is meant ("mary", "mans"): no slip
IRREGULAR = IRREGULAR_PLURALS | {"mice", "geese"}  # plurals without an s


def _many(word: str) -> bool:
    """ "many", or a slip of one letter of it that is no word of its own ("hany", "mant";
    not "mary"): a count asked as customers type it."""
    slip = sum(a != b for a, b in zip(word, "many", strict=True)) == 1 and zipf(word) < WORD
    return word == "many" or slip


def _counted(words: list[str]) -> str:
    for word in words:
        plural = word.endswith("s") and not word.endswith(("ss", "us", "is"))
        if plural or word in IRREGULAR:
            return word
    return words[0]


QUANTITY = re.compile(
    r"\d|\b(?:"
    + "|".join(CARDINALS[:20])
    + r"|dozens?|hundreds?|thousands?|millions?|billions?|no|none|unlimited|any|single|both|"
    r"several|few|many|multiple|number|limit|often|every|each|all)\b",
    re.I,
)


@lru_cache(maxsize=4096)
def _sentences(body: str) -> tuple[tuple[frozenset[str], bool], ...]:
    """Each sentence's terms and whether it states a quantity (titles and headings are no
    sentence; cached: passages are immutable versions, asked about again and again)."""
    return tuple(
        (frozenset(index_terms(s)), bool(QUANTITY.search(s)))
        for s in readable_sentences(body)
        if not s.lstrip().startswith("#")
    )


def uncounted(text: str, passages: list[tuple[str, str]]) -> list[str]:
    """ "how many <thing>" when sentences of the (title, text) ``passages`` name the thing
    but none states a quantity (see the module); titles and headings are no sentence. One
    pass over the passages, only for a count asked."""
    lower = text.lower()
    if "how" not in lower:
        return []  # most questions: one substring look-up
    for m in HOW_MANY.finditer(lower):  # a literal first: the regex engine skips to each "how"
        if (not m.start() or not lower[m.start() - 1].isalnum()) and _many(m.group("many")):
            break
    else:
        return []
    asked = _counted(m.group("what").split())
    thing = stem(normalize_word(asked))
    named = False
    for _, body in passages:
        for words, counts in _sentences(body):
            if thing in words:
                if counts:
                    return []
                named = True
    return [f"how many {asked}"] if named else []
