"""Passages as sentences, analysed once per passage text: terms, the section's headings,
the kinds of answer each sentence holds, and whether its main clause is negated.

Retrieved passages are immutable versions that come back request after request, so the
analysis is cached by text; a question's terms are matched to the vocabulary of what was
analysed (equal stems, short extensions, typos) through a cache of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from stanchion.knowledge.catalog_names import close
from stanchion.knowledge.query.parse import FILLERS
from stanchion.knowledge.query.point import point
from stanchion.knowledge.tables import readable_sentences
from stanchion.knowledge.text import (
    STOPWORDS,
    WORD,
    compounds,
    implied,
    normalize_word,
    stem,
    terms,
)
from stanchion.providers.local.intent import ANSWER_KINDS, NUMERIC_KINDS, kind_marks
from stanchion.providers.local.ranges import Range, stated_ranges
from stanchion.providers.local.units import stated_units

_DIGIT = re.compile(r"\d")
_CONDITION = re.compile(r"\b(?:if|unless|as long as|provided|once|except|but|when)\b", re.I)
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|don't|doesn't|isn't|aren't|won't|none|nothing)\b", re.I
)
_LIMIT = re.compile(r"\b(?:if|unless|as long as|provided|within|only|except|until)\b", re.I)
_PRONOUN = re.compile(r"^(?:It|They|This|These|That|Those|He|She)\b")
_COUNTED = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a|an)"
    r"(?:\s+(?:million|thousand|hundred|billion))?[\s-]+([A-Za-z][A-Za-z-]+)",
    re.I,
)
# A measure stated in a unit answers for the quantity it measures ("it uses 9 watts" tells
# "how much power"; "800 lumens" tells "how bright"): (unit after a number, the quantity).
_MEASURES = tuple(
    (re.compile(rf"\d\s*(?:{units})\b", re.I), frozenset(terms(quantity)))
    for units, quantity in (
        ("w|watts?|kw|kilowatts?", "power"),
        ("kwh|wh|kilowatt[- ]hours?", "energy electricity"),
        ("lumens?|lm", "brightness bright"),
        ("mah", "battery capacity"),
        ("mbps|gbps|kbps", "speed"),
        ("db|decibels?", "noise loud"),
        ("kg|grams?|kilograms?|lbs?|ounces|oz", "weight heavy"),
        ("°c|°f|degrees", "temperature"),
        ("v|volts?", "voltage"),
        ("mm|cm|inch(?:es)?|ft|feet|meters?|metres?", "size long"),
    )
)
# An instruction: a sentence (or list item) that opens with a verb telling the reader what
# to do. Known verbs ("Call 555-0100", "Ask for a refund"), or any capitalised word that is
# not a plural, a gerund, a stopword or a preposition, followed by what a verb takes: a
# determiner or an object pronoun ("Show both tickets", "Loosen the strings", "Tell us").
_ORDER = re.compile(
    r"^(?:[-*+]\s+|\d+[.)]\s+)?(?:Fill|Send|Call|Email|Write|Open|Go|Click|Tap|Select|Choose|"
    r"Contact|Visit|Apply|Sign|Bring|Submit|Use|Press|Hold|Enter|Log|Pay|Pack|Print|Download|"
    r"Upload|Complete|Ask|Tell|Register|Book|Request|Attach|Include|Follow|Give|Keep|Make|Take|"
    r"Add|Remove|Set|Turn)\b"
)
_VERB_FIRST = re.compile(
    r"^(?:[-*+]\s+|\d+[.)]\s+)?([A-Z][a-z]+)\s+(?:the|a|an|your|our|its|their|this|that|these|"
    r"those|both|all|each|every|any|it|them|us|me|him|her)\b"
)
_NOT_VERBS = frozenset(["without", "within", "unless", "upon", "across", "along", "via", "per"])


def instruction(sentence: str) -> bool:
    """Does the sentence tell the reader what to do ("Show both tickets at check-in.")?

    >>> instruction("Show both tickets at check-in."), instruction("Bags can go through.")
    (True, False)
    """
    if _ORDER.match(sentence):
        return True
    m = _VERB_FIRST.match(sentence)
    if m is None:
        return False
    word = m.group(1).lower()
    plural_or_gerund = word.endswith(("s", "ing"))
    return not plural_or_gerund and word not in STOPWORDS and word not in _NOT_VERBS


CACHE_SIZE = 4096
LEAD_WORDS = 4
ABBREVIATION = 4  # the shortest clipped word read as the word it begins


def _counted(sentence: str) -> frozenset[str]:
    out: set[str] = set()
    for m in _COUNTED.finditer(sentence):
        out.update(terms(m.group(1))[:1])
    return frozenset(out)


_IRREGULAR_FORMS = (
    "sold:sell bought:buy sent:send paid:pay went:go gone:go got:get gotten:get broke:break "
    "broken:break took:take taken:take gave:give given:give made:make kept:keep left:leave "
    "lost:lose told:tell held:hold brought:bring found:find chose:choose chosen:choose "
    "wrote:write written:write ran:run stolen:steal stole:steal fell:fall fallen:fall "
    "won:win spent:spend put:put"
)
# Everyday English for what documents say in their own words, in any domain (the app's
# glossary and the retrieval's paraphrases come with the request): "send a new one first"
# is "send a replacement before...", "to the plane" is "to the aircraft door", "how much
# notice" is "3 business days in advance".
EVERYDAY: dict[str, list[str]] = {
    "replacement": ["new one"],
    "aircraft": ["plane", "airplane", "aeroplane"],
    "in advance": ["notice", "beforehand"],
    "age": ["old"],
    "luggage": ["bag"],
    "night": ["dark"],
    "start": ["begin"],
    "store": ["keep", "retain"],
    # a rate per day as an adverb ("is there a daily limit": "Requests per day: 10,000");
    # "weekly", "monthly" and "yearly" stem to their noun already
    "daily": ["per day"],
}
IRREGULAR = {stem(a): stem(b) for a, b in (pair.split(":") for pair in _IRREGULAR_FORMS.split())}


def words_of(text: str) -> list[str]:
    """The text's terms, irregular verb forms as their base ("sold" -> "sell")."""
    return [IRREGULAR.get(t, t) for t in terms(text)]


# Where a clause ends: two words either side of it are not side by side ("10 templates per
# location; Business and Enterprise have no limit" writes no "location business").
_CLAUSE = re.compile(r"[;:,()\[\]?!.]\s|[;:()\[\]?!]|\s[-\u2013\u2014]\s")


def word_pairs(text: str, drop: frozenset[str] = frozenset()) -> frozenset[tuple[str, str]]:
    """Two different terms written next to each other within one clause (words of ``drop``
    set aside first)."""
    pairs: set[tuple[str, str]] = set()
    for clause in _CLAUSE.split(text):
        pairs.update(pairwise(t for t in words_of(clause) if t not in drop))
    return frozenset(p for p in pairs if p[0] != p[1])


def points(text: str) -> dict[str, float]:
    """Per term of the text, how much its words could name the point (as the answerability
    gate weighs them, ``query.point``): a word of chat or asking ("need", "please") 0, a
    light verb ("give", "get") or one of the commonest words little, a rare word 1."""
    out: dict[str, float] = {}
    for m in WORD.finditer(text):
        w = normalize_word(m.group())
        if w in STOPWORDS:
            continue
        t = stem(w)
        t = IRREGULAR.get(t, t)
        out[t] = max(out.get(t, 0.0), 0.0 if w in FILLERS else point(w))
    return out


@dataclass(frozen=True, slots=True)
class Sentence:
    passage: int  # filled per request (the same text may sit at another index)
    position: int  # order within the passage
    section: int  # sentences under the same heading share it
    text: str
    terms: frozenset[str]  # its own terms and its section's headings
    own: frozenset[str]  # its own terms only
    kinds: frozenset[str]  # keys of ANSWER_KINDS it holds
    negated: bool  # its main clause (before any condition) is negated
    conditional: bool  # it states a condition or limit ("if", "within", "only")
    counted: frozenset[str]  # terms right after a number ("16 million COLORS", "64 DEVICES")
    lead: frozenset[str]  # the terms of its first words: what it is about
    context: frozenset[str]  # its document's title and section headings
    units: frozenset[str]  # units and currencies it states (units.py)
    written: frozenset[str] = frozenset()  # the terms written in it (none implied)
    named: frozenset[str] = frozenset()  # capitalised words of its subject ("Lumen Thermostat")
    ranges: tuple[Range, ...] = ()  # ranges it states in a unit ("from 100 to 160 Wh")
    instruction: bool = False  # it tells the reader what to do (``instruction``)
    pairs: frozenset[tuple[str, str]] = frozenset()  # two of its terms next to each other
    labels: frozenset[str] = frozenset()  # a table row's column names (``_row``)
    titled: frozenset[str] = frozenset()  # terms only its document's title holds


def _named(sentence: str) -> frozenset[str]:
    """The terms of the capitalised words among its first words, past its first word: the
    thing it is about when that is a name ("The Lumen Thermostat has...")."""
    lead = sentence.split()[1:LEAD_WORDS]
    # (not an acronym or code: "SKU", "LH-PLG-M" name no thing of their own)
    return frozenset(t for w in lead if w[:1].isupper() and not w.isupper() for t in terms(w))


def _referent(out: list[Sentence], section: int, top: frozenset[str]) -> frozenset[str]:
    """What a sentence opening with a pronoun is about: the subject of the sentence before
    it in its section ("Visitor membership costs 5.00. It lasts 12 months": the membership,
    not the card the page is about), else what its document is about ("It needs a C-wire").
    Not after an instruction: "Turn the phone on and wait. This can take up to 24 hours" is
    about the step's doing, not the phone."""
    before = out[-1] if out else None
    if before and before.section == section and before.lead and not before.instruction:
        return before.lead
    return top


# A table row as ``readable`` writes it ("Service: Fax, receiving; Black and white: $0.50;
# Colour: n/a."): its first cell's value is what the row is about; the header names before
# the values are the same in every row and tell none apart.
_ROW = re.compile(r"^[^:;]{1,40}: ([^;]+);(?: [^:;]{1,40}: [^;]*;?)+$")


_LABEL = re.compile(r"(?:^|; )([^:;]{1,40}): ")


def _row(sentence: str) -> tuple[frozenset[str], frozenset[str]]:
    """The terms of the sentence's first words (a table row's: its first value's), and a
    row's column names ("Branch", "Sunday" of "Branch: Central; Sunday: 13:00")."""
    row = _ROW.match(sentence)
    if row is None:
        return frozenset(terms(" ".join(sentence.split()[:LEAD_WORDS]))), frozenset()
    labels = frozenset(t for m in _LABEL.finditer(sentence) for t in terms(m.group(1)))
    return frozenset(terms(" ".join(row.group(1).split()[:LEAD_WORDS]))), labels


def split_sentences(text: str) -> list[str]:
    """Sentences, with lines wrapped inside a paragraph joined; a heading, list item or table
    row is a sentence of its own (``tables.readable_sentences``, shared with the knowledge
    side)."""
    return readable_sentences(text)


def _analyse(text: str, title: str) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    # a heading's compounds count as the sentences' do ("Inter-library loans": "interlibrary")
    titled = frozenset(terms(title) + compounds(title))
    top = heading = titled
    sub = frozenset[str]()  # the headings' terms, not the title's
    section = 0
    before, before_section = frozenset[str](), -1  # what the sentence before is about
    asked = frozenset[str]()
    for position, raw in enumerate(split_sentences(text)):
        sentence = raw.strip()
        if sentence.startswith("#"):
            found = frozenset(terms(sentence) + compounds(sentence))
            if sentence.startswith("# "):
                top = heading = found | titled
                sub = found
            else:
                heading = top | found
                sub = found | (top - titled)
            # a FAQ's question is the heading of its answer, whose first sentence leaves the
            # question's words unsaid ("How long will you keep it?" / "Holds wait 7 days")
            asked = found if sentence.rstrip().endswith("?") else frozenset()
            section += 1
            continue
        if len(sentence) < 3 or sentence.startswith("|---"):
            continue
        numeric = _DIGIT.search(sentence) is not None
        kinds = frozenset(
            k
            for k, pattern in ANSWER_KINDS.items()
            if (numeric or k not in NUMERIC_KINDS) and pattern.search(sentence)
        )
        main = _CONDITION.split(sentence, maxsplit=1)[0]
        ordered = words_of(sentence)
        written = frozenset(ordered)
        # an amount is the price kind's business (ANSWER_KINDS), not a word it writes: "free
        # over 50 USD" must not answer "what does express cost" by the word "cost"
        words = written | frozenset(implied(sentence, money=False) + compounds(sentence))
        words = words.union(*(q for unit, q in _MEASURES if unit.search(sentence)))
        words |= kind_marks(sentence, kinds)  # "the fee" is covered by "costs $25"
        words |= asked
        asked = frozenset()
        if _PRONOUN.match(sentence):
            words |= _referent(out, section, top)
        negated = bool(_NEGATION.search(main))
        conditional = bool(_LIMIT.search(sentence))
        # "It does not connect to Wi-Fi": about what its document is about, or about the
        # thing the sentence before it names ("Reset a Lumen Bulb Color by... It blinks")
        if _PRONOUN.match(sentence):
            named = before if before and section == before_section else frozenset(terms(title))
        else:
            named = _named(sentence)
        before, before_section = named, section
        lead, labels = _row(sentence)
        out.append(
            Sentence(
                0,
                position,
                section,
                sentence,
                words | heading,
                words,
                kinds,
                negated,
                conditional,
                _counted(sentence),
                lead,
                heading,
                stated_units(sentence),
                written,
                named,
                stated_ranges(sentence),
                instruction(sentence),
                word_pairs(sentence),
                labels,
                titled - words - sub,
            )
        )
    return tuple(out)


class Analyzer:
    """Sentences per passage text and term equivalences over everything analysed."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, str], tuple[Sentence, ...]] = {}
        self.vocabulary: set[str] = set()
        self._equivalents: dict[str, frozenset[str]] = {}
        self._glossaries: dict[int, tuple[object, list[tuple[frozenset[str], ...]]]] = {}
        self._by_root: dict[str, set[str]] = {}  # known terms by their first ROOT letters

    def sentences(self, text: str, title: str = "") -> tuple[Sentence, ...]:
        key = (text, title)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) >= CACHE_SIZE:
                self._texts.clear()
                self.vocabulary.clear()
                self._equivalents.clear()
                self._by_root.clear()
            found = _analyse(text, title)
            self._texts[key] = found
            new = {t for s in found for t in s.terms} - self.vocabulary
            if new:
                self.vocabulary |= new
                self._equivalents.clear()
                for t in new:
                    if len(t) > ROOT:
                        self._by_root.setdefault(t[:ROOT], set()).add(t)
        return found

    def glossary(self, groups: dict[str, list[str]]) -> list[tuple[frozenset[str], ...]]:
        """A glossary as groups of forms (each form: its terms), compiled once per glossary."""
        found = self._glossaries.get(id(groups))
        if found is None or found[0] is not groups:
            compiled = [
                tuple(f for f in (frozenset(terms(x)) for x in (key, *syns)) if f)
                for key, syns in groups.items()
            ]
            found = (groups, compiled)
            self._glossaries[id(groups)] = found
        return found[1]

    def equivalents(self, term: str) -> frozenset[str]:
        """The analysed terms a question term stands for: itself, a short extension of the
        same stem ('wir'/'wire'), a derivation ('connect'/'connectivity'), or, when it is not
        a known term, its typo ('pasword') or the words it is clipped from ('orig':
        'original')."""
        found = self._equivalents.get(term)
        if found is None:
            found = frozenset(v for v in self.vocabulary if _same(term, v, term in self.vocabulary))
            derived = self._by_root.get(term[:ROOT], ())
            found |= {v for v in derived if _derived(term, v) or _derived(v, term)}
            self._equivalents[term] = found | {term}
            found = self._equivalents[term]
        return found


# Suffixes that derive a noun or adjective from a word the stemmer leaves whole
# ("connectivity", "cancellation", "compatibility"); and a superlative, so that "what's the
# SHORTEST it can be" is held by "Admins can SHORTEN this to as little as 15 minutes" (the
# stemmer keeps both whole; their common root "short" is read back to within two letters).
_DERIVATIONS = ("ivity", "ility", "ation", "ition", "ion", "ity", "abl", "ibl", "est")
ROOT = 5  # the shortest root a derived word is read back to


def _derived(word: str, longer: str) -> bool:
    """Is ``longer`` ``word`` with a derivational suffix ("connect": "connectivity")?"""
    for suffix in _DERIVATIONS:
        if longer.endswith(suffix) and len(longer) - len(suffix) >= ROOT:
            root = longer[: -len(suffix)]
            short, long_ = sorted((root, word), key=len)
            return long_.startswith(short) and len(long_) - len(short) <= 2 and len(short) >= ROOT
    return False


@lru_cache(maxsize=65_536)
def _same(term: str, known: str, term_is_known: bool) -> bool:
    if term == known:
        return True
    near = len(term) >= 3 and len(known) >= 3 and 0 < abs(len(known) - len(term)) <= 2
    if near and (known.startswith(term) or term.startswith(known)):
        return True
    if term_is_known:
        return False
    # an unknown clipped word stands for the word it begins ("orig" box, "info", "config")
    return (len(term) >= ABBREVIATION and known.startswith(term)) or close(term, known)
