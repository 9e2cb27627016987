"""Contradictions that word coverage does not show: a swapped value, an unsupported name.

An edited claim keeps almost every word of its source and changes one: "the second quarter"
for "the third quarter", "$3 million" for "$3 billion", "on Monday" for "on Friday", another
person's name. Coverage barely moves; what moves is a word of a closed class (ordinals,
months, weekdays, magnitudes, units of time, parts of the day, seasons) that the aligned
sentences fill with another member of the same class, or a proper name the sources never
write. Both are rules of language, not fitted: they veto the claim (``support.vetoed``).

    s = Source.of(["Revenue rose in the third quarter."])
    assert swapped_value(["revenu", "rose", "second", "quart"], s.windows[0].stems)
"""

from __future__ import annotations

import re

from stanchion.knowledge.text import STOPWORDS, normalize_word, stem

# Each line is one class of mutually exclusive values. "may", "march" and "fall" are left out
# (verbs as often as a month or a season), "one" and "last" too ("last" is an antonym of
# "first" already, in ``antonyms``).
CLASSES = """
first second third fourth fifth sixth seventh eighth ninth tenth
january february april june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
hundred thousand million billion trillion
minute hour day week month year decade century
morning afternoon evening night
spring summer autumn winter
yesterday today tomorrow
daily weekly monthly quarterly annually yearly
"""


def _classes() -> dict[str, int]:
    out: dict[str, int] = {}
    for i, line in enumerate(CLASSES.strip().splitlines()):
        for w in line.split():
            out[stem(w)] = i
    return out


CLASS_OF = _classes()
MEMBERS: dict[int, frozenset[str]] = {
    k: frozenset(t for t, c in CLASS_OF.items() if c == k) for k in set(CLASS_OF.values())
}
POSSESSIVE = re.compile(r"['’]s?$")
OPENERS = (":", ".", "!", "?", '"', "“")


def swapped_value(stems: list[str] | set[str], aligned: set[str]) -> bool:
    """A claim word of a closed class stands where the aligned sentences write another value
    of that class and not this one ("second" against "third", "million" against "billion")."""
    for t in CLASS_OF.keys() & stems:  # most claims have no such word: one set operation
        if t not in aligned and not MEMBERS[CLASS_OF[t]].isdisjoint(aligned):
            return True  # another member is there ("t" itself is not)
    return False


def name_key(raw: str) -> str:
    """A name as a term: without its possessive ("Ross's" -> "ross")."""
    return stem(normalize_word(POSSESSIVE.sub("", raw)))


def is_name(raw: str) -> bool:
    """A capitalised word with lower-case letters after its capital ("Moscow", not "UNK",
    "Q2" or "CEO": acronyms and placeholders are left to the coverage features)."""
    return raw[:1].isupper() and any(c.islower() for c in raw[1:]) and raw.isalpha()


def written(name: str, texts: tuple[str, ...]) -> bool:
    """The sources write ``name`` as a word of its own, possessive or glued to the word before
    by a missing space included ("Ross's", "player.Mary"); "Jane" is not in "Janet"."""
    near = [t for t in texts if name in t]  # most unsupported names are nowhere at all
    if not near:
        return False
    found = re.compile(rf"(?<![^\W\d_]){re.escape(name)}(?![^\W\d_])")
    return any(found.search(t) for t in near)


def may_name(claim: str) -> bool:
    """Whether the claim can hold a name: a capital after its first character. Without one
    no word is a name (one opening the claim is one only when a capitalised name follows
    it); words are ASCII. A caller that tests this first need not split the claim."""
    rest = claim[1:]
    return rest != rest.lower()


def unsupported_names(
    claim: str,
    tokens: list[tuple[str, int, int]],
    terms: set[str],
    texts: tuple[str, ...],
) -> list[tuple[int, int]]:
    """Spans of the claim's proper names the sources never write: neither among their
    ``terms`` nor (looked for only then) ``written`` in their texts. A word capitalised by
    its position (the claim's first, after a colon, a quote or a sentence end) is a name only
    when a name follows it ("John Smith said", not "Refunds take")."""
    if not may_name(claim):
        return []
    out = []
    for i, (raw, s, e) in enumerate(tokens):
        if not raw[:1].isupper():
            continue  # most words: no name, and no possessive to strip
        bare = POSSESSIVE.sub("", raw)
        if not is_name(bare):
            continue
        if i == 0 or claim[:s].rstrip().endswith(OPENERS):
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if after is None or after[1] != e + 1 or not is_name(after[0]):
                continue
        if normalize_word(raw) in STOPWORDS or name_key(raw) in terms or written(bare, texts):
            continue
        out.append((s, e))
    return out
