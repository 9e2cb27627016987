"""A part of a question as the responder reads it, and how well a sentence answers it.

A part's concepts are its terms (each with the analysed terms that stand for it, and the
app glossary's phrases as one concept), weighted by IDF over the candidate sentences;
terms lent by context (earlier turns, the telling sentences of a message) weigh less. A
sentence is scored by the weighted share of the concepts it covers (its headings count for
less) plus bonuses for holding the kind of answer asked for, and the like (``Part.score``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from stanchion.knowledge.text import stem, terms
from stanchion.providers.local.asking import ASKS, focus, split_context
from stanchion.providers.local.concepts import (
    FRAME,
    Alts,
    concepts,
    found,
    placed,
    split_compounds,
)
from stanchion.providers.local.context import Context
from stanchion.providers.local.extremes import EXTREME
from stanchion.providers.local.features import (
    FEATURE_FNS,
    cell,
    condition,
    holds_kind,
    refers,
    target,
    unasked_negation,
    without,
)
from stanchion.providers.local.intent import ANSWER_KINDS, Intent, intent_of
from stanchion.providers.local.particulars import TOLD, particulars
from stanchion.providers.local.phrasal import plain
from stanchion.providers.local.ranges import amounts, in_range
from stanchion.providers.local.replied import row_named
from stanchion.providers.local.sentences import Analyzer, Sentence, points, word_pairs, words_of

# chat spellings of question words, dropped before stemming: "wat" stems like "water"
# (and "at the same time", "at once": how, not what, is asked; "what do I NEED TO DO to get
# the hub back online": a procedure is asked, "need" names nothing a sentence should hold,
# and "It needs a 2.4 GHz network" is not the answer)
_CHAT = re.compile(
    r"\b(?:wat|wut|wht|whats|watz|what['\u2019]s|at (?:the same time|once)|"
    r"(?:need|have) to do|do first|whether|(?:ask|know|tell me|wondering|wonder) if)(?!\w)",
    re.I,
)
# "at most", "up to": a limit asked in words that are all stopwords, read as "max"; so is
# a capacity asked ("how many devices CAN one hub run", "the most data that CAN roll over")
_AT_MOST = re.compile(
    r"\b(?:at (?:the )?most|up to|no more than|(?:how many|the most)(?: \w+){1,4} (?:can|could))\b",
    re.I,
)
# What is paid to the one asking ("what do u PAY ME for...", "will you pay us back") is
# written as what they receive: a sentence saying it is credited or refunded states it.
_PAID_TO = re.compile(r"\bpay (?:me|us)\b")
_PAY = stem("pay")
_RECEIVED = ("credited", "credit", "refunded", "refund", "compensation", "reimbursed")
# What the input guards put where they redacted a name or a number ("<PERSON_1>", the form
# guards/engine.py writes): it names nothing the documents could hold, and its two terms
# ("person", "1") would outweigh every word the sentences share with the message.
_REDACTED = re.compile(r"<[A-Z][A-Z_]*_\d+>")
# A time of day the message gives ("i ordered at 10am", "it's around noon here") is weighed
# against the times of day the documents state: the cutoff or opening hours it falls before
# or after, not a sentence that only shares "order" with it.
_GIVEN_CLOCK = ANSWER_KINDS["clock"]
# A part that refers by a pronoun to what an earlier part named ("and what's the max IT
# covers", "do THEY ship abroad"): the words lent for the pronoun name what it asks about.
_REFERS = re.compile(r"\b(?:it|its|they|them|their)\b", re.I)
# The sentence score: a weighted sum of these features (``Part.features``), in this order.
FEATURES = (
    "cover",  # the IDF-weighted share of the part's concepts it holds (headings: HEADING)
    "kind",  # it holds the kind of answer asked for (a duration for "how long"...)
    "without",  # it says what holds "without" something, asked about
    "condition",  # it states the condition a yes/no question turns on
    "target",  # it counts the noun counted ("how many COLORS": "16 million colors")
    "lead",  # the share of the part's concepts in its opening words (its subject)
    "demoted",  # it is a catalog row (a document's sentence wins a tie)
    "unasked_negation",  # its main clause is negated and the part is not
    "repeated",  # the assistant said it already in this conversation
    "length",  # its length in hundreds of characters
    "cover_asked",  # the share of the part's own concepts (not the lent ones) it holds
    "rank",  # 1 / (1 + its passage's place in the retrieved list)
    "other_subject",  # its subject is a thing another title names, not the part ("The Lumen
    # Thermostat has a 3-year warranty" for the plug's warranty)
    "in_range",  # 1 when an amount the part gives falls in a range it states, -1 when it
    # states ranges in that unit that all leave it out (the table row for "130 Wh")
)
WEIGHTS = (1.0, 0.25, 0.2, 0.1, 0.3, 0.15, -0.12, -0.1, -0.3, -0.2, 0.0, 0.0, -0.25, 0.3)
REPEAT, REPEAT_WORDS = 0.75, 3  # a sentence is repeated when this share of its words was said
NEAR = 0.05  # a sentence in the section that answered an earlier part of the message
PHRASE = 0.075  # (left-one-source-out over the six DEV sources: 0.075 chosen for 5 of 6)
# A follow-up's answer among sentences alike for it ("how much for black and white": every
# row of the price table) is the one about what the previous turn named ("print").
RECALLED = 0.05
CELL = 0.25  # a table row named by the part, in a column it asks (``features.cell``)
REFERS = -0.2  # it sends the reader to a page handed over too (``features.refers``)
HEADING, CARRIED = 0.5, 0.4  # weights of a term found only in headings / lent by a turn
# ...and of a term only the document's title holds: every chunk of a page carries its title,
# so it tells a page's sentences apart less than a section's heading does ("How much is an
# interlibrary loan": the charge under "## Inter-library loans", not a fee row of the page
# titled "Reservations and inter-library loans"). 0.4: on the responder replay of every DEV
# source it gains that one (appe e-091) and loses none; 0.3 loses appe e-015.
TITLE = 0.4

Candidate = tuple[int, Sentence]


Hits = tuple[frozenset[str], frozenset[str], frozenset[str]]  # in own words, anywhere, lead


@dataclass(slots=True)
class Part:
    intent: Intent
    wanted: dict[str, Alts]  # concept -> its ways of being written
    weight: dict[str, float]  # IDF, halved-and-more for terms carried from earlier turns
    total: float
    demoted: frozenset[int]  # passages whose sentences lose ties (catalog rows)
    said: str = ""  # what the assistant already answered in earlier turns
    said_terms: frozenset[str] = frozenset()  # its terms
    asked_total: float = 0.0  # the weight of the part's own concepts
    asked: frozenset[str] = frozenset()  # the concepts of the part itself (not lent)
    pointed: dict[str, float] = field(default_factory=dict)  # their weights times ``points``
    target: frozenset[str] = frozenset()  # the counted noun's forms ("colours": "color")
    joined: frozenset[str] = frozenset()  # concepts named after "and", "or", "vs"
    memo: dict[int, Hits] = field(default_factory=dict)  # per sentence, for this part
    covers: dict[int, float] = field(default_factory=dict)  # cover per sentence (once weighed)
    names: frozenset[str] = frozenset()  # the words telling titles apart (see Context)
    own_names: frozenset[str] = frozenset()  # those the part names
    asks_name: bool = False  # the part's own words name a title's thing
    titled: frozenset[str] = frozenset()  # every word of the passages' titles
    # the titles (lowercased, with their terms) the part names by a word telling them apart
    # ("the bulb 4-pack": "lumen bulb color 4-pack"), not when it compares things
    fuller: tuple[tuple[str, frozenset[str]], ...] = ()
    shorter: tuple[frozenset[str], ...] = ()  # the other titles' terms
    amounts: tuple[tuple[float, str], ...] = ()  # amounts it gives in a unit ("130 Wh")
    # how much a sentence's length weighs: the best cover in the pool (``answer_part``), so
    # that a long message, whose every sentence covers little, is not answered by the
    # shortest sentence that shares one word with it
    brevity: float = 1.0
    near: frozenset[tuple[int, int]] = frozenset()  # see Context.near
    quickest: frozenset[int] = frozenset()  # ids of the sentences stating the least time asked
    unheld: bool = False  # a concept of its own is in no candidate sentence (nor heading)
    pairs: frozenset[tuple[str, str]] = frozenset()  # see ``side_by_side``
    recalled: frozenset[str] = frozenset()  # the previous turn's words the part does not say
    handed: frozenset[str] = frozenset()  # the passages' titles, lowercased

    def hits(self, s: Sentence) -> Hits:
        """The part's concepts the sentence holds: in its own words, anywhere (headings
        too), in its opening words; computed once per sentence and part."""
        got = self.memo.get(id(s))
        if got is None:
            own = frozenset(t for t, alts in self.wanted.items() if found(alts, s.own))
            rest = (t for t, alts in self.wanted.items() if t not in own and found(alts, s.terms))
            lead = frozenset(t for t in own if found(self.wanted[t], s.lead))
            got = self.memo[id(s)] = (own, own.union(rest), lead)
        return got

    def speaks_to(self, s: Sentence) -> bool:
        """Does the sentence hold one of the part's own concepts (not only lent ones)?"""
        return not self.asked.isdisjoint(self.hits(s)[1])

    def cover(self, s: Sentence) -> float:
        got = self.covers.get(id(s))
        if got is None:
            own, anywhere, _ = self.hits(s)
            got = sum(self.weight[t] for t in own)
            got += HEADING * sum(self.weight[t] for t in anywhere - own)
            if s.titled:
                got -= (HEADING - TITLE) * sum(
                    self.weight[t]
                    for t in anywhere - own
                    if found(self.wanted[t], s.titled)
                    and not found(self.wanted[t], s.terms - s.titled)
                )
            got = self.covers[id(s)] = got / self.total if self.total else 0.0
        return got

    def cover_asked(self, s: Sentence) -> float:
        """The share of the part's own concepts (not those lent by context) it holds."""
        own, anywhere, _ = self.hits(s)
        total = self.asked_total
        got = sum(self.weight[t] for t in self.asked & own)
        got += HEADING * sum(self.weight[t] for t in self.asked & (anywhere - own))
        return got / total if total else self.cover(s)

    def cover_point(self, s: Sentence) -> float:
        """``cover_asked`` with each concept weighed by how much its words could name the
        point: "how much notice do i NEED to GIVE" is answered by the sentence on notice."""
        own, anywhere, _ = self.hits(s)
        w = self.pointed
        total = sum(w.values())
        got = sum(w[t] for t in own if t in w)
        got += HEADING * sum(w[t] for t in anywhere - own if t in w)
        return got / total if total else self.cover_asked(s)

    def repeats(self, s: Sentence) -> bool:
        """Did the assistant say this sentence already, in its words or nearly ("Check that
        the status light is solid white." for "If a device shows offline, check that...")?"""
        if not self.said:
            return False
        if s.text in self.said:
            return True
        words = s.written - s.context
        if any(w[:1].isdigit() for w in words - self.said_terms):
            return False  # it adds an amount not said ("...; below that it costs 5.99 USD")
        return len(words) >= REPEAT_WORDS and len(words & self.said_terms) >= REPEAT * len(words)

    def predicates(self, s: Sentence) -> bool:
        """Does the sentence say something of the question beyond naming its subject (a
        term of the question in the sentence but not in its headings), or say in its own
        words all that the question asks ("An order can be cancelled..." under the
        heading "Cancelling", for "can I cancel my order")?"""
        own = self.hits(s)[0]
        if self.asked and self.asked <= own:
            return True
        return any(not found(self.wanted[t], s.context) for t in own)

    def lead(self, s: Sentence) -> float:
        """The share of the question the sentence opens with (its subject)."""
        got = sum(self.weight[t] for t in self.hits(s)[2])
        return got / self.total if self.total else 0.0

    def other_subject(self, s: Sentence) -> bool:
        """Is the sentence about a thing a title names that the part does not name, or
        about a shorter name than the title the part names ("The Lumen Bulb Color costs..."
        for what the "bulb 4-pack" holds, when "Lumen Bulb Color 4-pack" titles a passage)?"""
        named = self.names.intersection(s.named)
        if named and named.isdisjoint(self.own_names):
            return True
        # a name of the titles' kind for what no title and not the part names ("Reset a
        # Lumen Bulb Color..." for the doorbell the part names)
        branded = self.asks_name and not self.titled.isdisjoint(s.named)
        if branded and not s.named <= self.titled.union(self.wanted):
            return True
        if not self.fuller or not s.named or not s.named.isdisjoint(self.own_names):
            return False
        if not any(s.named <= words for words in self.shorter):
            return False  # its subject is no other title's name ("Water supply charge: ...")
        text = s.text.lower()
        return any(s.named < words and title not in text for title, words in self.fuller)

    def strays(self, s: Sentence) -> bool:
        """Is the sentence about a thing a title names, for a part that names none of them
        but names something no passage holds ("how much is the lumen light strip": the
        hub's price is a neighbour's, not the answer)?"""
        return self.unheld and not self.own_names and bool(self.names) and self.other_subject(s)

    def elsewhere(self, s: Sentence) -> bool:
        """Is the sentence about another thing than the part (``other_subject``) or about
        amounts the part's amount is not among (the table row for "over 750 Wh" when
        "620 Wh" is given)?"""
        if self.amounts and s.ranges and in_range(self.amounts, s.ranges) < 0:
            return True
        return bool(self.names) and self.other_subject(s)

    def new_terms(self, s: Sentence, seen: set[str]) -> set[str]:
        return set(self.hits(s)[1]) - seen

    def features(self, c: Candidate) -> tuple[float, ...]:
        """What the score weighs (``FEATURES``, in order) for one candidate sentence."""
        return (self.cover(c[1]), *(feature(self, c) for feature in FEATURE_FNS))

    def score(self, c: Candidate) -> float:
        """``WEIGHTS`` times ``features(c)`` (written out: this runs per sentence and part,
        and the features that weigh nothing are not computed)."""
        i, s = c
        covered = self.cover(s)
        if covered <= 0:
            return 0.0
        w = WEIGHTS
        intent = self.intent
        got = w[0] * covered + self.brevity * w[9] * len(s.text) / 100 + w[5] * self.lead(s)
        if holds_kind(self, s):
            got += w[1] * (0.5 if intent.lent else 1.0)
        if intent.without or intent.yes_no or self.target or intent.steps or intent.supposes:
            got += w[2] * without(self, c) + w[3] * condition(self, c) + w[4] * target(self, c)
        if i in self.demoted:
            got += w[6]
        if s.negated:
            got += w[7] * unasked_negation(self, c)
        if self.said and self.repeats(s):
            got += w[8]
        if w[10]:
            got += w[10] * self.cover_asked(s)
        if self.names and self.other_subject(s):
            got += w[12]
        if self.amounts and s.ranges:
            got += w[13] * in_range(self.amounts, s.ranges)
        return got + w[11] / (1 + i) + self.nudges(i, s)

    def nudges(self, i: int, s: Sentence) -> float:
        """What tips a close call: the sentence is in the section that answered an earlier
        part (NEAR), states the least time asked for (EXTREME), or writes two of the part's
        words side by side as the part does (PHRASE: "a POWER LINE lying across the road":
        "a fallen power line", not "our faults line")."""
        got = NEAR if self.near and (i, s.section) in self.near else 0.0
        if self.quickest and id(s) in self.quickest:
            got += EXTREME
        if self.pairs and not self.pairs.isdisjoint(s.pairs):
            got += PHRASE
        if self.recalled and not self.recalled.isdisjoint(s.own - s.labels):
            got += RECALLED
        if s.labels and cell(self, s):
            got += CELL
        if self.handed and "*" in s.text and refers(self, s):
            got += REFERS
        return got


@lru_cache(maxsize=4096)
def _terms(text: str) -> tuple[str, ...]:
    """The terms a part's text asks about (read once per text: a request reads its parts'
    texts several times, for the contrast, the joined things and the concepts)."""
    out = ["max"] if _AT_MOST.search(text) else []
    for t in words_of(plain(_CHAT.sub(" ", _REDACTED.sub(" ", text)))):
        out.append(t)
        letters = "".join(ch for ch in t if ch.isalpha())
        if letters != t and len(letters) >= 3 and not t.isalpha():
            out.append(letters)  # "5ghz" also asks about "ghz"
    return tuple(out)


def contrasted(parts: list[str]) -> dict[int, bool]:
    """The parts of a contrast, each with whether it asks the negated side: "what's not
    (covered, warranty)" leaning on "what's covered by the warranty" (split_context)."""
    out: dict[int, bool] = {}
    for n, part in enumerate(parts):
        main, carried = split_context(part)
        lent = set(_terms(carried))
        # it asks nothing of its own but the negation ("and what's not"), not a message
        # that tells something negated ("I don't want to give my number. which methods...")
        if not intent_of(main).negated or not lent or not set(_terms(main)) <= lent:
            continue
        for m, other in enumerate(parts):
            own = split_context(other)[0]
            if m != n and not intent_of(own).negated and lent & set(_terms(own)):
                out[m], out[n] = False, True
    return out


_JOINED = re.compile(
    r"\b(\w+)\s+(?:and|or|vs|versus|plus)\s+(?:(?:the|a|an|my|your|its|their)\s+)?(\w+)"
)


def _joined(text: str) -> set[str]:
    """The terms on either side of a coordinator ("the FEE and the DEPOSIT"). (The leading
    ``\b`` keeps a long run of letters linear: without it, every position inside the run
    tried the whole run again.)"""
    return {t for m in _JOINED.finditer(text.lower()) for g in m.groups() for t in _terms(g)}


def read_part(question: str, candidates: list[Candidate], analyzer: Analyzer, ctx: Context) -> Part:
    main, carried = split_context(question)
    main, told = focus(main)
    intent = intent_of(main)
    if intent.empty and ctx.earlier and not ASKS.search(main.lower()):
        intent = replace(intent_of(ctx.earlier), lent=True)  # "and to canada?": as before
    if intent.kind is None and _GIVEN_CLOCK.search(f"{main} {told}"):
        intent = replace(intent, kind="clock")  # preferred, never required (asks_for False)
    lent = {t: CARRIED for t in _terms(f"{carried} {told}")}
    if _REFERS.search(main):  # "is IT open sundays": the row the reply just named
        lent.update((t, CARRIED) for t in row_named(ctx.reply, candidates) if t not in lent)
    wanted, scale = concepts(
        {**lent, **{t: 1.0 for t in _terms(main)}}, analyzer, ctx.glossary, intent
    )
    split_compounds(main, wanted, scale, analyzer)
    placed(main, wanted, analyzer)
    if _PAID_TO.search(main.lower()) and _PAY in wanted:  # "what do you pay me": credited
        wanted[_PAY] += tuple((analyzer.equivalents(stem(w)),) for w in _RECEIVED)
    part = Part(intent, wanted, {}, 0.0, ctx.demoted, ctx.said)
    part.said_terms = frozenset(words_of(ctx.said)) if ctx.said else frozenset()
    part.near = ctx.near
    part.asked = frozenset(t for t in wanted if scale[t] >= 1.0)
    part.names = ctx.names
    part.own_names = ctx.names.intersection(_terms(question)) | ctx.rows
    if ctx.names:
        part.asks_name = not ctx.names.isdisjoint(_terms(main))
        part.titled = frozenset(t for title in ctx.titles for t in terms(title))
    if part.own_names and not intent.compares:
        titled = [(t.lower(), frozenset(terms(t))) for t in ctx.titles]
        part.fuller = tuple((t, w) for t, w in titled if not w.isdisjoint(part.own_names))
        part.shorter = tuple(w for _, w in titled if w.isdisjoint(part.own_names))
    part.amounts = amounts(main)
    part.handed = frozenset(t.lower() for t in ctx.titles)
    part.pairs = side_by_side(main, candidates)
    if ctx.earlier:  # "I need to print a few forms" / "how much for black and white"
        part.recalled = frozenset(words_of(ctx.earlier)).difference(wanted, FRAME)
    if intent.target:
        part.target = analyzer.equivalents(intent.target)
    if intent.kind and part.asked:  # (read only for a part that asks for a kind)
        part.joined = part.asked.intersection(_joined(main))
    df = dict.fromkeys(wanted, 0)
    for _, s in candidates:
        for t in part.hits(s)[1]:
            df[t] += 1
    n = len(candidates)
    part.weight = {t: scale[t] * math.log(1 + n / (1 + df[t])) for t in wanted}
    part.unheld = any(not df[t] for t in part.asked)
    part.total = sum(part.weight.values())
    _credit_told(part, main)
    part.asked_total = sum(part.weight[t] for t in part.asked)
    part.pointed = _pointed(part, main, carried)
    return part


def _credit_told(part: Part, main: str) -> None:
    """A sentence's credit for the numbers and dates the part tells (``particulars``: "our
    club is 12 people") cut to ``TOLD``, after the part's total has counted them in full."""
    for t in particulars(main).intersection(part.wanted):
        part.weight[t] *= TOLD


def _pointed(part: Part, main: str, carried: str) -> dict[str, float]:
    """The part's own concepts weighed by ``points`` (a glossary phrase's key is its terms,
    space-separated); when it refers by a pronoun, the concepts lent for it too."""
    said = points(main)
    out = {t: part.weight[t] * max(said.get(x, 1.0) for x in t.split()) for t in part.asked}
    if carried and _REFERS.search(main):  # "what's the max IT covers": the thing lent is
        for t in set(_terms(carried)).intersection(part.wanted).difference(part.asked):
            out[t] = part.weight[t]  # its point
    return out


def side_by_side(main: str, candidates: list[Candidate]) -> frozenset[tuple[str, str]]:
    """Two of the part's words it writes next to each other, in that order ("a POWER LINE
    lying across the road"), when a sentence writes them so too and another holds only one
    of them ("our faults line"): what tells the sentence about that thing
    from those sharing a word with it. Not when every sentence holding one holds both ("The
    Crumb Oven kneads...", "The Crumb Oven has...", "a phone you trade in"): all alike, the
    pair would only draw the runners-up closer to the best."""
    pairs = word_pairs(_CHAT.sub(" ", _REDACTED.sub(" ", main)), FRAME)
    if not pairs:
        return frozenset()
    held = {p for _, s in candidates for p in pairs & s.pairs}
    alone = {p for p in held for _, s in candidates if len(s.own.intersection(p)) == 1}
    return frozenset(alone)
