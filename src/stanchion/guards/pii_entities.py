"""Places, organisations, groups (NRP), postal codes and web addresses (titles: ``pii_titles``).

The text is cut into words once (``pii_words.words``, shared by the recognisers of one scan,
with the lexicon hits of every word from one pass); each recogniser visits only the words it
could start at and looks at the words around them:
a country or region by name in any case, a city with a capital letter, an unknown capitalised
name after "flew to" or "grew up in", an organisation by its legal form or after "work for",
a nationality, religion or political group::

    [text[s:e] for s, e, _ in LocationRecogniser().find(text := "She grew up in Kajaani, Finland")]
    # ['Kajaani', 'Finland']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stanchion.guards.normalize import lowered
from stanchion.guards.pii_lexicon import (
    LOWER_CASE_AMBIGUOUS,
    NRP,
    NRP_FORMS,
    NRP_PAIRS,
    ORG_TAIL,
    ORG_TAILS,
    PLACE_CUE_KEY_SET,
    PLACE_CUE_KEYS,
    PLACE_LOWER,
    STRONG_PLACE_CUES,
    kind_of_place,
    lexicon,
    place_names_by_head,
    place_prefixes,
)
from stanchion.guards.pii_names import COMMON_WORDS, gazetteer
from stanchion.guards.pii_words import (
    WORD,
    Cues,
    Listed,
    Token,
    Words,
    chain_reach,
    cue_matches,
    listed,
    next_word_start,
    word_before,
    word_chain,
    word_end,
    words,
)

Match = tuple[int, int, float]
_REACH = 64  # characters after a place's start that key what it gives
_UNSEEN = (0, 0.0)  # a start not looked at yet (``dict.get``)
# Capitalised words that are more often not names; the place names among them stay places.
_ORDINARY = COMMON_WORDS - frozenset(
    "paris london berlin sydney dallas houston phoenix denver orlando".split()  # noqa: SIM905
)
# Legal forms that are also ordinary lower-case words: they end a name only in capitals.
_SHORT_FORMS = frozenset("as ab ag sa nv bv oy co".split())  # noqa: SIM905


def _capital(word: str) -> bool:
    return word[0].isupper()


def _bare(word: str) -> str:
    return word.rstrip(".").lower()


def _phrase(toks: tuple[Token, ...], i: int, n: int, text: str) -> str | None:
    """Words i..i+n-1 joined by single spaces, or None when something else stands between."""
    words = [toks[i][2].rstrip(".")]
    for k in range(i + 1, i + n):
        if text[toks[k - 1][1] : toks[k][0]] != " ":
            return None
        words.append(toks[k][2].rstrip("."))
    return " ".join(words)


# Words just before a place (the last one or two words before it).
_PLACE_CUES = frozenset(
    """in from to at near visit visited visiting flew moved arrived live lives lived living
    based born located headquartered via across""".split()  # noqa: SIM905
)


def _place_starts(text: str, lst: Listed) -> dict[int, str]:
    """Start -> first word of each country or region name the text holds ("the" starts
    "the netherlands": its other occurrences start none)."""
    if len(lst.lower) != len(text):  # lower-casing moved the offsets
        return {s: w for s, w in lst.at(PLACE_LOWER)}
    names = place_names_by_head()
    return {
        start: head
        for head in lst.has(PLACE_LOWER)
        for name in names.get(head, ())
        for start in lst.phrase_at(name, alone=True)
    }


def _after_cues(text: str, lst: Listed) -> Iterator[int]:
    """Starts of capitalised words after a strong place cue: the cue's words whole, one
    space apart, then spaces or tabs (what ``Cues.before`` asks of a cue)."""
    keys = PLACE_CUE_KEY_SET & lst.words
    if not keys:
        return
    present = {cue for key in keys for cue in PLACE_CUE_KEYS[key]}
    for phrase in STRONG_PLACE_CUES:
        if phrase not in present:
            continue
        for index in lst.phrase_at(phrase):
            if index and (text[index - 1].isalnum() or text[index - 1] in "_'"):
                continue
            k = index + len(phrase)
            while k < len(text) and text[k] in " \t":
                k += 1
            if k > index + len(phrase) and k < len(text) and text[k].isupper():
                yield k


class LocationRecogniser:
    """Countries and regions by name, in any case; capitalised names after a travel cue.

    Towns are not looked up: on DEV they added as many false positives as places (19 and
    20), and every capitalised word of a text would be a candidate. Candidates come from the
    listed words (``Listed``: the first words of country and region names) and the cue
    phrases the text holds; only those are cut into words.
    """

    type = "pii.location"

    def __init__(self) -> None:
        # The tables are built on first use; a message that was the first to name a country
        # paid for them (~20 ms, 9 M instructions): built with the guard instead.
        place_names_by_head()
        place_prefixes()
        lexicon()
        self._known: dict[tuple[bool, bool, str, str], tuple[int, float] | None] = {}

    def find(self, text: str) -> Iterator[Match]:
        lst = listed(text)
        heads = _place_starts(text, lst)
        cued = set(_after_cues(text, lst)) if len(lst.lower) == len(text) else set()
        if not heads and not cued:
            return
        known = self._known
        if len(known) > 20_000:
            known.clear()
        cursor = 0
        for start in sorted(heads.keys() | cued):
            if start < cursor:
                continue
            # What a start gives is read from the 20 characters before it (``_score``) and
            # its chain of words (``word_chain``): remembered by those characters and the
            # _REACH after the start, when the chain's reading ended inside them (a text
            # names its places again: each such name was ~40,000 instructions).
            key = (
                start in heads,
                start in cued,
                text[max(0, start - 20) : start],
                text[start : start + _REACH],
            )
            found = known.get(key, _UNSEEN)
            if found is _UNSEEN:
                found, reach = self._at(text, start, key[0], key[1])
                if reach <= start + _REACH or start + _REACH >= len(text):
                    known[key] = found
            if found is None:
                continue
            cursor = start + found[0]
            yield start, cursor, found[1]

    def _at(
        self, text: str, start: int, head: bool, cue: bool
    ) -> tuple[tuple[int, float] | None, int]:
        """The place at ``start`` (its length and score, or None), and the index before
        which everything the chain of words read lies."""
        toks = word_chain(text, start, 3)
        if not toks:
            return None, len(text) + _REACH  # never remembered
        found = self._place(toks, text) if head else None
        if found is None and cue:
            found = self._cued(toks)
        place = None
        if found is not None:
            n, score = found
            place = toks[n - 1][1] - toks[n - 1][2].endswith(".") - start, score
        return place, chain_reach(text, toks[-1][1])

    def _place(self, toks: list[Token], text: str) -> tuple[int, float] | None:
        """The longest place name (three words at most) starting the chain, and its score."""
        two, three = place_prefixes()
        bare = [tok[2].rstrip(".").lower() for tok in toks]  # ``_bare``, for each place
        for n in (3, 2, 1) if bare[0] in two else (1,):
            if n > len(toks):
                continue
            if n == 3 and f"{bare[0]} {bare[1]}" not in three:
                continue
            phrase = " ".join(tok[2].rstrip(".") for tok in toks[:n])
            kind = kind_of_place(phrase)
            if kind is None or kind == "t":
                continue
            score = self._score(phrase, text, toks[0][0])
            if score is not None:
                return n, score
        return None

    @staticmethod
    def _score(phrase: str, text: str, start: int) -> float | None:
        if not _capital(phrase) and _bare(phrase) in COMMON_WORDS:
            return None
        before = text[max(0, start - 20) : start].lower().split()
        if before and before[-1] == "the":
            before.pop()
        cue = bool(before) and before[-1] in _PLACE_CUES
        return min(1.0, 0.85 + 0.25 * cue)

    @staticmethod
    def _cued(toks: list[Token]) -> tuple[int, float] | None:
        """A capitalised name after a strong cue (``_after_cues`` found the cue)."""
        word = toks[0][2]
        n = 1
        while n < len(toks) and _capital(toks[n][2]):
            n += 1
        if _bare(word) in _ORDINARY or (_bare(word) in gazetteer()[0] and n > 1):
            return None
        return n, 0.6


class NrpRecogniser:
    """Nationalities, religions and political groups ("Norwegian", "saudis", "Sunni").

    Read from the text next to each listed word (``Listed.at``): the text is not cut into
    words for it.
    """

    type = "pii.nrp"

    def find(self, text: str) -> Iterator[Match]:
        for start, lower in listed(text).at(NRP):
            end = start + len(lower)
            pair = _pair_at(text, start, end)
            if pair:
                yield start, pair, 0.75
                continue
            if lower not in NRP_FORMS:
                continue
            capital = text[start].isupper()
            if not capital and lower in LOWER_CASE_AMBIGUOUS:
                continue
            if word_before(text, start) in _LANGUAGE_CUES:
                continue  # a language ("studying English")
            after = word_end(text, start, lower)
            if capital and text.startswith(" ", after) and _upper_at(text, after + 1):
                continue  # part of a name ("European Union")
            yield start, end, 0.7 if capital else 0.6


def _pair_at(text: str, start: int, end: int) -> int:
    """The end of a two-word group ("Costa Rican") starting at ``start``, or 0."""
    if not text.startswith(" ", end):
        return 0
    k = end + 1
    if next_word_start(text, k, 0) != k:
        return 0
    m = WORD.match(text, k)
    if m is None or f"{text[start:end]} {m.group(0)}".lower() not in NRP_PAIRS:
        return 0
    return word_end(text, k, m.group(0))


def _upper_at(text: str, index: int) -> bool:
    return index < len(text) and text[index].isalpha() and text[index].isupper()


_LANGUAGE_CUES = frozenset(
    """speak speaks spoke speaking study studying studied learn learning learned in into
    translate translated fluent""".split()  # noqa: SIM905
)
_ORG_CUES = (
    "work for", "works for", "worked for", "working for", "work at", "works at", "worked at",
    "employed by", "employed at", "joined", "address of", "became", "support", "recorded for",
    "subsidiary of", "acquired by", "customer of", "at the company", "company",
)  # fmt: skip
_ORG_CUE_WORDS = Cues(_ORG_CUES)
_CONNECTORS = frozenset(["and", "&", "of", "for", "de"])


class OrganizationRecogniser:
    """A capitalised name ending in a legal form or an institution word, hyphenated or listed
    surnames ("Ellis-Ingram", "Owens, Duran and Oneal"), or a name after "work for"."""

    type = "pii.organization"

    def find(self, text: str) -> Iterator[Match]:
        w = words(text)
        toks = w.tokens
        surnames = gazetteer()[1]
        cursor = 0
        for i in w.capitalised:
            if i < cursor:
                continue
            found = self._named(w, i, text, surnames)
            if found is None:
                continue
            n, score = found
            end = toks[i + n - 1][1]
            last = toks[i + n - 1][2]
            if last.endswith(".") and (_bare(last) not in ORG_TAILS or len(last) > 6):
                end -= 1  # a sentence's period, not an abbreviation's ("Inc.", "Corp.")
            yield toks[i][0], end, score
            cursor = i + n

    def _named(
        self, w: Words, i: int, text: str, surnames: frozenset[str]
    ) -> tuple[int, float] | None:
        toks, bare = w.tokens, w.bares
        _, end, word = toks[i]
        if w.hit_between(ORG_TAIL, i + 1, i + 5):
            run = self._run(toks, i, text)
            if run >= 2 and bare[i + run - 1] in ORG_TAILS:
                return run, 0.85
        firm = "-" in word and _hyphenated_surnames(word, surnames)
        if firm and not _after_first_name(toks, i, text):
            return 1, 0.65
        if text.startswith(", ", end):
            listed = _listed_surnames(toks, i, text, surnames)
            if listed:
                return listed, 0.75
        if bare[i] not in COMMON_WORDS and _ORG_CUE_WORDS.before(text, w, i):
            return self._run(toks, i, text), 0.6
        return None

    @staticmethod
    def _run(toks: tuple[Token, ...], i: int, text: str) -> int:
        """Capitalised words (and connectors between them) from i, at most six."""
        n = 1
        while n < 6 and i + n < len(toks) and text[toks[i + n - 1][1] : toks[i + n][0]] == " ":
            word = toks[i + n][2]
            joins = word in _CONNECTORS and i + n + 1 < len(toks) and _capital(toks[i + n + 1][2])
            tail = _bare(word) in ORG_TAILS and _bare(word) not in _SHORT_FORMS
            if _capital(word) or tail or joins:
                n += 1
            else:
                break
        return n


def _after_first_name(toks: tuple[Token, ...], i: int, text: str) -> bool:
    """Whether a first name stands just before token i ("Mary Smith-Jones" is a person)."""
    if not i or text[toks[i - 1][1] : toks[i][0]] != " ":
        return False
    word = toks[i - 1][2]
    return _capital(word) and word.lower() in gazetteer()[0]


def _hyphenated_surnames(word: str, surnames: frozenset[str]) -> bool:
    """ "Ellis-Ingram": two surnames joined (a firm's name when no first name stands before)."""
    parts = word.split("-")
    return len(parts) == 2 and all(p.lower() in surnames for p in parts)


def _listed_surnames(toks: tuple[Token, ...], i: int, text: str, surnames: frozenset[str]) -> int:
    """ "Owens, Duran and Oneal": three surnames, a comma, "and" (a law firm's pattern)."""
    if i + 3 >= len(toks):
        return 0
    words = [toks[i + k][2] for k in range(4)]
    if words[2].lower() != "and" or text[toks[i][1] : toks[i + 1][0]] != ", ":
        return 0
    names = (words[0], words[1], words[3])
    return 4 if all(w.lower() in surnames for w in names) else 0


class ZipCodeRecogniser:
    """A postal code after "zip", "postal code" or "postcode"."""

    type = "pii.zip_code"
    _pattern = re.compile(
        r"(?i)\b(?:zip(?:\s?code)?|postal\s?code|post\s?code)(?:\s+is)?\s*[:#]?\s*"
        r"(?P<z>\d{3,5}(?:[- ]\d{2,4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d"
        r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b"
    )

    def find(self, text: str) -> Iterator[Match]:
        lower = lowered(text)
        if "zip" not in lower and "post" not in lower:
            return
        for m in cue_matches(self._pattern, text, lower, ("zip", "post")):
            yield m.start("z"), m.end("z"), 0.8


class UrlRecogniser:
    """Web addresses (``http(s)://`` or ``www.``): they often name a person's site."""

    type = "pii.url"
    _pattern = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'|]+")

    def find(self, text: str) -> Iterator[Match]:
        if "http" not in text and "www." not in text and "WWW." not in text:
            return
        for m in self._pattern.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:!?)]}":
                end -= 1
            yield m.start(), end, 0.7
