"""The searched corpus's vocabulary: document frequencies, spelling variants, name words.

Built once per index generation (``Vocabulary.build``), so a request never walks the whole
vocabulary: a misspelt word is looked up in a deletion index (SymSpell's idea: a word and
every form of it with one letter deleted point at the corpus terms they came from).

>>> v = Vocabulary(10, {"refund": 4, "ship": 6, "warranty": 2}, ["Lumen Hub", "Lumen Bulb"])
>>> v.correct("refnd"), v.correct("warrenty"), v.correct("lock"), "lumen" in v.names
('refund', 'warranty', None, True)
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from string import ascii_lowercase

from stanchion.knowledge.backends import idf
from stanchion.knowledge.query import english, gazetteer
from stanchion.knowledge.query.spelling import (
    LONGEST,
    SHORTEST,
    deletions,
    doublings,
    likely,
    max_distance,
    osa,
    slip,
    slips,
)
from stanchion.knowledge.text import STOPWORDS, normalize_word, stem, words

SPELL_TERMS = 50_000  # the most frequent terms a typo may be corrected to
MENDED = 9  # the longest word whose one-letter edits are stemmed to find its corpus term
DOUBLED = True  # a doubled letter written once ranks as likely a typo as a slipped key
ABBREVIATION = 4  # the shortest clipped word expanded to the one corpus term it starts


def name_words(titles: Iterable[str]) -> frozenset[str]:
    """Terms that open two or more document titles: a brand or product family ("Lumen Hub",
    "Lumen Bulb"), whose unknown neighbours in a question name a product the corpus lacks."""
    first: Counter[str] = Counter()
    for title in set(titles):
        tokens = [normalize_word(w) for w, _, _ in words(title)]
        tokens = [t for t in tokens if t not in STOPWORDS]
        if tokens:
            first[stem(tokens[0])] += 1
    return frozenset(t for t, c in first.items() if c >= 2)


class Vocabulary:
    """Terms of the served chunks with the number of chunks holding each."""

    def __init__(self, n: int, df: Mapping[str, int], titles: Iterable[str] = ()) -> None:
        self.n, self.df = max(n, 1), dict(df)
        self.names = name_words(titles)
        self._max_weight = 1.0 + idf(self.n, 0)
        self._deletes: dict[str, list[str]] = {}
        spellable = [t for t in self.df if t.isalpha() and len(t) >= SHORTEST - 1]
        spellable.sort(key=lambda t: -self.df[t])
        for term in spellable[:SPELL_TERMS]:
            for key in deletions(term) | {term}:
                self._deletes.setdefault(key, []).append(term)
        self._sorted = sorted(spellable[:SPELL_TERMS])
        english.load()  # read once per process, while the index is built, not on a question
        gazetteer.load()

    def __contains__(self, term: object) -> bool:
        return term in self.df

    def __len__(self) -> int:
        return len(self.df)

    def weight(self, term: str) -> float:
        """1 + IDF: a term no chunk holds weighs the most."""
        df = self.df.get(term, 0)
        return 1.0 + idf(self.n, df) if df else self._max_weight

    def correct(self, term: str) -> str | None:
        """The corpus term ``term`` is most likely a misspelling of (fewest edits, then a slipped
        key, swapped letters or a doubled letter, then the most frequent), or None: known
        terms, numbers and
        short words are left alone."""
        limit = max_distance(term)
        if not limit or term in self.df or not term.isalpha():
            return None
        keys = deletions(term) | {term}
        if limit > 1:
            keys |= {d2 for d1 in list(keys) for d2 in deletions(d1)}
        found = {c for key in keys for c in self._deletes.get(key, ())}
        best: tuple[int, bool, int, str] | None = None
        for cand in found:
            dist = osa(term, cand, limit)
            if dist > limit:
                continue
            rank = (dist, not _likely(term, cand), -self.df[cand], cand)
            if best is None or rank < best:
                best = rank
        return best[3] if best else None

    def mend(self, word: str) -> str | None:
        """The corpus term a misspelt *word* (before stemming) is one edit from, a slipped key
        or swapped letters first, then the most frequent, when several are: a typo can stem
        apart from its word ("torses" -> "tors", "horses" -> "hors"; "izxie" -> "izxi",
        "izzie" -> "izzi"), too short then to correct as a term. None for short, long or
        non-alphabetic words (at most 54 * MENDED + 25 stems a word)."""
        if not SHORTEST <= len(word) <= MENDED or not word.isalpha():
            return None
        for pool in (slips(word), edits(word)):  # a slipped key first, then any edit
            best: tuple[int, str] | None = None
            for edit in pool:
                term = _stem(edit)  # uncached: the edits are no words, they would evict words
                df = self.df.get(term, 0)
                if df and term not in STOPWORDS and (best is None or (-df, term) < best):
                    best = (-df, term)
            if best is not None:
                return best[1]
        return None

    def redouble(self, word: str) -> str | None:
        """The commonest corpus term a misspelt *word* (before stemming) is with one letter
        doubled or one doubled letter single ("loged" -> "log", stemmed from "logged"), or
        None: a word whose stem is too short to ``correct`` and that English reads as a form
        of another word ("loged" as "log" + "ed") is never ``mend``-ed."""
        if not SHORTEST - 1 <= len(word) <= LONGEST or not word.isalpha():
            return None
        best: tuple[int, str] | None = None
        for form in doublings(word):
            term = _stem(form)
            df = self.df.get(term, 0)
            if df and term not in STOPWORDS and (best is None or (-df, term) < best):
                best = (-df, term)
        return best[1] if best else None

    def expand(self, term: str) -> str | None:
        """The corpus term a clipped word abbreviates ("orig" -> "origin"), when exactly one
        term of at least two more letters starts with it; None otherwise."""
        if len(term) < ABBREVIATION or not term.isalpha() or term in self.df:
            return None
        i = bisect_left(self._sorted, term)
        found: list[str] = []
        while i < len(self._sorted) and self._sorted[i].startswith(term) and len(found) < 2:
            if len(self._sorted[i]) >= len(term) + 2:
                found.append(self._sorted[i])
            i += 1
        return found[0] if len(found) == 1 else None


_stem = stem.__wrapped__


def _likely(typed: str, word: str) -> bool:
    return likely(typed, word) if DOUBLED else slip(typed, word)


def edits(word: str) -> set[str]:
    """Every word one deletion, transposition, substitution or insertion from ``word``."""
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in cuts if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
    out |= {a + c + b[1:] for a, b in cuts if b for c in ascii_lowercase}
    out |= {a + c + b for a, b in cuts for c in ascii_lowercase}
    out.discard(word)
    return out
