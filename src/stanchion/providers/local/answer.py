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

import re
from dataclasses import dataclass, replace

from stanchion.knowledge.text import terms
from stanchion.providers.local.asking import asks, focus, split_context
from stanchion.providers.local.bound import reads_duration
from stanchion.providers.local.context import Context
from stanchion.providers.local.denied import ASSUMED, assumes, denied
from stanchion.providers.local.extremes import quickest
from stanchion.providers.local.part import (
    Candidate,
    Part,
    contrasted,
    read_part,
)
from stanchion.providers.local.section import (
    EXTRA,
    ITEM,
    continued,
    otherwise,
    steps_of,
    what_to_do,
    with_antecedent,
    with_joined_row,
    with_lead_in,
    with_list,
    with_named_row,
    with_tied_rows,
)
from stanchion.providers.local.sentences import EVERYDAY, Analyzer, Sentence
from stanchion.providers.local.units import asked_unit

NO_ANSWER = "I don't have that in the approved documents."
MISSING = 'I don\'t have information about "{part}" in the approved documents.'
_CONTRAST = re.compile(
    r"\b(?:after|before|over|under|more|less|longer|later|earlier|outside|instead|still|"
    r"already|\d+)\b"
)
# Kinds asked loosely that still decide when a sentence holds them: "why" wants the
# sentence that gives a reason over one that only shares the question's words; "how will I
# know" the one that says what happens when ("you get an email when...").
PREFERRED = frozenset({"reason", "signal"})
_RULE_KINDS = frozenset({"obligation"})  # besides a negated or conditional sentence
RULE = 0.15  # the bonus of a rule for a "why" no sentence gives a reason for (``rules``)
CLOSE_TO_BEST, SAME_SECTION, TIE = 0.75, 0.5, 0.85
TOPIC_WORDS = 14
# A part the caller judged unanswerable is still answered when one sentence holds this much
# of it: the rest of its message was answerable, so the gate's doubt about this part is
# weighed against the responder's evidence. Never a part the gate vetoed for naming what the
# passages lack ("veto": "and do you ship to Peru"). (Holding the asked-for kind is not
# enough: "how long is the warranty on refurbished toasters" would get the kettle's.)
OVERRIDE = 0.5
PART_MIN_COVER = 0.25  # a part of a multi-part message answered below this is "not found"
YES_NO_COVER = 0.75
_SPLIT = re.compile(r"(?<=[.!?])\s+")
# a title's words that must be capitalised for it to name a thing (not its small words)
_TITLE_WORD = re.compile(r"\b(?!(?:a|an|the|and|or|of|for|with|in|on|to|by|at)\b)\w[\w-]*")
NO_CONTEXT = Context()


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    refused: bool


def _bare(part: Part) -> bool:
    """Does the part name one topic and ask nothing of it ("refund?", "warranty")?"""
    return part.intent.empty and len(part.wanted) == 1 and not part.said


def _overview(ranked: list[tuple[float, Candidate]]) -> list[Candidate]:
    """A topic named and nothing asked of it: the best sentence of each section close to the
    best, up to EXTRA more (what holds, how it is paid, when: "refund?" wants the refund
    window as much as how refunds are paid), not one section's every sentence."""
    best_score = ranked[0][0]
    chosen: dict[tuple[int, int], Candidate] = {}
    for s, cand in ranked:
        if len(chosen) > EXTRA or s < CLOSE_TO_BEST * best_score:
            break
        chosen.setdefault((cand[0], cand[1].section), cand)
    return list(chosen.values())


def _others(part: Part, ranked: list[tuple[float, Candidate]]) -> list[Candidate]:
    """Close runners-up that add the part's terms, or hold the asked kind in the same
    passage ('card ... PayPal refunds take')."""
    if _bare(part):
        return _overview(ranked)
    best_score, best = ranked[0]
    chosen, seen = [best], part.new_terms(best[1], set())
    for s, cand in ranked[1 : 1 + 2 * EXTRA]:
        if len(chosen) > EXTRA or s < CLOSE_TO_BEST * best_score:
            break
        new = part.new_terms(cand[1], seen)
        # of the kind asked, in the same passage, or in any passage when the part compares
        # two things ("a 4-pack vs one bulb": each side's price may sit in another passage)
        near = cand[0] == best[0] or part.intent.compares
        same_kind = part.intent.kind in cand[1].kinds and near
        tie = part.intent.yes_no and s >= TIE * best_score and cand[0] != best[0]
        if new or same_kind or (tie and part.cover(cand[1]) >= 1.0):  # both readings said
            chosen.append(cand)
            seen |= new
    best_cover = part.cover(best[1])
    for s, cand in ranked[1:]:
        if len(chosen) > EXTRA:
            break
        # the rest of a short section ("...until it ships. After..."), or a sentence of it
        # as much about the part as the best, which won on a bonus ("Invoices are on the
        # Orders page." beside "An invoice appears once the order has shipped.")
        alike = part.cover(cand[1]) >= best_cover and not part.elsewhere(cand[1])
        close = s >= SAME_SECTION * best_score or alike
        fresh = cand not in chosen and not part.repeats(cand[1])
        if close and fresh and (cand[0], cand[1].section) == (best[0], best[1].section):
            chosen.append(cand)
    return chosen


def _completed(
    part: Part, chosen: list[Candidate], ranked: list[tuple[float, Candidate]]
) -> list[Candidate]:
    """Sentences for the things the part joins ("the connection fee and the deposit") that the
    chosen ones leave out: the deposit's sentence too, of the kind asked, best first."""
    if not part.joined or part.intent.kind is None:  # "and" in a story joins no asked things
        return chosen
    seen = set().union(*(part.hits(c[1])[0] for c in chosen))  # in their own words
    for s, cand in ranked:
        missing = part.joined - seen
        if not missing or len(chosen) > EXTRA:
            break
        if s <= 0 or cand in chosen or missing.isdisjoint(part.hits(cand[1])[0]):
            continue
        if part.intent.kind not in cand[1].kinds:
            continue
        chosen.append(cand)
        seen |= part.hits(cand[1])[0]
    return chosen


def _display(text: str) -> str:
    """A sentence as said, not as marked up: no list marker or bold, a list item ended."""
    item = ITEM.match(text)
    text = text[item.end() :] if item else text
    text = text.replace("**", "").strip()
    return text if not item or text[-1:] in ".!?" else text.rstrip(";,") + "."


def _verdict(part: Part, question: str, best: Sentence) -> str:
    """'Yes. ' or 'No. ' before the condition when it answers the whole question."""
    if not part.intent.yes_no or part.cover(best) < YES_NO_COVER:
        return ""
    if _CONTRAST.search(split_context(question)[0].lower()):
        return ""
    return "No. " if best.negated else "Yes. "


def rules(part: Part, pool: list[Candidate]) -> frozenset[int]:
    """A "why" that no sentence gives a reason for is answered by the rule that applies:
    the sentences (ids) that say what is excluded, required or conditional ("Gift cards
    cannot be refunded." for "why was my refund refused", over "Refunds go back to the
    original payment method."); none when a sentence gives a reason or it is no "why"."""
    if part.intent.kind != "reason" or part.intent.lent:
        return frozenset()
    if any("reason" in s.kinds and part.cover(s) > 0 for _, s in pool):
        return frozenset()
    return frozenset(id(s) for _, s in pool if _RULE_KINDS & s.kinds or s.negated or s.conditional)


def pool_of(
    part: Part, question: str, candidates: list[Candidate], ctx: Context, bar: float = 0.0
) -> list[Candidate]:
    """The candidates that may answer the part: of the kind it asks for (when it asks for
    one strictly), in the unit asked, holding the part's own words."""
    pool = candidates
    kind = part.intent.kind
    if part.intent.strict:
        pool = [c for c in pool if kind in c[1].kinds]
    elif kind in PREFERRED and not part.intent.lent:  # "why": a reason, when one is given
        pool = [c for c in pool if kind in c[1].kinds and part.cover(c[1]) > 0] or pool
    side = ctx.negated_side
    if side is not None:  # "what's covered" and "what's not": each its own side
        pool = [c for c in pool if c[1].negated == side] or pool
    unit = asked_unit(split_context(question)[0])
    if unit:  # "in canadian dollars", "in feet": a sentence stating it, or no answer
        pool = [c for c in pool if unit in c[1].units]
    if part.asked:  # not a sentence that only holds the words lent by an earlier turn...
        own = [c for c in pool if part.speaks_to(c[1])]
        # ...unless the caller judged the part answerable and none holds its own words
        # ("where do I get it and in what format? (invoice)": "get" and "format" are in no
        # sentence; the invoice sentence answers)
        pool = own or (pool if ctx.judged and not bar else [])
    return pool


def _near_sign(part: Part, candidates: list[Candidate], ctx: Context) -> list[Candidate]:
    """The signs a "how will I know it worked?" asks for, after a part that asked how: those
    stated in the section that answered it ("Setup takes about five minutes. The status
    light turns solid white when the hub is online."), whatever words they use ("online",
    not "worked"); none when that section states none."""
    if part.intent.kind != "signal" or not ctx.near:
        return []
    return [
        c
        for c in candidates
        if (c[0], c[1].section) in ctx.near and "signal" in c[1].kinds and part.cover(c[1]) > 0
    ]


def calibrate(part: Part, pool: list[Candidate], question: str = "") -> None:
    """Weigh a sentence's length by the best cover in the pool (``Part.brevity``); mark the
    sentences stating the least time when the question asks for the quickest."""
    part.brevity = min(1.0, max((part.cover(c[1]) for c in pool), default=1.0))
    if part.intent.kind == "duration":  # "the quickest delivery": the least time stated
        kind = [(id(s), s.text) for _, s in pool if "duration" in s.kinds and part.cover(s) > 0]
        part.quickest = quickest(split_context(question)[0], kind)


def _assumed(lacking: frozenset[str], c: Candidate) -> float:
    """``ASSUMED`` for a sentence assuming what the message says it lacks (``denied``)."""
    s = c[1]
    return ASSUMED if lacking and assumes(lacking, s.text, s.terms) else 0.0


def answer_part(
    question: str,
    candidates: list[Candidate],
    analyzer: Analyzer,
    multi: bool = False,
    ctx: Context = NO_CONTEXT,
    bar: float = 0.0,
) -> tuple[str, list[Candidate]] | None:
    """(a lead-in, the chosen sentences) for one question, or None when the candidates
    cannot answer it (or cover less than ``bar`` of it)."""
    part = read_part(question, candidates, analyzer, ctx)
    if not part.wanted or not candidates:
        return None
    main = split_context(question)[0]
    if reads_duration(part.intent, main, (s.text for _, s in candidates), part.asked):
        part.intent = replace(part.intent, kind="duration")  # "trial length?": preferred only
    near = _near_sign(part, candidates, ctx)
    pool = near or pool_of(part, question, candidates, ctx, bar)
    calibrate(part, pool, question)
    ruling = rules(part, pool)
    lacking = denied(main)
    ranked = sorted(
        ((part.score(c) + RULE * (id(c[1]) in ruling) + _assumed(lacking, c), c) for c in pool),
        key=lambda x: -x[0],
    )
    if not ranked or part.cover(ranked[0][1][1]) <= 0:
        return None  # (a long message's score can be below 0 from its length alone)
    best = ranked[0][1]
    if part.cover_point(best[1]) < bar or part.strays(best[1]):
        return None
    if multi and not ctx.judged and not near and part.cover_asked(best[1]) < PART_MIN_COVER:
        return None
    if part.intent.yes_no and not any(part.predicates(c[1]) for s, c in ranked[:3] if s > 0):
        return None  # "is the bulb dimmable?" against "the bulb is an E26 bulb": no answer
    after = continued(part, ranked, candidates)
    if after:  # a follow-up to what was said ("it's not. now what?"): what comes next
        chosen = after
    elif part.intent.steps:
        chosen = steps_of(best, candidates)
    else:
        chosen = _completed(part, _others(part, ranked), ranked)
        chosen += otherwise(part, best, candidates, chosen)
        chosen += what_to_do(question, best, candidates, chosen)
    chosen = with_joined_row(part, with_named_row(part, chosen, candidates), candidates)
    chosen = with_tied_rows(part, chosen, candidates)
    chosen = with_lead_in(with_list(chosen, candidates), candidates)
    lead = "" if after else _verdict(part, question, best[1])
    return lead, with_antecedent(chosen, candidates)


def topic_of(part: str) -> str:
    """What a part asks, to name it: its asking sentence, at most TOPIC_WORDS words."""
    asked = focus(split_context(part)[0])[0]
    last = [x for x in _SPLIT.split(asked.strip()) if x][-1:] or [asked]
    words = last[0].split()
    short = " ".join(words[-TOPIC_WORDS:])
    return ("..." if len(words) > TOPIC_WORDS else "") + short.strip(" ?.!,;")


def names_thing(title: str) -> bool:
    """Does a title name a thing (a product, a place: "Lumen Plug Mini", "Terra Mug 6-set"),
    every word of it capitalised or a figure, rather than a topic ("Cabin bags", "Returning
    a product")? A topic's words tell nothing apart: with more passages retrieved, more topic
    titles come in, and a sentence about "cabin bags" is not about another product."""
    words = _TITLE_WORD.findall(title)
    return len(words) >= 2 and all(w[0].isupper() or w[0].isdigit() for w in words)


def title_names(titles: list[str]) -> frozenset[str]:
    """The words that tell the passages' titles apart ("thermostat", "plug", "mini" of
    "Lumen Thermostat", "Lumen Plug Mini"; not the brand "lumen" they share), when at least
    two titles name things; only the words of titles that name a thing (``names_thing``:
    "Warranty" beside "Lumen Thermostat" tells the thermostat apart, but names nothing)."""
    distinct = [t for t in dict.fromkeys(titles) if t]
    bags = [frozenset(terms(t)) for t in distinct]
    if len(bags) < 2:
        return frozenset()
    seen: dict[str, int] = {}
    for bag in bags:
        for t in bag:
            seen[t] = seen.get(t, 0) + 1
    things = frozenset().union(*(b for t, b in zip(distinct, bags, strict=True) if names_thing(t)))
    return frozenset(t for t, n in seen.items() if n == 1 and t in things)


def request_context(
    passages: list[str],
    titles: list[str] | None,
    sources: list[str] | None,
    decisions: list[str] | None,
    history: list[tuple[str, str]] | None,
    glossary: dict[str, list[str]] | None,
    analyzer: Analyzer,
) -> tuple[Context, list[Candidate]]:
    """What ``answer`` reads besides the question: the context, and every passage's
    sentences as candidates."""
    names = titles or [""] * len(passages)
    turns = history or []
    everyday = tuple(analyzer.glossary(EVERYDAY))
    ctx = Context(
        demoted=frozenset(i for i, src in enumerate(sources or []) if src == "catalog"),
        said=" ".join(t for role, t in turns if role == "assistant"),
        earlier=next((t for role, t in reversed(turns) if role == "user"), ""),
        reply=next((t for role, t in reversed(turns) if role == "assistant"), ""),
        glossary=tuple(analyzer.glossary(glossary)) + everyday if glossary else everyday,
        judged=bool(decisions),
        names=title_names(names),
        titles=tuple(dict.fromkeys(t for t in names if t)),
    )
    if ctx.names:  # a catalog row is there because the message names its product
        rows = " ".join(names[i] for i, src in enumerate(sources or []) if src == "catalog")
        ctx = replace(ctx, rows=ctx.names.intersection(terms(rows)))
    candidates = [
        (i, s) for i, text in enumerate(passages) for s in analyzer.sentences(text, names[i])
    ]
    return ctx, candidates


def _said(
    found: tuple[str, list[Candidate]], said: set[Candidate], out: list[str], first: bool = False
) -> bool:
    """Add a part's answer to ``out`` (at its start with ``first``), without the sentences
    an earlier part's answer gave."""
    lead, chosen = found
    fresh = [c for c in chosen if c not in said]
    said.update(chosen)
    if fresh:
        text = lead + " ".join(f"{_display(s.text)} [{i + 1}]" for i, s in fresh)
        out.insert(0 if first else len(out), text)
    return True


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
    ctx, candidates = request_context(
        passages, titles, sources, decisions, history, glossary, analyzer
    )
    if ctx.names:  # what the whole message (and the turn before) names, whichever part asks
        named = ctx.names.intersection(terms(f"{ctx.earlier} {question} {' '.join(parts or [])}"))
        ctx = replace(ctx, rows=ctx.rows | named)
    declined = {i for i, d in enumerate(decisions or []) if d in ("refuse", "veto")}
    vetoed = {i for i, d in enumerate(decisions or []) if d == "veto"}
    asked = [p for p in (parts or []) if p.strip()] or [question]
    multi = len(asked) > 1
    out: list[str] = []
    said: set[Candidate] = set()
    answered = 0
    questions = [asks(focus(split_context(p)[0])[0]) for p in asked]
    telling = multi and any(questions)  # "I bought a thermostat last week." is context...
    sides = contrasted(asked)
    for n, part in enumerate(asked):
        if telling and not questions[n]:
            continue
        own = replace(ctx, negated_side=sides.get(n))
        found = None
        if n not in vetoed:
            bar = OVERRIDE if n in declined else 0.0
            found = answer_part(part, candidates, analyzer, multi, own, bar)
        if found is None:
            if multi and questions[n]:
                out.append(MISSING.format(part=topic_of(part)))
            continue
        answered += _said(found, said, out)
        ctx = replace(ctx, near=ctx.near.union((i, s.section) for i, s in found[1]))
    if telling and not answered:  # ...unless no question is answered: then what it tells is
        for n, part in enumerate(asked):  # the problem ("the download button isn't there")
            if questions[n] or n in declined:
                continue
            found = answer_part(part, candidates, analyzer, multi, ctx)
            answered += found is not None and _said(found, said, out, first=True)
    if not answered:
        return Answer(NO_ANSWER, True)
    return Answer(" ".join(t for t in out if t), False)
