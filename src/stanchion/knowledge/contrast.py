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
from collections.abc import Callable

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
POSSESSIVE = re.compile(r"['’]s?$")
WORD = re.compile(r"[^\W\d_][\w'’]*")
OPENERS = (":", ".", "!", "?", '"', "“")


def swapped_value(stems: list[str] | set[str], aligned: set[str]) -> bool:
    """A claim word of a closed class stands where the aligned sentences write another value
    of that class and not this one ("second" against "third", "million" against "billion")."""
    for t in stems:
        k = CLASS_OF.get(t)
        if k is None or t in aligned:
            continue
        if any(CLASS_OF.get(o) == k for o in aligned if o != t):
            return True
    return False


def name_key(raw: str) -> str:
    """A name's comparable form: no possessive, no dots ("Ross's" -> "ross", "U.K." -> "uk")."""
    return stem(normalize_word(POSSESSIVE.sub("", raw))).replace(".", "")


def is_name(raw: str) -> bool:
    """A capitalised word with lower-case letters after its capital ("Moscow", not "UNK",
    "Q2" or "CEO": acronyms and placeholders are left to the coverage features)."""
    return raw[:1].isupper() and any(c.islower() for c in raw[1:]) and raw.isalpha()


def source_names(texts: tuple[str, ...], terms: set[str]) -> set[str]:
    """What a claim's name may match: the sources' terms without dots, their capitalised
    words without a possessive (also where a missing space glues them to the word before:
    "player.Mary"), and the initials of their runs of capitalised words ("United Kingdom"
    backs "UK" and "U.K.")."""
    out = {t.replace(".", "") for t in terms}
    for text in texts:
        run: list[str] = []
        end = -1
        for m in WORD.finditer(text):
            w = m.group()
            if not (w[0].isupper() and text[end : m.start()] == " "):
                _initials(run, out)
            if w[0].isupper():
                out.add(name_key(w))
                run.append(w[0].lower())
            end = m.end()
        _initials(run, out)
    return out


def _initials(run: list[str], out: set[str]) -> None:
    if len(run) >= 2:
        out.add("".join(run))
    run.clear()


def unsupported_names(
    claim: str,
    tokens: list[tuple[str, int, int]],
    terms: set[str],
    known: Callable[[], set[str]],
) -> list[tuple[int, int]]:
    """Spans of the claim's proper names the sources never write: neither among their
    ``terms`` nor among the other forms ``known()`` gives (asked only when a name is not a
    term). A word capitalised by its position (the claim's first, after a colon, a quote or
    a sentence end) is a name only when a name follows it ("John Smith said", not "Refunds
    take")."""
    out = []
    for i, (raw, s, e) in enumerate(tokens):
        if not is_name(POSSESSIVE.sub("", raw)):
            continue
        if i == 0 or claim[:s].rstrip().endswith(OPENERS):
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if after is None or after[1] != e + 1 or not is_name(after[0]):
                continue
        key = name_key(raw)
        if key not in terms and key not in known() and normalize_word(raw) not in STOPWORDS:
            out.append((s, e))
    return out
