"""Sources prepared for the grounding check, and the word readings they are made of.

A passage's sentences are analysed once (their terms, stems and negation) and kept by its
text; the passages retrieved for an answer make one ``Source`` (terms, bigrams, document
frequencies, windows of one sentence and of two adjacent ones).
``reading`` is one word's analysis (normalised form, stem, content term, negation,
opposites), cached per word.

    s = Source.of(["Refunds take 5 days.", "Cards are free."])
    assert s.sentences == 2 and len(s.windows) == 3 and "5" in s.digits
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter

from stanchion.knowledge.antonyms import ANTONYMS
from stanchion.knowledge.text import STOPWORDS, normalize_word, stem, words

# (not after a numbered step's marker at a line's start: "1. Open the app." is one sentence)
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!^\d\.)(?<!^\d\d\.)\s+|\n+", re.M)
# The numbers inside a source's words: "9pm", "1st" and "2018-2019" back "9", "1" and "2019".
DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
TOPS = 512  # sets of top windows kept per source

# English number names from 1 (shared with ``named_kinds``'s numbered instalments).
CARDINALS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
# "one" is left out: it is a pronoun as often as a number ("one of the best"). An ordinal is
# its number ("the fifth day" against "the 5th day").
NUMBER_WORDS = {w: str(i) for i, w in enumerate(CARDINALS[1:12], start=2)} | {
    w: str(i) for i, w in enumerate(ORDINALS[2:10], start=3)
}
# "first" and "second" are left out for the same reason ("first of all", "a second look").
# The speaker's own voice: "I think...", "my favourite...". Contractions that normalise to
# words of their own ("I'd" -> "id", "I'll" -> "ill") are left out.
FIRST_PERSON = frozenset(["i", "me", "my", "myself", "im", "ive"])

NEGATIONS = frozenset([
    "not", "no", "never", "without", "nor", "none", "cannot", "excluding", "neither", "nothing",
    "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont", "cant", "couldnt",
    "shouldnt"
])  # fmt: skip


Words = list[tuple[str, int, int]]
# A raw word's reading: (normalised, its stem, its content term or None for a stop word,
# whether it negates, what its stem swaps with: ``opposites``). One lookup per word instead
# of four passes over a claim's words.
Reading = tuple[str, str, str | None, bool, frozenset[str]]
NEGATES = itemgetter(3)


READINGS = 65_536  # words whose readings are kept


def read_word(raw: str) -> Reading:
    w = normalize_word(raw)
    term = None if w in STOPWORDS else (NUMBER_WORDS.get(w) or stem(w))
    stemmed = stem(w)
    return w, stemmed, term, w in NEGATIONS or raw.lower().endswith("n't"), opposites(stemmed)


class _Readings(dict[str, Reading]):
    """The readings made so far, by raw word. A dict whose ``__missing__`` reads the word:
    ``map(reading, words)`` looks each word up without leaving C (an ``lru_cache`` hit cost
    1.4 K instructions a word, a third of a claim's word-by-word work)."""

    def __missing__(self, raw: str) -> Reading:
        if len(self) >= READINGS:
            self.clear()
        found = self[raw] = read_word(raw)
        return found


# One word's reading (see ``Reading``), kept: ``reading("Refunds")[1] == "refund"``.
reading = _Readings().__getitem__


def has_negation(text: str, tokens: Words | None = None) -> bool:
    """``tokens``: ``words(text)`` when the caller has them already (each pass over a
    claim's words costs; a claim is read once)."""
    return any(reading(w)[3] for w, _, _ in (words(text) if tokens is None else tokens))


def denies(tokens: Words) -> bool:
    """The claim says something is not so: a negation word other than the additive "not
    only" ("not only A but B" asserts both)."""
    return read_denies([reading(w) for w, _, _ in tokens])


def read_denies(read: list[Reading]) -> bool:
    return any(
        r[3] and not (r[0] == "not" and i + 1 < len(read) and read[i + 1][0] == "only")
        for i, r in enumerate(read)
    )


def content_terms(text: str, tokens: Words | None = None) -> list[tuple[str, int, int]]:
    """(stemmed term, start, end) of the words that carry content; a number written as a
    word is its digits ("five gold albums" is "5 gold albums")."""
    out = []
    for raw, s, e in words(text) if tokens is None else tokens:
        term = reading(raw)[2]
        if term is not None:
            out.append((term, s, e))
    return out


def all_stems(text: str, tokens: Words | None = None) -> set[str]:
    return {reading(w)[1] for w, _, _ in (words(text) if tokens is None else tokens)}


@dataclass(slots=True)
class Window:
    """One source sentence, or two adjacent ones."""

    terms: set[str]
    stems: set[str]
    negated: bool

    def __or__(self, other: Window) -> Window:
        return Window(
            self.terms | other.terms, self.stems | other.stems, self.negated or other.negated
        )

    @property
    def first_person(self) -> bool:
        return not FIRST_PERSON.isdisjoint(self.stems)


class _Idf(dict[str, float]):
    """A source's IDF weights by term, each made on its first look-up and kept (looked up
    from C, by ``map``); an unseen term's weight is given, not kept."""

    __slots__ = ("df", "n", "unseen")

    def __init__(self, df: dict[str, int], n: int, unseen: float) -> None:
        super().__init__()
        self.df, self.n, self.unseen = df, n, unseen

    def __missing__(self, term: str) -> float:
        count = self.df.get(term)
        if count is None:
            return self.unseen
        w = self[term] = math.log(1 + self.n / (1 + count)) + 0.5
        return w


@dataclass(slots=True)
class Source:
    """The sources prepared once: term set, bigrams, document frequencies, windows, and the
    texts themselves (where a claim's proper name is looked for when no term matches it)."""

    terms: set[str]
    bigrams: set[tuple[str, str]]
    windows: list[Window]
    df: dict[str, int]
    sentences: int
    first_person: bool
    digits: set[str]
    texts: tuple[str, ...]
    # The windows each term is in, in window order: a claim's coverage of every window is
    # added up term by term from here (the same sums, in the same order, as window by window).
    where: dict[str, list[int]] = field(default_factory=dict)
    # IDF weights made so far (``weights``), and an unseen term's
    idf: _Idf = field(init=False)
    unseen: float = field(init=False)
    # ``math.log1p(sentences)``: a figure of every answer checked against these sources
    spread: float = field(init=False)
    # The terms and stems of the top windows of a claim's alignment, by the windows' indices:
    # the claims of a passage set keep landing on the same few sentences
    tops: dict[tuple[int, ...], tuple[set[str], set[str]]] = field(init=False)

    def __post_init__(self) -> None:
        self.unseen = math.log(1 + max(self.sentences, 1) / 1) + 0.5
        self.idf = _Idf(self.df, max(self.sentences, 1), self.unseen)
        self.spread = math.log1p(self.sentences)
        self.tops = {}

    @classmethod
    def of(cls, texts: list[str], cache: FactsCache | None = None) -> Source:
        """``cache`` keeps each text's analysed sentences: retrieved passages are immutable
        versions and come back request after request, so they are analysed once."""
        terms: set[str] = set()
        bigrams: set[tuple[str, str]] = set()
        single: list[Window] = []
        df: dict[str, int] = {}
        for text in texts:
            for toks, window in sentences(text, cache):
                terms.update(toks)
                bigrams.update(pairwise(toks))
                single.append(window)
                for t in set(toks):
                    df[t] = df.get(t, 0) + 1
        merged = [a | b for a, b in pairwise(single)]
        voiced = any(w.first_person for w in single)
        digits = {d for t in terms if not t.isalpha() for d in DIGITS.findall(t)}
        windows = single + merged
        where: dict[str, list[int]] = {}
        for i, w in enumerate(windows):
            for t in w.terms:
                where.setdefault(t, []).append(i)
        return cls(terms, bigrams, windows, df, len(single), voiced, digits, tuple(texts), where)

    def weights(self, uniq: list[str]) -> list[float]:
        """The IDF weight of each term: a source term's is kept once made (a passage set's
        terms come back claim after claim), an unseen term's is the same for all."""
        return list(map(self.idf.__getitem__, uniq))

    def top(self, order: list[int]) -> tuple[set[str], set[str]]:
        """The terms and the stems of the windows ``order`` together (shared: not to be
        changed), made once per set of windows."""
        key = tuple(order)
        found = self.tops.get(key)
        if found is None:
            if len(self.tops) >= TOPS:
                self.tops.clear()
            windows = [self.windows[i] for i in order]
            found = self.tops[key] = (
                set().union(*[w.terms for w in windows]),
                set().union(*[w.stems for w in windows]),
            )
        return found


# A passage's sentences: each one's content terms, and its window. A function of the text
# alone, so kept by the text a cache can never serve another version's sentences: an edited
# passage is another text.
Sentences = list[tuple[list[str], Window]]
FactsCache = dict[str, Sentences]
FACTS_CACHE_SIZE = 4096


def sentences(text: str, cache: FactsCache | None = None) -> Sentences:
    found = cache.get(text) if cache is not None else None
    if found is None:
        found = []
        for sentence in SENTENCE_END.split(text):
            if sentence.strip():
                tokens = words(sentence)  # read once for the terms, the stems and negation
                toks = [t for t, _, _ in content_terms(sentence, tokens)]
                window = Window(
                    set(toks), all_stems(sentence, tokens), has_negation(sentence, tokens)
                )
                found.append((toks, window))
        if cache is not None:
            if len(cache) >= FACTS_CACHE_SIZE:
                cache.clear()
            cache[text] = found
    return found


PREFIXES = ("un", "dis", "non", "in", "im", "ir", "il")


def swapped(term: str, within: set[str]) -> bool:
    """``term`` stands where the aligned sentences say the opposite: its antonym, or the
    word it negates by a prefix ("disagrees" for "agrees", "unreliable" for "reliable"),
    is there and it is not."""
    return term not in within and not opposites(term).isdisjoint(within)


@lru_cache(maxsize=65_536)
def opposites(term: str) -> frozenset[str]:
    """The words whose presence in place of ``term`` is a swap: its antonyms and what it
    negates by a prefix."""
    bases = (term[len(p) :] for p in PREFIXES if term.startswith(p) and len(term) - len(p) >= 4)
    return ANTONYMS.get(term, frozenset()).union(bases)
