"""Pick the sentences that answer each part of a question, cited by passage number.

Per part, sentences are scored by the IDF-weighted share of the part's terms they cover
(their section's headings count as context), plus a bonus when they hold the kind of answer
asked for (a duration for "how long", a price for "how much"...) or say what holds
"without" something. A procedure ("how do I...") answers with its section's steps in order;
a yes/no question with the sentence that states the condition, led by "Yes." or "No." when
that sentence covers the whole question. A part the passages cannot answer (no sentence
shares its point, or none holds the duration, price or count it asks for) is named as such.

>>> passages = ["PayPal refunds take 2 to 3 business days."]
>>> answer("How long do PayPal refunds take?", passages, analyzer=Analyzer())
Answer(text='PayPal refunds take 2 to 3 business days. [1]', refused=False)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from stanchion.knowledge.text import stem
from stanchion.providers.local.intent import Intent, intent_of
from stanchion.providers.local.sentences import Analyzer, Sentence, words_of
from stanchion.providers.local.units import asked_unit

NO_ANSWER = "I don't have that in the approved documents."
MISSING = 'I don\'t have information about "{part}" in the approved documents.'
_PRONOUN = re.compile(r"^(?:It|They|This|These|That|Those|He|She)\b")
_CONTRAST = re.compile(
    r"\b(?:after|before|over|under|more|less|longer|later|earlier|outside|instead|still|"
    r"already|\d+)\b"
)
# Words that frame a question or fill a message but name nothing to look for.
_FRAME_WORDS = (
    "long much many take takes soon quickly fast often also still want know "
    "tell please pls plz thanks thank hi hey hello ok okay u r ur im ya yeah nah tho "
    "anyone question get going wondering happen happens"
)
_FRAME = frozenset(stem(w) for w in _FRAME_WORDS.split())
# chat spellings of question words, dropped before stemming: "wat" stems like "water"
_CHAT = re.compile(r"\b(?:wat|wut|wht|whats|watz)\b", re.I)
_SPLIT = re.compile(r"(?<=[.!?])\s+")
_ASKS = re.compile(r"^\W*(?:what|which|who|where|when|why|how|wat|whats)\b")
_CARRIED = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$", re.S)
EXTRA, CLOSE_TO_BEST, SAME_SECTION, STEPS_MAX, TIE = 2, 0.75, 0.5, 4, 0.85
KIND_BONUS, WITHOUT_BONUS, CONDITION_BONUS, TARGET_BONUS = 0.25, 0.2, 0.1, 0.3
DEMOTED, REPEATED, LEAD_BONUS, UNASKED_NEGATION = 0.12, 0.3, 0.15, 0.1
HEADING, CARRIED = 0.5, 0.4  # weights of a term found only in headings / lent by a turn
TOPIC_WORDS = 14
# A part the caller judged unanswerable is still answered when one sentence holds this much
# of it (and the kind it asks for): the rest of its message was answerable, so the gate's
# doubt about this part is weighed against the responder's evidence.
OVERRIDE = 0.5
PART_MIN_COVER = 0.25  # a part of a multi-part message answered below this is "not found"
YES_NO_COVER = 0.75

Candidate = tuple[int, Sentence]
# A concept's ways of being written: any alternative, each a tuple of terms that must all
# be there, each term given as the analysed terms that stand for it.
Alts = tuple[tuple[frozenset[str], ...], ...]


def found(alts: Alts, bag: frozenset[str]) -> bool:
    if len(alts) == 1 and len(alts[0]) == 1:
        return not alts[0][0].isdisjoint(bag)
    return any(all(not eq.isdisjoint(bag) for eq in alt) for alt in alts)


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    refused: bool


Hits = tuple[frozenset[str], frozenset[str], frozenset[str]]  # in own words, anywhere, lead


@dataclass(slots=True)
class _Part:
    intent: Intent
    wanted: dict[str, Alts]  # concept -> its ways of being written
    weight: dict[str, float]  # IDF, halved-and-more for terms carried from earlier turns
    total: float
    demoted: frozenset[int]  # passages whose sentences lose ties (catalog rows)
    said: str = ""  # what the assistant already answered in earlier turns
    asked: frozenset[str] = frozenset()  # the concepts of the part itself (not lent)
    target: frozenset[str] = frozenset()  # the counted noun's forms ("colours": "color")
    joined: frozenset[str] = frozenset()  # concepts named after "and", "or", "vs"
    memo: dict[int, Hits] = field(default_factory=dict)  # per sentence, for this part

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
        own, anywhere, _ = self.hits(s)
        got = sum(self.weight[t] for t in own)
        got += HEADING * sum(self.weight[t] for t in anywhere - own)
        return got / self.total if self.total else 0.0

    def cover_asked(self, s: Sentence) -> float:
        """The share of the part's own concepts (not those lent by context) it holds."""
        own, anywhere, _ = self.hits(s)
        total = sum(self.weight[t] for t in self.asked)
        got = sum(self.weight[t] for t in self.asked & own)
        got += HEADING * sum(self.weight[t] for t in self.asked & (anywhere - own))
        return got / total if total else self.cover(s)

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

    def new_terms(self, s: Sentence, seen: set[str]) -> set[str]:
        return set(self.hits(s)[1]) - seen

    def score(self, c: Candidate) -> float:
        s = c[1]
        covered = self.cover(s)
        if covered <= 0:
            return 0.0
        bonus = KIND_BONUS if self.intent.kind in s.kinds else 0.0
        bonus *= 0.5 if self.intent.lent else 1.0
        if self.intent.without and ({"without", "onli"} & s.terms):
            bonus += WITHOUT_BONUS
        if self.intent.yes_no and s.conditional and not self.intent.lent:
            bonus += CONDITION_BONUS
        if self.target and not self.target.isdisjoint(s.counted):
            bonus += TARGET_BONUS
        bonus += LEAD_BONUS * self.lead(s)
        if c[0] in self.demoted:
            bonus -= DEMOTED
        if s.negated and not self.intent.negated and not self.intent.yes_no:
            bonus -= UNASKED_NEGATION  # "what is covered" wants the coverage, not exclusions
        if self.said and s.text in self.said:
            bonus -= REPEATED  # a follow-up rarely wants the answer it just got
        return covered + bonus - 0.002 * len(s.text)


def split_context(part: str) -> tuple[str, str]:
    """("warranty on it?", "price, plug") from "warranty on it? (price, plug)": the words an
    earlier turn lent the question, in the trailing parentheses."""
    m = _CARRIED.match(part)
    return (m.group(1), m.group(2)) if m else (part, "")


def _terms(text: str) -> list[str]:
    out = []
    for t in words_of(_CHAT.sub(" ", text)):
        out.append(t)
        letters = "".join(ch for ch in t if ch.isalpha())
        if letters != t and len(letters) >= 3 and not t.isalpha():
            out.append(letters)  # "5ghz" also asks about "ghz"
    return out


@dataclass(frozen=True, slots=True)
class Context:
    """What a request brings besides the question: catalog passages, the conversation so
    far, the app's glossary, whether the caller judged each part already."""

    demoted: frozenset[int] = frozenset()
    said: str = ""
    earlier: str = ""  # the user's previous turn
    glossary: tuple[tuple[frozenset[str], ...], ...] = ()
    judged: bool = False


def _concepts(
    scale: dict[str, float], analyzer: Analyzer, ctx: Context
) -> tuple[dict[str, Alts], dict[str, float]]:
    """The question's concepts: each term with its equivalents; the terms of a glossary
    phrase it uses ("money back") as one concept written any of the group's ways."""
    asked = {t for t in scale if t not in _FRAME} or set(scale)
    wanted: dict[str, Alts] = {}
    weights = dict(scale)
    for forms in ctx.glossary:
        used = next((f for f in forms if f <= asked), None)
        if used is None:
            continue
        key = " ".join(sorted(used))
        wanted[key] = tuple(tuple(analyzer.equivalents(t) for t in sorted(f)) for f in forms)
        weights[key] = max(scale[t] for t in used)
        asked -= used
    for t in asked:
        wanted[t] = ((analyzer.equivalents(t),),)
    return wanted, weights


_JOINED = re.compile(r"\b(?:and|or|vs|versus|plus)\s+(?:(?:the|a|an|my|your|its|their)\s+)?(\w+)")


def _joined(text: str) -> set[str]:
    """The terms that a coordinator brings in ("the fee and the DEPOSIT")."""
    return {t for m in _JOINED.finditer(text.lower()) for t in _terms(m.group(1))}


def focus(text: str) -> tuple[str, str]:
    """(the sentences that ask, the ones that tell) of a part: "My son gave me your hub.
    How long does setup take?" asks the second; the first is its context."""
    sentences = [x for x in _SPLIT.split(text.strip()) if x]
    if len(sentences) < 2:
        return text, ""
    asking = [x for x in sentences if asks(x)]
    if not asking or len(asking) == len(sentences):
        return text, ""
    return " ".join(asking), " ".join(x for x in sentences if x not in asking)


def _part(question: str, candidates: list[Candidate], analyzer: Analyzer, ctx: Context) -> _Part:
    main, carried = split_context(question)
    main, told = focus(main)
    intent = intent_of(main)
    if intent.empty and ctx.earlier:
        intent = replace(intent_of(ctx.earlier), lent=True)  # "and to canada?": as before
    lent = {t: CARRIED for t in _terms(f"{carried} {told}")}
    wanted, scale = _concepts({**lent, **{t: 1.0 for t in _terms(main)}}, analyzer, ctx)
    part = _Part(intent, wanted, {}, 0.0, ctx.demoted, ctx.said)
    part.asked = frozenset(t for t in wanted if scale[t] >= 1.0)
    if intent.target:
        part.target = analyzer.equivalents(intent.target)
    part.joined = part.asked.intersection(*[_joined(main)]) if part.asked else frozenset()
    df = dict.fromkeys(wanted, 0)
    for _, s in candidates:
        for t in part.hits(s)[1]:
            df[t] += 1
    n = len(candidates)
    part.weight = {t: scale[t] * math.log(1 + n / (1 + df[t])) for t in wanted}
    part.total = sum(part.weight.values())
    return part


def _steps(best: Candidate, candidates: list[Candidate]) -> list[Candidate]:
    """The best sentence's section from the best sentence on, in order."""
    i, s = best
    same = [c for c in candidates if c[0] == i and c[1].section == s.section]
    return [c for c in same if c[1].position >= s.position][:STEPS_MAX]


def _others(part: _Part, ranked: list[tuple[float, Candidate]]) -> list[Candidate]:
    """Close runners-up that add the part's terms, or hold the asked kind in the same
    passage ('card ... PayPal refunds take')."""
    best_score, best = ranked[0]
    chosen, seen = [best], part.new_terms(best[1], set())
    for s, cand in ranked[1 : 1 + 2 * EXTRA]:
        if len(chosen) > EXTRA or s < CLOSE_TO_BEST * best_score:
            break
        new = part.new_terms(cand[1], seen)
        same_kind = part.intent.kind in cand[1].kinds and cand[0] == best[0]
        tie = part.intent.yes_no and s >= TIE * best_score and cand[0] != best[0]
        if new or same_kind or (tie and part.cover(cand[1]) >= 1.0):  # both readings said
            chosen.append(cand)
            seen |= new
    for s, cand in ranked[1:]:
        if len(chosen) > EXTRA or s < SAME_SECTION * best_score:
            break
        fresh = cand not in chosen and not (part.said and cand[1].text in part.said)
        if fresh and (cand[0], cand[1].section) == (best[0], best[1].section):
            chosen.append(cand)  # the rest of a short section: "...until it ships. After..."
    return chosen


def _completed(
    part: _Part, chosen: list[Candidate], ranked: list[tuple[float, Candidate]]
) -> list[Candidate]:
    """Sentences for the things the part joins ("the connection fee and the deposit") that the
    chosen ones leave out: the deposit's sentence too, of the kind asked, best first."""
    if not part.joined:
        return chosen
    seen = set().union(*(part.hits(c[1])[1] for c in chosen))
    for s, cand in ranked:
        missing = part.joined - seen
        if not missing or len(chosen) > EXTRA:
            break
        if s <= 0 or cand in chosen or missing.isdisjoint(part.hits(cand[1])[0]):
            continue
        if part.intent.kind and part.intent.kind not in cand[1].kinds:
            continue
        chosen.append(cand)
        seen |= part.hits(cand[1])[1]
    return chosen


_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s")


def _with_list(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """A list item brings the items next to it ("- Tuesday and Thursday: 10 am to 4 pm",
    "- Other days: closed"): a short list answers as a whole, up to STEPS_MAX items."""
    i, best = chosen[0]
    if not _ITEM.match(best.text):
        return chosen
    run = [c for c in candidates if c[0] == i and c[1].section == best.section]
    run.sort(key=lambda c: c[1].position)
    at = next(k for k, c in enumerate(run) if c[1] is best)
    lo = hi = at
    while (
        lo > 0
        and _ITEM.match(run[lo - 1][1].text)
        and run[lo - 1][1].position == run[lo][1].position - 1
    ):
        lo -= 1
    while (
        hi + 1 < len(run)
        and _ITEM.match(run[hi + 1][1].text)
        and run[hi + 1][1].position == run[hi][1].position + 1
    ):
        hi += 1
    if hi - lo + 1 > STEPS_MAX:
        return chosen
    return [*chosen, *(c for c in run[lo : hi + 1] if c not in chosen)]


def _display(text: str) -> str:
    """A sentence as said, not as marked up: no list marker or bold, a list item ended."""
    item = _ITEM.match(text)
    text = text[item.end() :] if item else text
    text = text.replace("**", "").strip()
    return text if not item or text[-1:] in ".!?" else text + "."


def _with_antecedent(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """A sentence opening with a pronoun ('It does not...') brings the one before it."""
    by_place = {(c[0], c[1].position): c for c in candidates}
    out = list(chosen)
    for i, s in chosen:
        before = by_place.get((i, s.position - 1))
        if _PRONOUN.match(s.text) and before is not None and before not in out:
            out.append(before)
    return sorted(out, key=lambda c: (c[0], c[1].position))


def _verdict(part: _Part, question: str, best: Sentence) -> str:
    """'Yes. ' or 'No. ' before the condition when it answers the whole question."""
    if not part.intent.yes_no or part.cover(best) < YES_NO_COVER:
        return ""
    if _CONTRAST.search(split_context(question)[0].lower()):
        return ""
    return "No. " if best.negated else "Yes. "


def answer_part(
    question: str,
    candidates: list[Candidate],
    analyzer: Analyzer,
    multi: bool = False,
    ctx: Context = Context(),
    bar: float = 0.0,
) -> tuple[str, list[Candidate]] | None:
    """(a lead-in, the chosen sentences) for one question, or None when the candidates
    cannot answer it (or cover less than ``bar`` of it)."""
    part = _part(question, candidates, analyzer, ctx)
    if not part.wanted or not candidates:
        return None
    pool = candidates
    if part.intent.strict:
        pool = [c for c in pool if part.intent.kind in c[1].kinds]
    unit = asked_unit(split_context(question)[0])
    if unit:  # "in canadian dollars", "in feet": a sentence stating it, or no answer
        pool = [c for c in pool if unit in c[1].units]
    if part.asked:  # not a sentence that only holds the words lent by an earlier turn...
        own = [c for c in pool if part.speaks_to(c[1])]
        # ...unless the caller judged the part answerable and none holds its own words
        # ("where do I get it and in what format? (invoice)": "get" and "format" are in no
        # sentence; the invoice sentence answers)
        pool = own or (pool if ctx.judged and not bar else [])
    ranked = sorted(((part.score(c), c) for c in pool), key=lambda x: -x[0])
    if not ranked or part.cover(ranked[0][1][1]) <= 0:
        return None  # (a long message's score can be below 0 from its length alone)
    best = ranked[0][1]
    if part.cover_asked(best[1]) < bar:
        return None
    if multi and not ctx.judged and part.cover_asked(best[1]) < PART_MIN_COVER:
        return None
    if part.intent.yes_no and not any(part.predicates(c[1]) for s, c in ranked[:3] if s > 0):
        return None  # "is the bulb dimmable?" against "the bulb is an E26 bulb": no answer
    chosen = _steps(best, candidates) if part.intent.steps else _others(part, ranked)
    if not part.intent.steps:
        chosen = _completed(part, chosen, ranked)
    chosen = _with_list(chosen, candidates)
    return _verdict(part, question, best[1]), _with_antecedent(chosen, candidates)


def topic_of(part: str) -> str:
    """What a part asks, to name it: its asking sentence, at most TOPIC_WORDS words."""
    asked = focus(split_context(part)[0])[0]
    last = [x for x in _SPLIT.split(asked.strip()) if x][-1:] or [asked]
    words = last[0].split()
    short = " ".join(words[-TOPIC_WORDS:])
    return ("..." if len(words) > TOPIC_WORDS else "") + short.strip(" ?.!,;")


def asks(part: str) -> bool:
    """Is this part of a message a question (not "I bought it last week.")?"""
    intent = intent_of(part)
    return "?" in part or not intent.empty or bool(_ASKS.search(part.lower()))


def answer(
    question: str,
    passages: list[str],
    *,
    parts: list[str] | None = None,
    titles: list[str] | None = None,
    sources: list[str] | None = None,
    decisions: list[str] | None = None,
    history: list[tuple[str, str]] | None = None,
    glossary: dict[str, list[str]] | None = None,
    analyzer: Analyzer,
) -> Answer:
    """Answer ``question`` (or each of ``parts``) from ``passages``.

    ``decisions``: the caller's answerability per part ("refuse" ones are not answered);
    ``sources``: each passage's origin (a catalog row loses a tie with a document);
    ``history``: the earlier (role, text) turns; ``glossary``: the app's synonyms."""
    names = titles or [""] * len(passages)
    turns = history or []
    ctx = Context(
        demoted=frozenset(i for i, src in enumerate(sources or []) if src == "catalog"),
        said=" ".join(t for role, t in turns if role == "assistant"),
        earlier=next((t for role, t in reversed(turns) if role == "user"), ""),
        glossary=tuple(analyzer.glossary(glossary)) if glossary else (),
        judged=bool(decisions),
    )
    declined = {i for i, d in enumerate(decisions or []) if d == "refuse"}
    candidates = [
        (i, s) for i, text in enumerate(passages) for s in analyzer.sentences(text, names[i])
    ]
    asked = [p for p in (parts or []) if p.strip()] or [question]
    multi = len(asked) > 1
    out: list[str] = []
    said: set[Candidate] = set()
    answered = 0
    questions = [asks(focus(split_context(p)[0])[0]) for p in asked]
    for n, part in enumerate(asked):
        if multi and any(questions) and not questions[n]:
            continue  # "I bought a thermostat last week." is context, not a question
        found = answer_part(
            part, candidates, analyzer, multi, ctx, OVERRIDE if n in declined else 0.0
        )
        if found is None:
            if multi and questions[n]:
                out.append(MISSING.format(part=topic_of(part)))
            continue
        answered += 1
        lead, chosen = found
        fresh = [c for c in chosen if c not in said]
        said.update(chosen)
        if fresh:
            out.append(lead + " ".join(f"{_display(s.text)} [{i + 1}]" for i, s in fresh))
    if not answered:
        return Answer(NO_ANSWER, True)
    return Answer(" ".join(t for t in out if t), False)
