from __future__ import annotations

from dataclasses import replace
from typing import Any

from stanchion.guards import Finding, GuardEngine
from stanchion.knowledge.base import Passage
from stanchion.knowledge.build import Knowledge
from stanchion.knowledge.plan import Plan
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.tokens import message_text

_Verdict = tuple[list[Finding], bool, str | None]


class Retrieve:
    """Find approved passages for the user's question; cut injected orders out of them.

    A passage whose context scan blocks or holds is dropped; one that it redacts (a planted
    "ignore your instructions" line) goes on as the redacted text, so the model never sees
    the planted line.

    The last user turn is read as the questions it asks, follow-ups completed from earlier
    turns (``knowledge.plan``). When the passages cannot answer any part, the app answers per
    its no-evidence policy instead of letting the model guess; a borderline case gets the
    spec's ``answerability.borderline_action`` (answer with a caveat, refuse, or hold for
    review). The evidence of the decision goes to ``ex.annotations`` and so to the trace.
    Passages are immutable versions, so each one's context scan is done once and cached.
    """

    name = "retrieve"

    def __init__(self, knowledge: Knowledge, engine: GuardEngine) -> None:
        self.knowledge, self.engine = knowledge, engine
        self.k = knowledge.spec.retrieval.k
        self.policy = knowledge.spec.answerability
        self._verdicts: dict[tuple[str, int, int], _Verdict] = {}

    def _verdict(self, p: Passage, ex: Exchange) -> _Verdict:
        """The passage's context scan: findings, whether to drop it, the text to use instead.
        Context redaction has no per-request placeholders, so a version's verdict is cached."""
        key = (p.doc_id, p.version, p.start)
        verdict = self._verdicts.get(key)
        if verdict is None:
            out = self.engine.scan(p.text, "context", ex)
            redacted = out.text if out.action == "redact" and out.text != p.text else None
            verdict = (out.findings, out.action in ("block", "hold"), redacted)
            if len(self._verdicts) > 100_000:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict

    async def __call__(self, ex: Exchange) -> None:
        turns = [message_text(m) for m in ex.messages if m.get("role") == "user"]
        kept: list[Passage] = []
        plan: Plan | None = None
        if turns and turns[-1].strip():
            plan = await self.knowledge.plan(turns, self.k, _reply(ex.messages))
            ex.annotations.update(plan.annotations(self.knowledge.planner.threshold))
            for passage in plan.passages:
                findings, drop, redacted = self._verdict(passage, ex)
                ex.findings.extend(findings)
                if not drop:
                    kept.append(passage if redacted is None else replace(passage, text=redacted))
        ex.passages = kept
        if plan is None or not kept or plan.decision == "refuse":
            self._refuse(ex)
        elif plan.decision == "borderline":
            self._borderline(ex, plan)

    def _refuse(self, ex: Exchange) -> None:
        ex.decision = "refuse"
        ex.reply = self.knowledge.no_evidence_reply
        ex.annotations["no_evidence"] = True

    def _borderline(self, ex: Exchange, plan: Plan) -> None:
        if self.policy.borderline_action == "hold":
            ex.findings.append(
                Finding("answerability", 0, 0, plan.score, "answerability", "input", "hold")
            )
        else:
            ex.annotations["caveat"] = self.policy.caveat


def _reply(messages: list[dict[str, Any]]) -> str:
    """What the assistant answered between the last two user turns ("" if nothing)."""
    said: list[str] = []
    users = 0
    for m in reversed(messages):
        role = m.get("role")
        if role == "user":
            users += 1
            if users == 2:
                break
        elif role == "assistant" and users == 1:
            said.append(message_text(m))
    return " ".join(reversed(said)) if users == 2 else ""
