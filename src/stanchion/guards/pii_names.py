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
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources

from stanchion.guards.literals import Literals
from stanchion.guards.numbers import SPACES, number_runs, runs_before
from stanchion.guards.pii_address import extend_address, widen_start
from stanchion.guards.pii_digits import blank_run
from stanchion.guards.pii_words import matches_at

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
    september october november december god jesus christ united states kingdom day weekly royal
    princess prince queen national international bay france georgia jordan israel chad india china
    kenya egypt paris london berlin sydney victoria florence virginia carolina austin dallas
    houston phoenix denver orlando savannah""".split()  # noqa: SIM905
)
# A run ending in one of these names an organisation or a place, not a person: a legal form,
# an institution, or a place noun (closed classes, not words taken from the data). Business
# and publication words that single DEV templates supplied (Weekly, Investments, Solutions,
# Technologies, Day, ...) were dropped by leave-one-template-out, with the rest of their kind
# (Times, Holdings, Airlines): DEV PERSON precision 0.889 -> 0.883 (two more false positives
# out of 308 spans), recall unchanged at 0.513.
LEGAL_FORMS = "inc llc llp ltd plc corp co gmbh ag company"
INSTITUTIONS = """group bank university college school institute hospital foundation association
    society agency"""
PLACE_NOUNS = "street road avenue bay river lake mountain island city county"
NOT_PERSON_TAIL = frozenset(f"{LEGAL_FORMS} {INSTITUTIONS} {PLACE_NOUNS}".split())
_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ſ][a-zß-öø-ÿā-ſ'’-]+"
_INITIAL = r"[A-Z](?:\.|(?= [A-ZÀ-Þ][a-zß-ÿ]))"
# ``(?:{_WORD}|{_INITIAL})`` with the first letter taken out of the alternation: a pattern that
# starts with a character class lets the engine skip to capital letters (twice as fast).
_NAME_RUN = re.compile(
    rf"[A-ZÀ-ÖØ-ÞĀ-ſ](?:[a-zß-öø-ÿā-ſ'’-]+|(?<=[A-Z])\.)(?:[ ](?:{_WORD}|{_INITIAL})){{0,3}}"
)
# ``_NAME_RUN`` for ASCII text, where its other letters cannot stand: the same matches, and
# the engine's test of each character for the first class is cheaper (its finditer took
# ~250,000 instructions a 2 KB text, most of them in that test; ~13% fewer).
_NAME_RUN_ASCII = re.compile(
    r"[A-Z](?:[a-z'-]+|(?<=[A-Z])\.)(?:[ ](?:[A-Z][a-z'-]+|[A-Z](?:\.|(?= [A-Z][a-z])))){0,3}"
)
_TITLES = frozenset(
    "mr mrs ms miss mx dr prof sir dame madam rev capt sgt lt col gen".split()  # noqa: SIM905
)
_CUES = (
    "my name is",
    "name:",
    "i am",
    "i'm",
    "called",
    "named",
    "dear",
    "signed",
    "regards,",
    "from",
    "by",
    "with",
    "contact",
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
        self._shapes: dict[str, Shape | None] = {}
        self._contexts: dict[str, int] = {}
        self._runs: dict[str, Found] = {}
        self.floor = 0.0  # no name under it is given; set before the first scan (``_runs``)

    def find(self, text: str) -> Iterator[Match]:
        runs = self._runs
        for cache in (runs, self._shapes, self._contexts):
            if len(cache) > 20_000:
                cache.clear()
        for m in (_NAME_RUN_ASCII if text.isascii() else _NAME_RUN).finditer(text):
            start, end = m.span()
            if start < _BEFORE:
                found = self._look(text, start, end)
            else:
                # What a run gives is read from it and the characters before it: remembered
                # by those (one look-up where a run seen in the same place again took two).
                key = text[start - _BEFORE : end]
                found = runs.get(key, _NOT_LOOKED)
                if found is _NOT_LOOKED:
                    found = runs[key] = self._look(text, start, end)
            if found is not None:
                yield start + found[0], start + found[1], found[2]

    def _look(self, text: str, start: int, end: int) -> Found:
        """(start, end relative to the run's, score) of the name in the run at ``start``,
        read from the run and the ``_BEFORE`` characters before it, or None."""
        if start and text[start - 1].isalnum():
            return None
        run = text[start:end]
        shape = self._shapes.get(run, _UNSEEN)
        if shape is _UNSEEN:
            shape = self._shapes[run] = self._shape(run)
        if shape is None:
            return None
        skip, length, scores = shape
        start += skip
        before = text[start - _BEFORE if start > _BEFORE else 0 : start]
        context = self._contexts.get(before)
        if context is None:
            context = self._contexts[before] = _context(before)
        score = scores[context]
        return (skip, skip + length, score) if score > 0 and score >= self.floor else None

    def _shape(self, run: str) -> Shape | None:
        """What a run scores by itself, in each context (remembered: capitalised runs repeat
        across texts); the words just before it (a title, a cue) are looked at per match."""
        found = self.base_score(run)
        if found is None:
            return None
        skip, length, base, penalty = found
        return skip, length, _scores(base, penalty)

    def base_score(self, run: str) -> tuple[int, int, float, bool] | None:
        """(characters skipped at the start, length, score before context, whether a common
        word stands inside), or None for a run that names no one."""
        words = run.split(" ")
        skip = 0
        while words and words[0].lower().strip(".") in COMMON_WORDS:
            skip += len(words[0]) + 1
            words = words[1:]
        if not words:
            return None
        first, last = words[0].lower().strip(".’'"), words[-1].lower().strip(".’'")
        if last in NOT_PERSON_TAIL:
            return None
        known_first = first in self.first and first not in COMMON_WORDS
        known_last = last in self.last and last not in COMMON_WORDS
        base = 0.0
        if len(words) >= 2:
            has_initial = False
            for w in words[1:-1]:
                if (len(w) == 2 and w.endswith(".")) or (len(w) == 1 and w.isupper()):
                    has_initial = True
                    break
            base = 0.3 + 0.3 * known_first + 0.15 * known_last + 0.25 * has_initial
        elif known_first:
            base = 0.55
        elif known_last:
            base = 0.3
        penalty = False
        for w in words[1:]:
            if w.lower() in COMMON_WORDS:
                penalty = True
                break
        return skip, len(run) - skip, base, penalty


# (characters skipped at the start, length, the score after each context: none, a title, a
# cue, a naming cue), the scores worked out once per run rather than once per match
Shape = tuple[int, int, tuple[float, float, float, float]]
_UNSEEN: Shape = (0, 0, (0.0, 0.0, 0.0, 0.0))  # a run not looked at yet (``shapes.get``)
Found = tuple[int, int, float] | None
_NOT_LOOKED: Found = (0, 0, 0.0)  # a run in a place not looked at yet (``runs.get``)
_BEFORE = 24  # characters before a run that its context is read from


_TITLE, _CUE, _NAMING = 1, 2, 3
# Phrases after which a capitalised run names someone, known name or not.
_NAMING_CUES = (
    "my name is", "name:", "name is", "called", "named", "signed", "regards,", "directed by:",
    "directed by", "written by", "partner's name", "last name?", "first name?", "under my name",
    "speak to", "follow up with", "meet with", "my wife", "my husband", "my son", "my daughter",
    "my friend", "my partner", "my brother", "my sister", "my mother", "my father", "his wife",
    "her husband", "his son", "her son", "his daughter", "her daughter",
)  # fmt: skip


# The last two characters of every cue (each has at least two).
_CUE_ENDINGS = frozenset(cue[-2:] for cue in (*_NAMING_CUES, *_CUES))
# ... and of every title (each has at least two): a tail whose last word is a title ends so,
# unless white space ends it (a dot stripped before a space: "Mr . ").
_ENDINGS = _CUE_ENDINGS | {title[-2:] for title in _TITLES}


def _context(before: str) -> int:
    """What the words just before a run are: a title, a cue phrase, or neither (0)
    (remembered per string: the same few words come before many runs)."""
    tail = before.rstrip().rstrip(".").lower()
    ending = tail[-2:]
    if ending not in _ENDINGS and not ending[-1:].isspace():
        return 0  # neither a title nor a cue ends the tail (most runs)
    # A tail of white space only ("  ." before the run) has no last word (main raised
    # IndexError on it, failing the whole scan).
    split = tail.rsplit(None, 1)
    if split and split[-1] in _TITLES:
        return _TITLE
    if ending not in _CUE_ENDINGS:
        return 0
    if tail.endswith(_NAMING_CUES):
        return _NAMING
    return _CUE if tail.endswith(_CUES) else 0


def _scores(base: float, penalty: bool) -> tuple[float, float, float, float]:
    """``_adjust(base, penalty, context)`` for each context (indexed by it), worked out as
    ``_adjust`` does, in one call."""
    cut = 0.3 if penalty else 0.0
    title = (base if base > 0.6 else 0.6) + 0.3
    cue = base + 0.15 if base else base
    naming = base + 0.15
    if naming < 0.6:
        naming = 0.6
    if penalty:
        base, title, cue, naming = base - cut, title - cut, cue - cut, naming - cut
    return (
        base if base <= 1.0 else 1.0,
        title if title <= 1.0 else 1.0,
        cue if cue <= 1.0 else 1.0,
        naming if naming <= 1.0 else 1.0,
    )


def _adjust(score: float, penalty: bool, context: int) -> float:
    """A title just before a run makes it a name; a cue phrase makes a likely name surer."""
    if context == _TITLE:
        score = max(score, 0.6) + 0.3
    elif score and context == _CUE:
        score += 0.15
    elif context == _NAMING:
        score = max(score + 0.15, 0.6)
    if penalty:
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
# Separate patterns, each starting with a literal or a digit (fast to scan for); the word
# boundary before a match is checked in ``find``.
_ADDRESSES = [
    re.compile(p)
    for p in (
        rf"\d{{1,6}}[A-Z]?\s+(?:[A-Z][\w'.-]*\s+){{1,4}}{_STREET}(?:,?\s+{_UNIT})?",
        r"(?:Via|Rue|Calle|Avenida|Rua|Viale|Piazza|Plaza|Avenue)\s+(?:[\w'-]+\s+){0,3}[\w'-]+,?\s+\d{1,5}",
        rf"{_EU_STREET}\s+\d{{1,5}}[a-zA-Z]?\b",
        _UNIT,
        r"(?:PSC|Unit)\s+\d{4},\s+Box\s+\d{4}(?:\s+(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5})?",
        r"(?:P\.?\s?O\.?\s+Box|Box)\s+\d+",
    )
]
_EU_LINE = _ADDRESSES[2]
# Words that end like a street ("-ring", "-weg") and start a sentence with a year after them.
_NOT_STREETS = frozenset(["during", "spring", "string", "bring", "offering", "hiring", "ring"])
_ADDRESS_TAIL = re.compile(
    r",?\s*\n?\s*(?:[A-Z][\w'-]*\s?){1,3},?\s*\n?\s*,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?"
)


_EU_SUFFIXES = (
    "straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "ring", "katu", "tie", "kuja",
    "vej", "gade", "gatan", "vägen", "gränd", "laan", "straat", "gracht", "utca", "út", "ulica",
    "ul.", "cesta", "iela", "gatve", "tänav",
)  # fmt: skip


def _eu_street_possible(text: str) -> bool:
    """A European street line ends in a street suffix, spaces, then a number run: the slow
    pattern (it tries every capitalised word) runs only when some number run follows one,
    in a word with a capital letter before the suffix (the pattern's first character).

    The runs are looked at one by one (~1,500 instructions each) only where the text holds
    a suffix (the text's literals, read once for the address patterns), or may hold a run
    with only white space in the 40 characters before it; a run's 40 characters are tested
    only for the suffixes the text holds (all 27 took ~2,000 instructions a run)."""
    present = _suffixes(_literals(text) & _EU_BITS)
    if not present and not blank_run(text, 40):
        return False
    for start, _ in number_runs(text):
        if start and text[start - 1].isspace():
            before = text[max(0, start - 40) : start].rstrip()
            if not before:
                return True
            if not present or not before.endswith(present):
                continue
            suffix = _eu_suffix(before)
            if suffix and _capital_before(before, len(before) - len(suffix), start > 40):
                return True
    return False


@lru_cache(maxsize=256)
def _suffixes(found: int) -> tuple[str, ...]:
    """The street suffixes of the mask ``found`` (a few sets recur: "ring", "tie", "weg")."""
    return _LITERALS.present(found, _EU_SUFFIXES)


def _eu_suffix(before: str) -> str:
    for suffix in _EU_SUFFIXES:
        if before.endswith(suffix):
            return suffix
    return ""


def _capital_before(before: str, end: int, cut: bool) -> bool:
    """Whether a capital the pattern starts with ([A-ZÀ-Þ]) stands in the word that ends at
    ``end`` (no white space between); a word that runs to the cut start of ``before`` may
    hold one further back."""
    k = end - 1
    while k >= 0 and not before[k].isspace():
        if "A" <= before[k] <= "Z" or "À" <= before[k] <= "Þ":
            return True
        k -= 1
    return k < 0 and cut


# Literals every match of ``_ADDRESSES[i]`` holds: the pattern runs only when one is there.
_ADDRESS_NEEDLES: dict[int, tuple[str, ...]] = {
    1: ("Via", "Rue", "Calle", "Aven", "Rua", "Piazza", "Plaza"),
    3: ("Ap", "Suite", "Ste", "Unit", "Fl"),
    4: ("PSC", "Unit"),
    5: ("Box",),
}
# The patterns whose every match starts with one of their needles (an alternation of words
# the engine tries at every position of the text otherwise).
_NEEDLE_STARTS = {i: _ADDRESS_NEEDLES[i] for i in (1, 3, 4)}
# The needles and the street suffixes, found in one pass (``Literals``) per text.
_LITERALS = Literals((*(n for ns in _ADDRESS_NEEDLES.values() for n in ns), *_EU_SUFFIXES))
_NEEDLE_BITS = {i: _LITERALS.any_of(needles) for i, needles in _ADDRESS_NEEDLES.items()}
_EU_BITS = _LITERALS.any_of(_EU_SUFFIXES)


@lru_cache(maxsize=8)
def _literals(text: str) -> int:
    return _LITERALS.mask(text)


_STREET_LINE = _ADDRESSES[0]
# Where a street line can start: its house number (at most six digits) ends a digit run that
# a space or a letter and a space follows. Trying the pattern only there gives the matches of
# ``finditer`` (a match never ends inside a digit run) without trying every digit.
_HOUSE_NUMBER = re.compile(r"\d{1,6}(?=[A-Z]?\s)")


def _street_lines(text: str) -> Iterator[re.Match[str]]:
    """``_STREET_LINE.finditer(text)``: tried at the house numbers of the runs a street
    line may follow (``_STREET_MAY_FOLLOW``), as a street line starts at a house number."""
    runs = runs_before(text, _STREET_MAY_FOLLOW)
    return matches_at(_STREET_LINE, text, (m.start() for m in _house_numbers(text, runs)))


# Whether a street line can start in a number run: after its house number come spaces (run
# characters) or a letter, then white space and a capital letter, which is no run character:
# so white space or a capital stands just after the run (after most runs of a table: neither).
_STREET_MAY_FOLLOW = SPACES | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _house_numbers(
    text: str, runs: Iterable[tuple[int, int]] | None = None
) -> Iterator[re.Match[str]]:
    """``_HOUSE_NUMBER.finditer(text)``, searched in the number runs only (or in ``runs``,
    some of them): its digits lie in one run (every digit is a run character), and its
    look-ahead reads at most the two characters after them; no match can start in those two
    (a run ends before a character that is not a digit, and one digit there has no room
    left for its look-ahead)."""
    size = len(text)
    for start, end in number_runs(text) if runs is None else runs:
        yield from _HOUSE_NUMBER.finditer(text, start, min(end + 2, size))


def _address_matches(text: str) -> Iterator[re.Match[str]]:
    """Each pattern's ``finditer`` in turn, skipping those that cannot match: every pattern
    holds a digit, so none can without a number run."""
    if not number_runs(text):
        return
    yield from _street_lines(text)
    found = _literals(text)
    for index, pattern in enumerate(_ADDRESSES[1:], 1):
        needles = _NEEDLE_BITS.get(index)
        if needles is not None and not found & needles:
            continue
        if pattern is _EU_LINE and not _eu_street_possible(text):
            continue
        if index in _NEEDLE_STARTS:  # every match starts with a needle: tried only there
            starts = _LITERALS.every_index(found, text, _NEEDLE_STARTS[index])
            yield from matches_at(pattern, text, sorted(starts))
        else:
            yield from pattern.finditer(text)


class AddressRecogniser:
    """Street lines (house number and street word), unit designators, PO and military boxes."""

    type = "pii.address"

    def find(self, text: str) -> Iterator[Match]:
        for m in _address_matches(text):
            if m.start() and text[m.start() - 1].isalnum():
                continue
            end = m.end()
            if m.re is _EU_LINE and m.group(0).split()[0].lower() in _NOT_STREETS:
                continue
            tail = _ADDRESS_TAIL.match(text, end)
            if tail is not None:
                end = tail.end()
            yield widen_start(text, m.start()), extend_address(text, end), 0.75
