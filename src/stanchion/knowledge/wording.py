"""How a messy message's wording is read before the answerability gate weighs it (issue 15).

The gate weighs each concept of the question by its IDF in the corpus, so a word that is
only the message's wording but that the corpus happens to hold rarely weighs the most of
all and no answering sentence holds it. Four kinds of such wording, each a reading of the
parsed ``Query`` (the parse itself, and so retrieval, is unchanged):

- a hedge ("usually", "roughly", "never", typed "usualy" too), and a typo the corpus mended
  into a word of its own that English reads as a stop word ("abour" -> "arbour", meant
  "about"): frame (``unworded``);
- a short label opening the message ("random q:", "quick question -"): its known words
  frame when the rest is a question of its own (``lead_in``);
- a typo mended to the corpus's commonest neighbour: also read as the passages' words one
  edit from what was typed ("storh" beside "storm drain", ``read_typos``);
- an English word the corpus never uses, one edit from a word the passages write beside
  the same neighbour ("a LONE phone" where they say "a loan phone"): also read as that
  word (``slipped_words``);
- a light verb as the question types it ("will it GO out today", "how many can one hub RUN
  at once"), and "use" and "bring": frame when another known word is the question's point
  and no word the corpus never saw could be (``light_wording``).

The words of asking themselves ("the MEANING of", "DESCRIBE", "how much does it COST"),
particles and set phrases ("send it BACK", "at the same TIME") are ``knowledge.asking``'s.

>>> from stanchion.knowledge.query import Glossary, Vocabulary, parse
>>> vocab = Vocabulary(20, {"random": 1, "q": 1, "storm": 3, "drain": 2, "story": 9})
>>> q = lead_in(parse("random q: where does a storh drain go", vocab, Glossary({})))
>>> [(c.words, c.frame) for c in q.concepts][:4]
[('random', True), ('q', True), ('storh', False), ('drain', False)]
>>> [c.alts for c in read_typos(q, {"storm", "drain"}).concepts][2]
(('story',), ('storm',))
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache

from stanchion.knowledge.query.english import typo_of
from stanchion.knowledge.query.parse import FILLERS, Concept, Query
from stanchion.knowledge.query.point import LIGHT
from stanchion.knowledge.query.spelling import osa
from stanchion.knowledge.text import STOPWORDS, index_terms, normalize_word, stem, terms, words

# Adverbs that hedge how often or how exactly, never what is asked ("how long does it
# USUALLY take", "my bag NEVER showed up"): an answer states the period, not the hedge. The
# chat fillers hold the others ("really", "actually", "basically").
HEDGES = frozenset(
    [
        *("usually", "normally", "typically", "generally", "roughly", "approximately"),
        *("exactly", "never", "always", "ever", "often", "sometimes", "rarely", "seldom"),
    ]
)


def _hedge(c: Concept) -> bool:
    """A hedge however written ("usually", "usualy"): the wording of the question, as a stop
    word is; and a typo of a stop word or a filler the corpus mended into a word of its own
    ("tgey" -> "grey": English reads it "they"). (A typo mended into a stop word or a
    filler, "whzt" -> "what", the parse already drops: ``query.parse``.)"""
    if c.how != "word" and c.how != "spelling":
        return False
    typed = normalize_word(c.words)
    meant = typo_of(typed)
    if typed in HEDGES or meant in HEDGES:
        return True
    return c.how == "spelling" and meant is not None and (meant in STOPWORDS or meant in FILLERS)


def unworded(query: Query) -> Query:
    """``query`` with its hedges made frame: a concept weighs in coverage by its IDF, and a
    corpus that rarely writes "usually" gives it the heaviest weight of the question, which
    no answering sentence holds."""
    if not any(_hedge(c) for c in query.concepts if not c.frame):
        return query
    concepts = tuple(replace(c, frame=True) if _hedge(c) else c for c in query.concepts)
    return Query(query.text, concepts)


# A short label before a colon or a dash that opens a message ("random q:", "quick question
# -"): how the customer introduces the question, not what it asks.
LEAD_IN = re.compile(
    r"^\W*((?:[a-z']+\s+){0,2}[a-z']+)\s*(?::|\s[-\u2013\u2014])\s+(.*\S)", re.I | re.S
)
LEAD_REST = 3  # words: what follows a lead-in must be a question of its own


def lead_in(query: Query) -> Query:
    """``query`` with the known words of its opening label (``LEAD_IN``) made frame when
    the rest of the message does not use them and still has a known word of its own; a
    word the corpus never saw stays (a veto may need it: "Klarna: do you take it?")."""
    m = LEAD_IN.match(query.text)
    if m is None or len(m.group(2).split()) < LEAD_REST:
        return query
    label = set(m.group(1).lower().split())
    rest = set(re.findall(r"[a-z0-9']+", m.group(2).lower()))
    concepts = tuple(
        replace(c, frame=True)
        if c.known and not c.frame and set(c.words.lower().split()) <= label - rest
        else c
        for c in query.concepts
    )
    if concepts == query.concepts or not any(c.known and not c.frame for c in concepts):
        return query  # the label was the subject ("my order - where is it?")
    return Query(query.text, concepts)


USE_VERB = True  # "use" and "bring" read as light verbs (``_light``)
TYPO_READ = 4  # letters from which a typo is read against the passages' words


def read_typos(query: Query, words: set[str] | frozenset[str]) -> Query:
    """``query`` with each mended typo also read as the passages' words one edit from what
    was typed: the corpus mends "torses" to its commonest neighbour, the passage on wild
    horses says which one was meant ("wqter", "storh", "coudt"); a typo of the question's
    point finds no such word and counts as absent as before."""
    typos = [c for c in query.concepts if c.how == "spelling" and not c.frame]
    if not typos:
        return query
    read = {c: _neighbours(c, words) for c in typos}
    if not any(read.values()):
        return query
    concepts = tuple(
        replace(c, alts=(*c.alts, *((t,) for t in read[c]))) if read.get(c) else c
        for c in query.concepts
    )
    return Query(query.text, concepts)


def _neighbours(c: Concept, words: set[str] | frozenset[str]) -> list[str]:
    """The passage words one edit from the typed word or its stem, and the stem of the
    English word it is a typo of ("familu": "family", indexed as its stem)."""
    typed = normalize_word(c.words)
    if len(typed) < TYPO_READ or not typed.isalpha():
        return []
    forms = {typed, stem(typed)}
    held = {alt[0] for alt in c.alts if len(alt) == 1}
    meant = typo_of(typed)
    found = {stem(meant)} & words if meant is not None else set()
    found |= {
        w for w in words if any(abs(len(w) - len(f)) <= 1 and osa(f, w, 1) <= 1 for f in forms)
    }
    return sorted(found - held)


@lru_cache(maxsize=4096)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """The adjacent terms of a passage (cached: passages are immutable versions)."""
    found = index_terms(text)
    return frozenset(itertools.pairwise(found))


def slipped_words(query: Query, texts: list[str]) -> Query:
    """``query`` with each word the corpus never uses also read as the passages' word one
    edit from it that they write beside the same neighbour as the question does: a slip
    onto another English word ("the deposit for a LONE phone", the passage's "loan phone"),
    which no spelling check catches since the word is one. A word with no such neighbour in
    the passages stays as typed, absent from them."""
    odd = {c.key: c for c in query.concepts if c.how == "word" and not c.known and not c.frame}
    odd = {k: c for k, c in odd.items() if len(k) >= TYPO_READ and k.isalpha()}
    if not odd:
        return query
    asked = terms(query.text)
    pairs = frozenset().union(*(_pairs(t) for t in texts))
    written = _written(tuple(texts))
    read: dict[str, set[str]] = {}
    for i, term in enumerate(asked):
        if term not in odd:
            continue
        typed = normalize_word(odd[term].words)
        before, after = asked[i - 1] if i else "", asked[i + 1] if i + 1 < len(asked) else ""
        for a, b in pairs:
            if b == after and _slip(term, a) and _slip_as_typed(typed, written.get(a, ())):
                read.setdefault(term, set()).add(a)
            if a == before and _slip(term, b) and _slip_as_typed(typed, written.get(b, ())):
                read.setdefault(term, set()).add(b)
    if not read:
        return query
    concepts = tuple(
        replace(c, alts=(*c.alts, *((t,) for t in sorted(read[c.key]))))
        if c.key in read and c.key in odd
        else c
        for c in query.concepts
    )
    return Query(query.text, concepts)


SLIP = 2  # edits: a homophone ("lone" for "loan") is two


def _slip(typed: str, written: str) -> bool:
    """``written`` is a slip's target: a different word with the same first letter, at most
    SLIP edits away."""
    return written != typed and written[:1] == typed[:1] and osa(typed, written, SLIP) <= SLIP


def _slip_as_typed(typed: str, forms: Iterable[str]) -> bool:
    """The slip holds between the words as written, not only their stems: a slip is made on
    a whole word ("lone" for "loan"); the stems of two words far apart can be close
    ("parking" is "park", two edits from "Parade"'s "parad")."""
    return any(osa(typed, form, SLIP) <= SLIP for form in forms)


@lru_cache(maxsize=512)
def _written(texts: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Each term of the passages with the words they write it as ("parad": "parade")."""
    forms: dict[str, set[str]] = {}
    for text in texts:
        for raw, _, _ in words(text):
            word = normalize_word(raw)
            if word not in STOPWORDS:
                forms.setdefault(stem(word), set()).add(word)
    return {term: frozenset(found) for term, found in forms.items()}


# The past forms of the light verbs: a told event ("when it CAME to mind", "it WENT
# offline"), not how the question is put ("will it GO out", "can one hub RUN").
TOLD = frozenset(
    [
        *("was", "were", "been", "got", "went", "gone", "took", "taken", "made", "did", "done"),
        *("had", "gave", "given", "kept", "came", "ran", "shown", "saw", "seen", "said"),
    ]
)


# "use" and "bring" as verbs ("can I still USE it", "how much to BRING my bike"): their
# meaning is their object's, as a light verb's is ("bring" is "take" seen from where the
# thing arrives); "used" tells ("I used it once") or qualifies ("a used item") and stays.
USE = frozenset(["use", "uses", "using", "bring", "brings", "bringing"])


def _light(c: Concept) -> bool:
    """A known light verb of the question typed as itself, in the form a question puts it
    ("go", "run", "happens"; ``query.point.LIGHT``; "use", "bring"): its meaning comes from
    what follows it. A past form tells what happened, and stays."""
    w = c.words.lower()
    if not c.known or c.how != "word" or w in TOLD or w.endswith("ed"):
        return False
    return w in LIGHT or (USE_VERB and w in USE)


def light_wording(query: Query, wording: Callable[[Concept], bool]) -> Query:
    """``query`` with its light verbs made frame when a known word of its own remains its
    point and every word the corpus never saw is only wording (``wording``: everyday, a
    number, a superlative): the corpus weighs "go" or "run" by IDF, and a corpus that rarely
    writes them gives them more weight than the thing asked about, which the answering
    sentence ("orders placed before 2pm ship the same day") has no reason to repeat. An
    unseen word that could be the point ("which bus goes to the office") is what the
    passages must hold, and the light verb's absence still says they may not."""
    content = query.content()
    if not any(_light(c) for c in content):
        return query
    if not any(c.known and not _light(c) for c in content):
        return query  # nothing else names the point: the light verb is all there is
    if any(not c.known and not wording(c) for c in content):
        return query
    concepts = tuple(
        replace(c, frame=True) if not c.frame and c.how != "context" and _light(c) else c
        for c in query.concepts
    )
    return Query(query.text, concepts)
