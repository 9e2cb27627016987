"""Person names and postal addresses without an NER model.

Names: runs of capitalised words scored by a gazetteer of US Census first names and surnames
(``data/names.txt.gz``, public domain), by titles (Mr, Dr, ...), middle initials and cue
phrases ("my name is"). Addresses: house number plus street word, unit designators, PO and
military boxes. Both are deliberately conservative; docs/guards.md gives their measured
precision and recall.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

Match = tuple[int, int, float]

# Capitalised words that are census names but far more often ordinary words at the start
# of a sentence or in titles.
COMMON_WORDS = frozenset(
    """the a an and or but if then so we i you he she it they my your our his her their this that
    these those what when where why how who which there here not no yes please thanks thank dear
    hello hi hey good great best new old first last next all any some one two three four five may
    will can june april august march sun moon star love hope joy grace faith rose lily page bill
    mark gay young white black brown green gray grey king long little small hall wood hill price
    street road park lane court house city state north south east west english french german
    christian major general lord judge sir about after before during from into over under with
    without monday tuesday wednesday thursday friday saturday sunday january february july
    september october november december god jesus christ""".split()
)
TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Madam|Rev|Capt|Sgt|Lt|Col|Gen)\.?"
_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ſ][a-zß-öø-ÿā-ſ'’-]+"
_INITIAL = r"[A-Z]\."
_NAME_RUN = re.compile(rf"\b(?:{_WORD}|{_INITIAL})(?:[ ](?:{_WORD}|{_INITIAL})){{0,3}}")
_TITLE_BEFORE = re.compile(rf"\b{TITLES}\s*$")
_CUE_BEFORE = re.compile(
    r"(?i)(?:my name is|name:|i am|i'm|called|named|dear|signed|regards,|from|by|with|contact)\s*$"
)


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), lower-cased, loaded once from package data."""
    ref = resources.files("stanchion.guards.data").joinpath("names.txt.gz")
    first: set[str] = set()
    last: set[str] = set()
    with gzip.open(str(ref), "rt", encoding="utf-8") as fh:
        for line in fh:
            kind, _, name = line.strip().partition(" ")
            (first if kind == "f" else last).add(name)
    return frozenset(first), frozenset(last)


class PersonRecogniser:
    """Capitalised word runs that look like a name (a gazetteer hit, a title, an initial)."""

    type = "pii.person"

    def __init__(self) -> None:
        self.first, self.last = gazetteer()

    def find(self, text: str) -> Iterator[Match]:
        for m in _NAME_RUN.finditer(text):
            words = m.group(0).split(" ")
            start = m.start()
            while words and words[0].lower().strip(".") in COMMON_WORDS:
                start += len(words[0]) + 1
                words = words[1:]
            if not words:
                continue
            score = self._score(words, text[max(0, start - 24) : start])
            if score > 0:
                yield start, start + len(" ".join(words)), score

    def _score(self, words: list[str], before: str) -> float:
        lower = [w.lower().strip(".’'") for w in words]
        known_first = lower[0] in self.first and lower[0] not in COMMON_WORDS
        known_last = lower[-1] in self.last and lower[-1] not in COMMON_WORDS
        has_initial = any(len(w) == 2 and w.endswith(".") for w in words[1:-1])
        score = 0.0
        if len(words) >= 2:
            score = 0.35 + 0.3 * known_first + 0.2 * known_last + 0.2 * has_initial
        elif known_first or known_last:
            score = 0.3
        if _TITLE_BEFORE.search(before):
            score = max(score, 0.6) + 0.3
        elif _CUE_BEFORE.search(before) and score:
            score += 0.15
        if any(w.lower() in COMMON_WORDS for w in words[1:]):
            score -= 0.3
        return min(score, 1.0)


_STREET = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way"
    r"|Terrace|Circle|Cir|Parkway|Pkwy|Square|Sq|Highway|Hwy|Trail|Crescent|Close|Row|Alley"
    r"|Plaza|Loop|Path|Pike|Walk)\.?"
)
_EU_STREET = (
    r"[A-ZÀ-Þ][\wÀ-ÿ'-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|katu|tie|kuja|vej"
    r"|gade|gatan|vägen|gränd|laan|straat|gracht|utca|út|ulica|ul\.|cesta|iela|gatve|tänav)"
)
_UNIT = r"(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.?)\s*#?\s*\d+[A-Z]?"
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Z]?\s+(?:[A-Z][\w'.-]*\s+){{1,4}}{_STREET}(?:,?\s+{_UNIT})?"
    rf"|\b(?:Via|Rue|Calle|Avenida|Rua|Viale|Piazza|Plaza|Avenue)\s+(?:[\w'-]+\s+){{0,3}}[\w'-]+,?\s+\d{{1,5}}"
    rf"|\b{_EU_STREET}\s+\d{{1,5}}[a-zA-Z]?\b"
    rf"|\b{_UNIT}"
    r"|\b(?:PSC|Unit)\s+\d{4},\s+Box\s+\d{4}(?:\s+(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5})?"
    r"|\b(?:P\.?\s?O\.?\s+Box|Box)\s+\d+",
)
_ADDRESS_TAIL = re.compile(r",?\s*\n?\s*(?:[A-Z][\w'-]*\s?){1,3},?\s*\n?\s*,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?")


class AddressRecogniser:
    """Street lines (house number and street word), unit designators, PO and military boxes."""

    type = "pii.address"

    def find(self, text: str) -> Iterator[Match]:
        for m in _ADDRESS.finditer(text):
            end = m.end()
            tail = _ADDRESS_TAIL.match(text, end)
            if tail is not None:
                end = tail.end()
            yield m.start(), end, 0.75
