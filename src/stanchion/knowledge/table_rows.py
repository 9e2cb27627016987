"""A veto for a table row asked for what its columns never say (issue 15).

Help centres list per-place and per-plan facts in tables: a row of the baggage desks
("Airport: Camden Reach Airport; Where: baggage office by belt 2; Open: 7 am to 10 pm"), a
row of the fares. A question that names the row by its key ("what are the check-in desk
opening hours at Camden Reach", "is parking free at Harlow Bay Airport") finds it at once,
since the name weighs the most of its words, and the row's other cells then answer with a
neighbour's fact: the baggage desk's hours for the check-in desk's. When every sentence of
the passages naming that key is a table row, and the question's weightiest point (its
words other than the key, the frame and earlier turns) is in none of them, the documents
say nothing of it there.

A column is asked the same way: a question asking a period's figure ("the weekly request
allowance") of passages whose tables count by other periods in their column names
("Requests per minute", "Requests per day") and never state one per week is vetoed too
(``unlisted_period``).

A key is named when the question holds two of the capitalised words of a row's first cell
("Harlow Bay"), or a one-word key ("Silver", "Flex") written as a name. A key the passages
also name in prose is left to the other evidence: prose can say anything of it.

>>> rows = [("Desks", "| Airport | Open |\\n|---|---|\\n| Camden Reach Airport | 7 am to 10 pm |")]
>>> [sorted(key) for key in key_words(rows[0][1])]
[['airport', 'camden', 'reach']]
"""

from __future__ import annotations

import re
from functools import lru_cache

from stanchion.knowledge.query.english import commonness
from stanchion.knowledge.query.glossary import TOKEN
from stanchion.knowledge.query.parse import Concept, Query
from stanchion.knowledge.stated import PER_PERIOD, derived_verbs, named_days, per_period
from stanchion.knowledge.tables import RULE, cells, readable_sentences
from stanchion.knowledge.text import STOPWORDS, index_terms, normalize_word, terms

# a row as ``tables.readable`` writes it: "Header: value; Header: value."
ROW = re.compile(r"^[^:;\n]{1,60}: [^;\n]*(?:; [^:;\n]{1,60}: [^;\n]*)+$")
EVERYDAY = 5.0  # Zipf from which a word the corpus lacks is wording, not the point
Sentence = tuple[frozenset[str], bool]  # its terms (title and heading as context), a row?


@lru_cache(maxsize=4096)
def sentences(title: str, text: str) -> tuple[Sentence, ...]:
    """Each sentence's terms with its title and heading, and whether it is a table row
    (cached: passages are immutable versions). A passage without a table counts as one
    prose sentence: a key it names anywhere is named in prose."""
    if "|" not in text:
        return ((frozenset(terms(title)) | frozenset(index_terms(text)), False),)
    context = frozenset(terms(title))
    out = []
    for raw in readable_sentences(text):
        sentence = raw.strip().rstrip(".")
        found = frozenset(index_terms(sentence))
        if sentence.startswith("#"):
            context = frozenset(terms(title)) | found
            continue
        said = derived_verbs(sentence) | named_days(sentence) | per_period(sentence)
        out.append((found | said | context, bool(ROW.match(sentence))))
    return tuple(out)


@lru_cache(maxsize=4096)
def key_words(text: str) -> list[frozenset[str]]:
    """The terms of the capitalised words of each table row's first cell (its key)."""
    if "|" not in text:
        return []
    out = []
    for raw in readable_sentences(text):
        sentence = raw.strip().rstrip(".")
        if not ROW.match(sentence):
            continue
        key = sentence.split(";", 1)[0].split(":", 1)[1]
        words = {
            t
            for w in key.split()
            if w[:1].isupper()
            for t in terms(w)
            if t not in STOPWORDS and not t.isdigit()
        }
        if words:
            out.append(frozenset(words))
    return out


def as_names(text: str) -> set[str]:
    """The terms of words written with a capital inside a sentence ("on Flex")."""
    out = set()
    for m in TOKEN.finditer(text):
        raw, j = m.group(), m.start() - 1
        if not (raw[:1].isupper() and raw.isalpha()):
            continue
        while j >= 0 and text[j].isspace():
            j -= 1  # over the white space before it: linear in all
        if j >= 0 and text[j] not in ".!?:\n\"'(":
            out.update(terms(raw))
    return out


def _named_keys(text: str, passages: list[tuple[str, str]]) -> list[frozenset[str]]:
    asked = set(terms(text))
    named: list[frozenset[str]] = []
    written: set[str] | None = None
    for _, body in passages:
        for key in key_words(body):
            hit = key & asked
            if len(hit) == 1 and len(key) == 1:
                written = as_names(text) if written is None else written
                hit = hit & written
            if hit and (len(hit) >= 2 or len(key) == 1) and frozenset(hit) not in named:
                named.append(frozenset(hit))
    return named


def _point(query: Query, key: frozenset[str]) -> Concept | None:
    """The weightiest concept of what is asked that is not the key: a corpus word, or one
    the corpus lacks that is not everyday wording or a number."""
    point = [
        c
        for c in query.content()
        if not any(t in key for alt in c.alts for t in alt)
        and (c.known or (commonness(c.words) < EVERYDAY and not c.words.isdigit()))
    ]
    return max(point, key=lambda c: c.weight, default=None)


def unlisted_row(query: Query, passages: list[tuple[str, str]], told: bool = False) -> list[str]:
    """The point of ``query`` when it names a table row's key (see the module) that only
    rows of the passages hold, and none of them holds the point. A told situation names
    the customer's own things: never."""
    if told or not any("|" in body for _, body in passages):
        return []  # most passages hold no table: one substring look-up each
    out = []
    for key in _named_keys(query.text, passages):
        holding = [s for t, b in passages for s in sentences(t, b) if key <= s[0]]
        if not holding or not all(row for _, row in holding):
            continue  # prose names the key too: it can say anything of it
        point = _point(query, key)
        if point is not None and not any(point.present(bag) for bag, _ in holding):
            out.append(normalize_word(point.words))
    return list(dict.fromkeys(out))


# the period a question's adjective asks ("the weekly allowance"), by the word a figure per
# period is written with ("per week")
PERIOD_OF = {
    "hourly": "hour",
    "daily": "day",
    "nightly": "night",
    "weekly": "week",
    "monthly": "month",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
}


@lru_cache(maxsize=4096)
def header_periods(text: str) -> frozenset[str]:
    """The periods a table's column names count by ("Requests per minute", "per day")."""
    lines = text.split("\n")
    out: set[str] = set()
    for i, line in enumerate(lines[:-1]):
        row = cells(line)
        if row is not None and not RULE.match(line) and RULE.match(lines[i + 1]):
            out.update(m.group(1).lower() for c in row for m in PER_PERIOD.finditer(c))
    return frozenset(out)


def unlisted_period(query: Query, passages: list[tuple[str, str]]) -> list[str]:
    """The period adjective of ``query`` ("weekly") when the passages' tables count by the
    period in their column names ("Requests per minute", "Requests per day") and no passage
    states a figure per that period: a column the table does not have. (Read as a column,
    "per day" answers "daily", see ``stated.per_period``.)"""
    asked = {
        PERIOD_OF[c.words.lower()]: c.words for c in query.content() if c.words.lower() in PERIOD_OF
    }
    if not asked:
        return []
    counted = frozenset().union(*(header_periods(b) for _, b in passages if "|" in b))
    if not counted:
        return []
    said = {m.group(1).lower() for _, b in passages for m in PER_PERIOD.finditer(b)}
    return [normalize_word(w) for p, w in asked.items() if p not in counted and p not in said]
