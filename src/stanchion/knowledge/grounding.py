"""Output validation: split an answer into claims and score each against the sources.

A claim's support is a small logistic model over lexical evidence (``knowledge/support.py``:
coverage of its terms by the sources, by the best-aligned sentence and by the top three,
bigrams, novel numbers and names, negation and antonym mismatches against the aligned
sentences). Weights were fitted on the development halves of the public grounding sets
(``bench/grounding_loso.py``) and ship as constants: no model, no download. A claim the
sources contradict outright (a number they lack, an antonym or a negating prefix swapped in,
a denial its best-aligned sentence does not make) is vetoed whatever its coverage, and so,
when the spec's ``kind`` is dialogue, is the speaker's own voice (``support.vetoed``).

    v = Validator(Grounding()).validate("Refunds take 5 days.", ["Refunds take 5 days."])
    assert v.grounded and not v.findings
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stanchion.guards.base import Action, Finding
from stanchion.knowledge.checkers import Checker, CheckerError
from stanchion.knowledge.sources import FactsCache, Source
from stanchion.knowledge.spec import Grounding, GroundingAction
from stanchion.knowledge.support import answer_score, claim_features, claim_score, vetoed

if TYPE_CHECKING:
    from stanchion.knowledge.catalog import Catalog

DETECTOR = "grounding@5"
# A vetoed claim's support is scaled below any useful threshold but keeps its order.
VETO = 0.2
SOURCES = 1024  # prepared passage sets kept
# A claim ends at the spaces after a stop (the stop itself is the claim's: the match starts
# one after it) or at a line break. Written as one character set first (which of the two
# ends it is, the look-behinds tell from the character just read): a pattern that opens
# with a set lets the regex engine skip to the next stop or line break in one scan, where
# an alternation (``[.!?;]\s+|\n+``) tries both branches at every character (3.3x the
# instructions on the gateway bench's answer).
CLAIM_END = re.compile(r"[.!?;\n](?:(?<=\n)\n*|(?<=[^\n])\s+)")
ACTIONS: dict[GroundingAction, Action] = {
    "flag": "flag",
    "caveat": "flag",
    "hold": "hold",
    "block": "block",
}


@dataclass(slots=True)
class Claim:
    start: int
    end: int
    text: str
    score: float
    supported: bool
    unsupported: list[tuple[int, int]] = field(default_factory=list)
    novel_numbers: list[tuple[int, int]] = field(default_factory=list)
    features: list[float] = field(default_factory=list)
    vetoed: bool = False

    def to_record(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "supported": self.supported,
            "unsupported": self.unsupported,
        }


@dataclass(slots=True)
class Validation:
    """Groundedness in [0, 1] (the answer's support over its claims), claims, findings, caveat."""

    score: float
    claims: list[Claim]
    findings: list[Finding]
    caveat: str | None = None

    threshold: float = 0.5
    checker: str = "offline"

    @property
    def grounded(self) -> bool:
        return self.score >= self.threshold

    def to_record(self) -> dict[str, Any]:
        return {
            "groundedness": round(self.score, 4),
            "grounded": self.grounded,
            "claims": [c.to_record() for c in self.claims],
            "findings": [f.to_record() for f in self.findings],
            "caveat": self.caveat,
            "checker": self.checker,
        }


def split_claims(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in CLAIM_END.finditer(text):
        start = m.start() + (text[m.start()] != "\n")
        if text[pos:start].strip():
            spans.append((pos, start))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


class Validator:
    """Scores answers against passages (and the catalog) and applies the spec's policy."""

    def __init__(self, policy: Grounding, catalog: Catalog | None = None) -> None:
        self.policy, self.catalog = policy, catalog
        self._facts: FactsCache = {}
        self._sources: dict[tuple[str, ...], Source] = {}
        self._caveats: dict[str, str] = {
            "grounding.unsupported": policy.action,
            "grounding.unsupported_number": policy.number_action,
            **(catalog.policy_actions() if catalog is not None else {}),
        }

    def source(self, sources: list[str]) -> Source:
        """The prepared sources of a passage set, kept (a Source is never changed): the
        passages of a popular question come back together, request after request."""
        key = tuple(sources)
        found = self._sources.get(key)
        if found is None:
            if len(self._sources) >= SOURCES:
                self._sources.clear()
            found = self._sources[key] = Source.of(sources, self._facts)
        return found

    def claims(
        self, answer: str, source: Source, spans: list[tuple[int, int]] | None = None
    ) -> list[Claim]:
        """``spans``: ``split_claims(answer)`` when the caller has them already (the answer is
        split once, for the claims, a model checker and the catalog alike)."""
        out = []
        for s, e in split_claims(answer) if spans is None else spans:
            text = answer[s:e]
            feats, marks = claim_features(text, source)
            veto = vetoed(marks, self.policy.kind)
            score = claim_score(feats, source) * (VETO if veto else 1.0)
            out.append(
                Claim(
                    s,
                    e,
                    text,
                    score,
                    score >= self.policy.threshold,
                    [(s + a, s + b) for a, b in marks.missing] if marks.missing else [],
                    [(s + a, s + b) for a, b in marks.numbers] if marks.numbers else [],
                    feats,
                    veto,
                )
            )
        return out

    def validate(self, answer: str, sources: list[str], question: str = "") -> Validation:
        """``question`` does not excuse answer words missing from the sources: words echoed
        from the question but absent from the passages are as unsupported as any other
        (excusing them cost 2-3 points of balanced accuracy on begin and halueval)."""
        return self._validate(answer, sources, split_claims(answer))

    def _validate(
        self, answer: str, sources: list[str], spans: list[tuple[int, int]]
    ) -> Validation:
        source = self.source(sources)
        claims = self.claims(answer, source, spans)
        if len(claims) == 1:  # the answer's figures are its claim's: the same score
            score = claims[0].score
        else:
            score = answer_score([c.features for c in claims], source) if claims else 1.0
            if any(c.vetoed for c in claims):
                score *= VETO
        return self._validation(claims, score, answer, "offline", spans)

    async def acheck(
        self, answer: str, sources: list[str], question: str = "", checker: Checker | None = None
    ) -> Validation:
        """``validate`` with a model checker's claim scores; the offline checker when there is
        none or it fails (then ``checker`` says "offline (fallback)")."""
        spans = split_claims(answer)
        if checker is None or not spans:
            return self._validate(answer, sources, spans)
        try:
            scores = await checker.score([answer[s:e] for s, e in spans], sources, question)
        except (CheckerError, TimeoutError):
            fallback = self._validate(answer, sources, spans)
            fallback.checker = "offline (fallback)"
            return fallback
        claims = self.claims(answer, self.source(sources), spans)
        for claim, score in zip(claims, scores, strict=True):
            claim.score, claim.supported = score, score >= self.policy.threshold
        return self._validation(claims, min(scores), answer, checker.name, spans)

    def _validation(
        self,
        claims: list[Claim],
        score: float,
        answer: str,
        checker: str,
        spans: list[tuple[int, int]],
    ) -> Validation:
        findings: list[Finding] = []
        if self.policy.enabled:
            findings += self._findings(claims)
        if self.catalog is not None:
            findings += self.catalog.check(answer, spans)
        caveat = self.policy.caveat if findings and self._wants_caveat(findings) else None
        return Validation(score, claims, findings, caveat, self.policy.threshold, checker)

    def _findings(self, claims: list[Claim]) -> list[Finding]:
        out = []
        act, num_act = ACTIONS[self.policy.action], ACTIONS[self.policy.number_action]
        for c in claims:
            if not c.supported:
                out.append(
                    Finding(
                        "grounding.unsupported",
                        c.start,
                        c.end,
                        1.0 - c.score,
                        DETECTOR,
                        "output",
                        act,
                    )
                )
            for s, e in c.novel_numbers:
                out.append(
                    Finding("grounding.unsupported_number", s, e, 1.0, DETECTOR, "output", num_act)
                )
        return out

    def _wants_caveat(self, findings: list[Finding]) -> bool:
        caveats = self._caveats
        return any(caveats.get(f.type) == "caveat" for f in findings)
