"""A question as concepts: what it asks about, each written any way the corpus might.

A concept is a set of alternatives (each a tuple of terms that must all be present): the
word as stemmed, its joined compound ("wi fi" -> "wifi"), its spelling correction against
the corpus ("refnd" -> "refund"), a split of a run-together word, or the phrases of a
glossary group ("money back" <-> "refund"). Retrieval searches every alternative's terms;
coverage and answerability count a concept once, at the weight of its commonest form.

>>> from stanchion.knowledge.query.glossary import Glossary
>>> vocab = Vocabulary(20, {"wifi": 2, "wi": 2, "fi": 2, "refund": 5, "password": 3})
>>> q = parse("my wi fi pasword, refnd?", vocab, Glossary({"refund": ["money back"]}, False))
>>> [(c.how, c.alts) for c in q.concepts][:2]
[('compound', (('wifi',), ('wi', 'fi'))), ('spelling', (('password',),))]
>>> q.concepts[2].alts
(('refund',), ('money', 'back'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from stanchion.knowledge.query.english import TYPO_MAX, commonness, typo_of, zipf
from stanchion.knowledge.query.gazetteer import city_spans
from stanchion.knowledge.query.glossary import TOKEN, Glossary, Phrase, phrase_terms, token_term
from stanchion.knowledge.query.idioms import idioms
from stanchion.knowledge.query.point import LIGHT
from stanchion.knowledge.query.spelling import LONGEST, SHORTEST, one_edit_from, one_edit_index
from stanchion.knowledge.query.vocabulary import ABBREVIATION, Vocabulary
from stanchion.knowledge.text import STOPWORDS, normalize_word, stem

# the frame of a question, not its subject: "how LONG does it TAKE", "how MANY", "how MUCH"
FRAME = re.compile(
    r"\bhow\s+([a-z]+)|\b(take|takes|mean|means)\b|\b(look|looks)\s+like\b"
    # "what band does the hub USE", "which battery do the sensors NEED": asks which thing
    r"|\b(?:what|which)\s[^?.!]{0,40}?\b(?:do|does|did|will|would)\s[^?.!]{0,40}?"
    r"\b(use|uses|need|needs|require|requires|support|supports)\b",
    re.I,
)
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")  # what the input guard put for a name or a number
# When the customer's story happened, not what they ask: "last week", "3 weeks ago",
# "yesterday", "this morning". Documents state periods ("within 30 days"), never the
# customer's calendar, so these words would only count against an answerable question.
_PERIOD = (
    r"(?:night|morning|afternoon|evening|week|weekend|month|year|summer|winter|spring|autumn"
    r"|fall|(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
)
_SPAN = r"(?:minute|hour|day|week|month|year)s?"
_COUNT = (
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|few|a\s+few"
    r"|couple(?:\s+of)?|several)"
)
WHEN = re.compile(
    rf"\b(?:(?:last|past|previous|this|yesterday)\s+{_PERIOD}|(?:earlier|yesterday)(?:\s+today)?"
    rf"|the\s+other\s+day|{_COUNT}\s+{_SPAN}\s+ago|ago)\b",
    re.I,
)
MEASURE = re.compile(r"(\d+(?:[.,]\d+)?)([a-z]{1,5})")  # a number and its unit in one token
# units written after a number ("24v", "5ghz", "60fps"), in the words documents spell out
UNITS = {
    "v": "volt",
    "w": "watt",
    "a": "amp",
    "kw": "kilowatt",
    "wh": "watt",
    "in": "inch",
    "ft": "foot",
    "lb": "pound",
    "lbs": "pound",
    "oz": "ounce",
    "yr": "year",
    "yrs": "year",
    "mo": "month",
    "min": "minute",
    "mins": "minute",
    "hr": "hour",
    "hrs": "hour",
    "sec": "second",
    "mp": "megapixel",
    "k": "thousand",
    "fps": "frame",
    "pk": "pack",
    "pck": "pack",
    "pack": "pack",
    "ct": "count",
}
FILLER_TYPO = 4  # the shortest stop word or filler whose typos are dropped ("betweeg")
CLIPPED = 3.5  # an English word at least this common is a word, not a clipped one ("door")
UNIT_APART = True  # "4 yr": a unit's abbreviation after its number, as "4yr" is read
TYPED_FRAME = True  # a mended typo after "how" is the frame, as the word it mends is
REDOUBLE = True  # a word with a doubled letter written once, or a letter twice ("loged")
CONTEXT_WEIGHT = 0.5  # a term carried over from an earlier turn counts half
# Words of chat and of asking, not of a subject: dropped from questions (never from the index).
_FILLERS = """wat wats wut wht im ive id youre dont doesnt didnt cant cannot couldnt wont wouldnt
    isnt arent wasnt hasnt havent shouldnt thats whats whos wheres hows theres heres lets u
    ur ya yeah yes yep ok okay hi hey hello thanks thank thx pls please tho though btw
    lol hmm wanna gonna gotta kinda sorta still already yet even really actually
    basically just maybe anyway anything something someone somebody anyone anybody
    everything thing things stuff way need needs want wants wanted know knew think
    thought like would could ask asking wondering wonder tell say said sure quick
    question questions help thanks til till thru cuz coz bc abt
    bruh bro dude mate yo omg lol lmao smh tbh ngl fr rn idk imo imho fyi srsly seriously
    ugh meh welp yup nope yall plz ty lmk wtf ffs asap tmrw tmr tmrrw tmw tomoz 2moro
    thnx thanx tysm np nvm jk irl afaik iirc fwiw ikr ofc obv obvs rly sry soz pls
    ppl gr8 l8r hmu dm instead otherwise guys
    youve weve theyve youd theyd youll theyll itll shes hes theyre whatll thatll wouldve
    couldve shouldve mustnt neednt hadnt werent aint"""
FILLERS = frozenset(_FILLERS.split())


@dataclass(frozen=True, slots=True)
class Concept:
    alts: tuple[Phrase, ...]
    words: str
    weight: float
    known: bool
    how: str = "word"  # word | compound | spelling | split | glossary | place | context
    frame: bool = False

    def present(self, bag: set[str] | frozenset[str]) -> bool:
        alts = self.alts
        if len(alts) == 1 and len(alts[0]) == 1:
            return alts[0][0] in bag
        return any(all(t in bag for t in alt) for alt in alts)

    @property
    def key(self) -> str:
        return self.alts[0][0]


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    concepts: tuple[Concept, ...]

    @property
    def total(self) -> float:
        return sum(c.weight for c in self.concepts)

    def terms(self) -> list[str]:
        """Every term of every alternative, once: what the backend is asked for."""
        return list(dict.fromkeys(t for c in self.concepts for alt in c.alts for t in alt))

    def content(self) -> list[Concept]:
        """The concepts that carry the question's point (not its frame, not earlier turns)."""
        return [c for c in self.concepts if not c.frame and c.how != "context"]

    @property
    def leans(self) -> bool:
        """Whether it carries concepts of earlier turns or statements."""
        return any(c.how == "context" for c in self.concepts)

    def judged(self) -> list[Concept]:
        """What answerability weighs: every concept but the frame, earlier turns' included."""
        return [c for c in self.concepts if not c.frame]

    def with_context(self, context: Query) -> Query:
        """This query leaning on ``context``: its subject, not what it asked of it ("how much
        is the hub" lends the hub, not the price) nor its light verbs ("i want to GO on the
        night plan" lends the plan)."""
        asked = frame_terms(context.text)
        carried = [
            replace(c, how="context", weight=c.weight * CONTEXT_WEIGHT)
            for c in context.content()
            if c.known
            and c.key not in asked
            and lends(c)
            and not any(c.alts == o.alts for o in self.concepts)
        ]
        return Query(self.text, self.concepts + tuple(carried))


@dataclass(slots=True)
class _Unit:
    raw: str
    alts: list[Phrase]
    how: str
    known: bool


def lends(c: Concept) -> bool:
    """Whether an earlier turn's concept names its subject: a light verb ("go", "keep",
    "get") takes its meaning from what follows it, so it says nothing of the subject."""
    return c.words.lower() not in LIGHT


def frame_terms(question: str) -> set[str]:
    return {
        stem(normalize_word(m.group(1) or m.group(2) or m.group(3) or m.group(4)))
        for m in FRAME.finditer(question)
    }


def _word(raw: str, vocab: Vocabulary) -> _Unit:
    term = stem(normalize_word(raw))
    if term in vocab:
        return _Unit(raw, [(term,)], "word", True)
    if len(term) > LONGEST:  # no word: never mended, split or clipped (each costs n^2)
        return _Unit(raw, [(term,)], "word", False)
    fixed = vocab.correct(term)
    if fixed is not None:
        return _Unit(raw, [(fixed,)], "spelling", True)
    doubled = vocab.redouble(normalize_word(raw)) if REDOUBLE and zipf(raw) < TYPO_MAX else None
    if doubled is not None:  # "loged": stems to "loge", too short to correct
        return _Unit(raw, [(doubled,)], "spelling", True)
    meant = typo_of(normalize_word(raw))  # "paymnets" stems apart from "payments" -> "pay"
    if meant is not None and stem(meant) in vocab:
        return _Unit(raw, [(stem(meant),)], "spelling", True)
    # a term too short to correct (stems under SHORTEST letters): the typed word's edits
    short = len(term) < SHORTEST and commonness(raw) < TYPO_MAX
    mended = vocab.mend(normalize_word(raw)) if short else None
    if mended is not None:
        return _Unit(raw, [(mended,)], "spelling", True)
    measure = _measure(term, vocab)
    if measure is not None:  # "5ghz" against "2.4 GHz", "24v" against "24-volt": the unit
        return _Unit(raw, [measure], "split", True)
    if commonness(raw) < CLIPPED:  # a rare word: clipped ("orig") or derived ("wattage")
        base = vocab.expand(term) or _base(normalize_word(raw), vocab)
        if base is not None:
            return _Unit(raw, [(base,)], "spelling", True)
    split = _split(term, vocab)
    if split is not None:
        return _Unit(raw, [split], "split", True)
    return _Unit(raw, [(term,)], "word", False)


def _measure(term: str, vocab: Vocabulary) -> Phrase | None:
    """The unit of a number written with it ("24v" -> volt), when the corpus has the unit."""
    m = MEASURE.fullmatch(term)
    if m is None:
        return None
    unit = m.group(2)
    for form in (unit, UNITS.get(unit, "")):
        if form and stem(form) in vocab:
            return (stem(form),)
    return None


def _unit_after(raw: str, vocab: Vocabulary) -> _Unit | None:
    """A unit's abbreviation written apart from its number ("4 yr", "10 mins"), read as the
    unit the corpus spells out when it lacks the abbreviation itself."""
    word = normalize_word(raw)
    if not UNIT_APART or word in vocab or stem(word) in vocab or word not in UNITS:
        return None
    unit = stem(UNITS[word])
    return _Unit(raw, [(unit,)], "split", True) if unit in vocab else None


def _base(word: str, vocab: Vocabulary) -> str | None:
    """The longest corpus term that starts a rare derived word and is at least half of it
    ("wattage" -> "watt")."""
    if not word.isalpha():
        return None
    for k in range(len(word) - 1, max(ABBREVIATION, -(-len(word) * 11 // 20)) - 1, -1):
        if word[:k] in vocab and word[:k] not in STOPWORDS:
            return word[:k]
    return None


def _split(term: str, vocab: Vocabulary) -> Phrase | None:
    """A run-together word of two corpus terms ("doorbellcam"), or None."""
    if not term.isalpha() or len(term) < 7:
        return None
    for i in range(3, len(term) - 2):
        left, right = stem(term[:i]), stem(term[i:])
        if left in vocab and right in vocab and left not in STOPWORDS and right not in STOPWORDS:
            return (left, right)
    return None


def _units(text: str, vocab: Vocabulary) -> list[_Unit]:
    """Tokens as units: stop words dropped, compounds joined when the corpus has the join."""
    tokens = [m.group() for m in TOKEN.finditer(text)]
    places = {i: (n, city) for i, n, city in city_spans(tokens)}
    units: list[_Unit] = []
    i = 0
    while i < len(tokens):
        raw = tokens[i]
        if i in places:  # "in Toronto": the city, or its country ("orders to Canada")
            n, city = places[i]
            units.append(_Unit(city.name, list(city.aliases), "place", True))
            i += n
            continue
        if "-" in raw:
            units.extend(_hyphenated(raw, vocab))
        elif i + 1 < len(tokens) and (pair := _pair(raw, tokens[i + 1], vocab)) is not None:
            units.append(pair)
            i += 1
        elif i and tokens[i - 1].isdigit() and (unit := _unit_after(raw, vocab)) is not None:
            units.append(unit)  # "a 4 yr old": the unit as the documents spell it
        elif normalize_word(raw) not in STOPWORDS and normalize_word(raw) not in FILLERS:
            unit = _word(raw, vocab)
            if not _wording(unit) and (unit.known or not _filler_typo(normalize_word(raw))):
                units.append(unit)
        i += 1
    return units


@lru_cache(maxsize=1)
def _filler_keys() -> dict[str, tuple[str, ...]]:
    """Stop words and chat fillers of four letters or more, and their one-letter deletions."""
    return one_edit_index(w for w in STOPWORDS | FILLERS if len(w) >= FILLER_TYPO and w.isalpha())


def _filler_typo(word: str) -> bool:
    """Whether a word the corpus lacks is one edit from a stop word or a filler ("betweeg",
    "therr", "whsre"): the wording of the question, not its subject, so it must not weigh
    as an unknown subject would."""
    if not FILLER_TYPO <= len(word) <= LONGEST or not word.isalpha() or zipf(word) >= TYPO_MAX:
        return False  # a word of its own ("came" is no typo of "come")
    return bool(one_edit_from(word, _filler_keys()))


def _wording(unit: _Unit) -> bool:
    """Whether a typo was mended into a stop word or a filler the corpus happens to index
    ("whzt" -> "what"): the question's wording, dropped as the stop word itself is."""
    return unit.how == "spelling" and all(
        len(alt) == 1 and (alt[0] in STOPWORDS or alt[0] in FILLERS) for alt in unit.alts
    )


def _hyphenated(raw: str, vocab: Vocabulary) -> list[_Unit]:
    term = token_term(raw)
    if term and term in vocab:
        return [_Unit(raw, [(term,)], "compound", True)]
    parts = [p for p in raw.split("-") if p and normalize_word(p) not in STOPWORDS]
    return [_word(p, vocab) for p in parts]


def _phrased(text: str, vocab: Vocabulary) -> list[_Unit]:
    """``_units`` of the text, a set phrase the corpus writes in its own words ("showed up":
    arrive) as one concept of those words (``idioms``); one it has none of, word by word."""
    units: list[_Unit] = []
    at = 0
    for m, words in idioms(text):
        known = [p for p in map(phrase_terms, words) if p and all(t in vocab for t in p)]
        if known:
            units += _units(text[at : m.start()], vocab)
            units.append(_Unit(m.group(), known, "glossary", True))
            at = m.end()
    return units + _units(text[at:], vocab)


def _pair(a: str, b: str, vocab: Vocabulary) -> _Unit | None:
    if "-" in b or not (a + b).isalnum():
        return None
    term = stem(normalize_word(a + b))
    if term not in vocab:
        return None
    parts = tuple(stem(normalize_word(w)) for w in (a, b) if normalize_word(w) not in STOPWORDS)
    if not parts:  # "with in", "in to": two words of grammar, no compound ("log in" is)
        return None
    return _Unit(f"{a} {b}", [(term,), parts], "compound", True)


def _glossed(units: list[_Unit], glossary: Glossary) -> list[_Unit]:
    keys = [u.alts[0][0] if len(u.alts[0]) == 1 else "" for u in units]
    out: list[_Unit] = []
    i = 0
    while i < len(units):
        hit = glossary.match(keys, i) if keys[i] else None
        if hit is None:
            out.append(units[i])
            i += 1
            continue
        size, group = hit
        span = units[i : i + size]
        phrase = tuple(keys[i : i + size])
        own = span[0].alts if size == 1 else [phrase]
        alts = [*own, *(p for p in glossary.groups[group] if p not in own)]
        raw = " ".join(u.raw for u in span)
        out.append(_Unit(raw, alts, "glossary", True))
        i += size
    return out


def _concept(u: _Unit, vocab: Vocabulary, frame: set[str]) -> Concept:
    known = [alt for alt in u.alts if all(t in vocab for t in alt)]
    weight = min((max(vocab.weight(t) for t in alt) for alt in known), default=None)
    if weight is None:
        weight = vocab.weight(u.alts[0][0])
    typed = u.alts[0][0] if u.how == "word" else stem(normalize_word(u.raw))
    # "how lond", "how meny": the typo is the frame as the word it mends would be
    is_frame = (u.how == "word" or (TYPED_FRAME and u.how == "spelling")) and typed in frame
    return Concept(tuple(u.alts), u.raw, weight, bool(known), u.how, is_frame)


# question words as they are mistyped ("hwo much", "wat is"): the frame, not a subject
_ASKED = {"hwo": "how", "hw": "how", "hoe": "how", "wat": "what", "wht": "what", "whta": "what"}
_ASKED |= {"wher": "where", "whre": "where", "wen": "when", "whn": "when", "wich": "which"}
_ASKING = re.compile(r"\b(" + "|".join(_ASKED) + r")\b", re.I)


def parse(text: str, vocab: Vocabulary, glossary: Glossary) -> Query:
    """The concepts of ``text`` against the corpus vocabulary and the glossary."""
    text = _ASKING.sub(lambda m: _ASKED[m.group(1).lower()], text)
    frame = frame_terms(text)
    units = _glossed(_phrased(WHEN.sub(" ", PLACEHOLDER.sub(" ", text)), vocab), glossary)
    concepts: dict[tuple[Phrase, ...], Concept] = {}
    for u in units:
        c = _concept(u, vocab, frame)
        concepts.setdefault(c.alts, c)
    return Query(text, tuple(concepts.values()))
