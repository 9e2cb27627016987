"""From a conversation to the evidence for one answer.

The last user turn is split into its questions (``query.split_parts``); a part that leans on
earlier ones ("can I still send it back?") carries the salient concepts of the turn before;
each part is retrieved and judged on its own, with the catalog rows of the products it names
as evidence too; a model or pack the catalog does not hold ("hub pro") vetoes its part.
A follow-up is judged twice: with the concepts it carries, against all its passages; and by
its own words alone, against its passages from the documents the earlier turn was retrieved
from (its subject: "how long do i have to drop it off" after "I want to send my thermostat
back" needs "drop" on the returns page, not "thermostat" in the same sentence); the better
judgement stands. The message is answerable when one of its parts is; the parts it cannot
answer are reported so the responder says so.

    planner = Planner(retriever, spec.answerability, catalog)
    plan = await planner.plan(["how long does shipping take? and do you ship to Peru?"], 4)
    plan.decision, [p.decision for p in plan.parts]   # 'answer', ['answer', 'refuse']
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from stanchion.knowledge.answerability import THRESHOLD, Assessment, Decision
from stanchion.knowledge.base import Passage
from stanchion.knowledge.followup import (
    QUESTION_CHARS,
    Subjects,
    answered_from,
    earlier,
    leans_on_part,
    own,
    prior,
    standalone,
)
from stanchion.knowledge.query import (
    Ask,
    Query,
    is_followup,
    is_told,
    salient_words,
    split_asks,
    story_facts,
)
from stanchion.knowledge.query.gazetteer import cities
from stanchion.knowledge.query.turns import IMPLIED_ASKS, implied, unabbreviate
from stanchion.knowledge.retriever import KnowledgeRetriever
from stanchion.knowledge.spec import Answerability
from stanchion.knowledge.vectors import Vector

ORDER: dict[Decision, int] = {"refuse": 0, "borderline": 1, "answer": 2}
PLANS = 4096  # plans kept per index generation (the same questions come back)
# What of the assistant's reply is read for the words a follow-up takes up from it: its
# opening, where an answer says what it is about.
REPLY_CHARS = 1000
FACT_CONCEPTS = 2  # a fact of a story judged alone names at least this many corpus concepts
STORY_FACTS = 4  # facts of a story whose best passage is read besides the best fact's
# Fill the responder's window with the next-ranked passages when the relative cut-off keeps
# fewer than k. Off: on DEV it answered 3 more questions (messy4), on the held-out splits and
# the independent app it answered 3 fewer (docs/grounding.md, "the window").
FILL = False
# Fill it instead with the best hit's own document: its other sections, in rank order, up to
# k. A document is about one thing, so its other sections hold what the question's words
# missed ("how long til the thermostat figures out my routine": the thermostat page's
# "learns your schedule in about a week", not the price section the words found), where the
# next-ranked passages of other documents were distractors as often as answers. DEV (the
# responder replayed on the passages it would be handed): +2 -0 against FILL's +2 -1. Off:
# end to end it answered 3 more DEV questions, and on the held-out splits, the independent
# app and the blind set 2 more answerable and 2 fewer unanswerable declined, where without
# it the rest of the responder's changes gained 1 and lost none (counts only; the same
# trade as FILL's: more passages, and a near miss finds a sentence to answer with).
FILL_FROM_DOCUMENT = False
WIDE = 3  # ranks read for the document's other sections: WIDE * k
# A situation told, not asked ("the invites went out ten days ago and half never signed
# up"), may be made borderline from a lower score than a question (the spec's
# ``answerability.told``): the rule that answers it is written in the documents' words, the
# story in the customer's. Off by default: a story the documents do not cover still scores
# by the one fact they do ("my neighbour's dog chewed my rain boots": 0.43 on the boots
# page), and the DEV sets hold one told unanswerable to weigh that against (docs/grounding.md,
# "A situation told").
# A story whose shape implies its ask (``query.turns.implied``: waiting, a fault, a plan) is
# borderline from this score whatever the spec says: it asks for the rule that applies to
# it ("the invites went out ten days ago and half never signed up": how long an invite
# lasts), where a story of no shape may ask nothing the documents hold ("my neighbour's dog
# chewed my rain boots": the boots page scores 0.43). None: off.
SHAPED: float | None = 0.3


class CatalogEvidence(Protocol):
    def passages_for(self, question: str) -> list[Passage]: ...

    def unknown_names(self, question: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class PartPlan:
    text: str
    question: str  # standalone: the part with what it leans on from earlier turns
    query: Query
    passages: list[Passage]
    assessment: Assessment
    decision: Decision

    def record(self) -> dict[str, Any]:
        return {"question": self.question, **self.assessment.record(self.decision)}


@dataclass(frozen=True, slots=True)
class Plan:
    parts: list[PartPlan]
    decision: Decision
    passages: list[Passage]
    _annotations: tuple[float | None, dict[str, Any]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def question(self) -> str:
        return " ".join(p.question for p in self.parts)

    @property
    def score(self) -> float:
        return max((p.assessment.score for p in self.parts), default=0.0)

    def annotations(self, threshold: float | None = None) -> dict[str, Any]:
        """What the trace records of the plan. Made once per threshold and shared (the
        planner keeps plans and serves them again): read it, copy it before changing it."""
        made = self._annotations
        if made is None or made[0] != threshold:
            made = (threshold, self._make_annotations(threshold))
            object.__setattr__(self, "_annotations", made)
        return made[1]

    def _make_annotations(self, threshold: float | None) -> dict[str, Any]:
        best = max(self.parts, key=lambda p: p.assessment.score, default=None)
        record = best.record() if best else {"score": 0.0, "features": {}}
        record["decision"] = self.decision
        if threshold is not None:
            record["threshold"] = threshold
        out: dict[str, Any] = {
            "query": self.question,
            "parts": [p.question for p in self.parts],
            "answerability": record,
        }
        if len(self.parts) > 1:
            out["part_answerability"] = [p.record() for p in self.parts]
        return out


class Planner:
    """Parts, follow-ups, per-part retrieval and answerability; thresholds from the spec."""

    def __init__(
        self,
        retriever: KnowledgeRetriever,
        policy: Answerability,
        catalog: CatalogEvidence | None = None,
        legacy_threshold: float | None = None,
        refusal: str = "",
    ) -> None:
        """``refusal``: the app's no-evidence reply, which is from no document."""
        self.retriever, self.policy, self.catalog = retriever, policy, catalog
        self.refusal = refusal.strip()
        chosen = policy.threshold if policy.threshold is not None else THRESHOLD
        self.threshold = legacy_threshold if legacy_threshold is not None else chosen
        self.low, self.high = policy.band(self.threshold) if self.threshold > 0 else (0.0, 0.0)
        self.told_low = self.low if policy.told is None else min(self.low, policy.told)
        self.shaped_low = self.told_low if SHAPED is None else min(self.told_low, SHAPED)
        self._plans: dict[tuple[tuple[str, ...], int, str], Plan] = {}
        self.subject = Subjects(retriever, self._passages)
        self._plans_for: object | None = None  # the index sync the plans were made at

    def decide(
        self, score: float, has_passages: bool, told: bool = False, shaped: bool = False
    ) -> Decision:
        """``told``: the part tells a situation and asks nothing ("my invites went out ten
        days ago"): from ``told_low`` it is borderline (the spec's borderline action);
        ``shaped``: its shape implies what it asks (``implied``), from ``shaped_low``."""
        if not has_passages:
            return "refuse"
        if self.threshold <= 0 or score >= self.high:
            return "answer"
        floor = self.shaped_low if shaped else self.told_low
        if score >= self.low or (told and 0.0 < floor <= score):
            return "borderline"
        return "refuse"

    async def plan(self, turns: list[str], k: int, reply: str = "") -> Plan:
        """The plan for the last of ``turns`` (the user's messages, oldest first);
        ``reply``: what the assistant answered between the last two of them.

        Plans are kept per index sync (a plan is a pure function of the turns, the
        served versions and the catalog): a question asked again is answered from memory,
        on the loop, without a worker thread."""
        await self.retriever.refresh()
        reply = reply[:REPLY_CHARS] if len(turns) > 1 else ""
        key, synced = (tuple(turns), k, reply), self.retriever.synced
        if self._plans_for is not synced:
            self._plans, self._plans_for = {}, synced
            self.subject.clear()
        known = self._plans.get(key)
        if known is not None:
            return known
        # a 1 MB message is not a question; "w/o" is "without"
        turns = [unabbreviate(t[:QUESTION_CHARS]) for t in turns]
        parts = split_asks(turns[-1])
        dense = self.retriever.dense
        vecs = []
        if dense is not None:
            texts = await asyncio.to_thread(self.standalone, turns, parts, reply)
            vecs = [await dense.query_vector(t) for t in texts]
        plan = await asyncio.to_thread(self.plan_sync, turns, parts, k, vecs, reply)
        if synced is not None and self.retriever.synced is synced is self._plans_for:
            if len(self._plans) >= PLANS:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def plan_sync(
        self,
        turns: list[str],
        parts: list[Ask],
        k: int,
        vecs: list[Vector | None],
        reply: str = "",
    ) -> Plan:
        context0 = earlier(self.retriever, turns[:-1])
        before = prior(turns, reply)

        def subject() -> frozenset[str]:
            return self.subject(turns[:-1], k)

        @cache
        def said() -> frozenset[str]:
            if self.refusal and self.refusal in reply:  # answered from nothing
                return frozenset()
            return answered_from(self.retriever, reply)

        per_part = k if len(parts) == 1 else max(2, -(-k // len(parts)) + 1)
        planned: list[PartPlan] = []
        lacks: list[str] = []  # what the part before lacks itself (not what it inherited)
        for i, ask in enumerate(parts):
            # a follow-up leans on the part before it and on what that part leaned on
            context = f"{context0} {parts[i - 1].text}".strip() if i else context0
            vec = vecs[i] if i < len(vecs) else None
            part = self._part(ask, context, per_part, vec, subject, before, said)
            lacks_here = part.assessment.missing
            # "is there a free trial, how long is IT": what the part before lacks, it lacks
            if lacks and leans_on_part(self.retriever, ask):
                part = _vetoed(part, lacks)
            lacks = lacks_here
            planned.append(part)
        decision = max((p.decision for p in planned), key=ORDER.__getitem__)
        if decision == "borderline" and self.policy.borderline_action == "refuse":
            decision = "refuse"
        # the passages of every part not vetoed: a borderline part of an answered message is
        # answered too (the responder reads each part's decision), so it needs its own; so
        # does a part refused by its score, which the responder answers only when one of its
        # sentences holds most of it ("can my managers see what people are paid": "Managers
        # cannot see pay rates unless..."), and says it has nothing on otherwise. A vetoed
        # part names what the passages lack: nothing of them answers it.
        usable = [p for p in planned if ORDER[p.decision] >= 1 or not p.assessment.missing]
        return Plan(planned, decision, _merge(usable))

    def standalone(self, turns: list[str], parts: list[Ask], reply: str = "") -> list[str]:
        """What each part is embedded as (``followup.standalone``)."""
        return standalone(self.retriever, turns, parts, reply)

    def _passages(
        self, part: Ask, context: str, k: int, told: tuple[bool, frozenset[str]]
    ) -> list[Passage]:
        """An earlier turn's part retrieved without a subject of its own (``Subjects``)."""
        return self._part(part, context, k, None, prior=told).passages

    def _part(
        self,
        part: Ask,
        context: str,
        k: int,
        vec: Vector | None,
        subject: Callable[[], frozenset[str]] = frozenset,
        prior: tuple[bool, frozenset[str]] = (False, frozenset()),
        said: Callable[[], frozenset[str]] = frozenset,
    ) -> PartPlan:
        """``prior``: whether the user turn before told a situation, and the terms of the
        assistant's reply to it (see ``is_followup``); ``said``: the documents that reply
        reads as (``answered_from``)."""
        r = self.retriever
        text = part.text
        query = r.parse(part.ask)
        question, leaned = text, ""
        if part.context:
            query = query.with_context(r.parse(part.context))
        words: list[str] = []
        alone = query
        if context and is_followup(text, query, *prior):
            before = r.parse(context)
            query = query.with_context(before)
            words = salient_words(before)
            leaned = context
        words += [c.country for c in cities(f"{part.context} {leaned} {text}")]  # "Toronto": Canada
        if words:
            question = f"{text} ({', '.join(dict.fromkeys(words))})"
        passages, window = _window(r, query, k, vec, said() if leaned else frozenset())
        if leaned:  # the earlier turn's words crowd out what its own words find
            passages += own(r, alone, subject(), passages, k)
        rows = self.catalog.passages_for(question) if self.catalog is not None else []
        evidence = passages + [p for p in rows if p not in passages]
        around = tuple(t for t in (part.context, leaned) if t)
        # the documents are embedded, the catalog is not: beside its rows, no similarity
        # to the documents says the question is out of scope (0: neutral)
        dense = r.similarity(vec)
        told = is_told(part.ask)  # "I left my headphones on the plane.": its things are a story
        assessment = r.assess(
            query, evidence, around, 0.0 if rows and dense is not None else dense, told
        )
        on_subject = [p for p in evidence if p.doc_id in subject()] if leaned else []
        if on_subject:  # the subject is settled by the documents: its words need not recur
            alone_judged = r.assess(alone, on_subject, around, dense, told)
            if alone_judged.score > assessment.score:
                assessment = alone_judged
        kind = implied(part.ask) if told else ""
        if told:  # a story of several facts: the documents cover the situation by one of them
            story = self._story(part.ask, leaned, evidence, around, dense, assessment, k)
            assessment, evidence = story
            if kind:  # the ask the story's shape implies, for the responder to read
                question = f"{question} ({IMPLIED_ASKS[kind]})"
        unsold = self._unsold(text, context)
        if unsold:  # a model or pack the catalog does not hold: its facts are no one's
            missing = list(dict.fromkeys([*assessment.missing, *unsold]))
            assessment = Assessment(0.0, assessment.features, missing)
        told = told and not assessment.missing
        decision = self.decide(assessment.score, bool(evidence), told, bool(kind))
        if decision != "refuse":  # judged on those kept; read k where the cut-off kept fewer
            evidence = evidence + [p for p in window if p not in evidence]
        return PartPlan(text, question, query, evidence, assessment, decision)

    def _unsold(self, text: str, context: str) -> list[str]:
        """Models or packs ``text`` names that the catalog does not hold. A pack asked with no
        product of its own ("do you have an 8-pack") is of the product the turn or the part
        before named ("eight colour bulbs")."""
        if self.catalog is None:
            return []
        unsold = self.catalog.unknown_names(text)
        if unsold or not context or self.catalog.passages_for(text):
            return unsold
        whole = f"{context} {text}"
        cut = len(context) + 1  # of a phrase across both, the part this one wrote
        found = ((whole.find(u), u) for u in self.catalog.unknown_names(whole))
        return [whole[max(at, cut) : at + len(u)] for at, u in found if at + len(u) > cut]

    def _story(
        self,
        story: str,
        leaned: str,
        evidence: list[Passage],
        around: tuple[str, ...],
        dense: float | None,
        assessment: Assessment,
        k: int,
    ) -> tuple[Assessment, list[Passage]]:
        """A told situation judged by the best of its facts ("I bought clothes meanwhile"
        in a story of a late bag), whose passages then come first for the responder. A story
        told as a follow-up ("my order already went out") keeps leaning on the earlier turn."""
        r, best, whole = self.retriever, None, assessment.score
        facts = story_facts(story)
        if len(facts) < 2:
            return assessment, evidence
        named: list[Query] = []  # the facts that name enough of the corpus to be judged
        for fact in facts:
            one = r.parse(fact)
            if leaned:
                one = one.with_context(r.parse(leaned))
            if sum(c.known for c in one.content()) >= FACT_CONCEPTS:
                named.append(one)
                judged = r.assess(one, evidence, around, dense, True)
                # a story is told in order: of facts judged alike, the later is where the
                # customer stands now ("... so I bought a coat" after "it came late")
                if judged.score > whole and (best is None or judged.score >= assessment.score):
                    assessment, best = judged, one
        if best is None:
            return assessment, evidence
        first = r.ranked(best, k)
        # each other fact's best passage too: the one the documents answer may be judged
        # no better than the one told last ("I opened the box of bulbs" before "I hate
        # the colours": the returns rule for opened bulbs, not the bulb's colours)
        for one in named[:STORY_FACTS]:
            if one is not best:
                first += [p for p in r.ranked(one, 1) if p not in first]
        return assessment, first + [p for p in evidence if p not in first]


def _window(
    r: KnowledgeRetriever,
    query: Query,
    k: int,
    vec: Vector | None,
    prefer: frozenset[str] = frozenset(),
) -> tuple[list[Passage], list[Passage]]:
    """(the passages the cut-off keeps, up to k; those the responder reads besides: see
    FILL and FILL_FROM_DOCUMENT), from one ranking."""
    if FILL or not FILL_FROM_DOCUMENT:
        return r.window(query, k, None, vec, fill=FILL, prefer=prefer)
    kept, more = r.window(query, WIDE * k, None, vec, fill=True)
    if len(kept) >= k or not kept:
        return kept[:k], []
    same = [p for p in more if p.doc_id == kept[0].doc_id]
    return kept, same[: k - len(kept)]


def _vetoed(part: PartPlan, missing: list[str]) -> PartPlan:
    """``part`` refused for what the part it leans on lacks."""
    lacks = list(dict.fromkeys([*part.assessment.missing, *missing]))
    judged = Assessment(0.0, part.assessment.features, lacks)
    return PartPlan(part.text, part.question, part.query, part.passages, judged, "refuse")


def _merge(parts: list[PartPlan]) -> list[Passage]:
    """The parts' passages interleaved best first, each span once."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Passage] = []
    for rank in range(max((len(p.passages) for p in parts), default=0)):
        for part in parts:
            if rank < len(part.passages):
                p = part.passages[rank]
                key = (p.doc_id, p.version, p.start)
                if key not in seen:
                    seen.add(key)
                    out.append(p)
    return out
