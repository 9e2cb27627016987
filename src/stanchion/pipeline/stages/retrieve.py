from __future__ import annotations

from stanchion.guards import Finding, GuardEngine
from stanchion.knowledge.base import Passage
from stanchion.knowledge.build import Knowledge
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.tokens import message_text


class Retrieve:
    """Find approved passages for the last user turn; drop any that carry injected orders.

    With nothing relevant enough, the app answers per its no-evidence policy instead of
    letting the model guess. Passages are immutable versions, so each one's context scan
    is done once and cached.
    """

    name = "retrieve"

    def __init__(self, knowledge: Knowledge, engine: GuardEngine) -> None:
        self.knowledge, self.engine = knowledge, engine
        self.k = knowledge.spec.retrieval.k
        self._verdicts: dict[tuple[str, int, int], tuple[list[Finding], bool]] = {}

    def _verdict(self, p: Passage, ex: Exchange) -> tuple[list[Finding], bool]:
        key = (p.doc_id, p.version, p.start)
        verdict = self._verdicts.get(key)
        if verdict is None:
            out = self.engine.scan(p.text, "context", ex)
            verdict = (out.findings, out.action in ("block", "hold"))
            if len(self._verdicts) > 100_000:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict

    async def __call__(self, ex: Exchange) -> None:
        query = next(
            (message_text(m) for m in reversed(ex.messages) if m.get("role") == "user"), ""
        )
        kept = []
        if query.strip():
            for passage in await self.knowledge.retriever.search(query, self.k):
                findings, drop = self._verdict(passage, ex)
                ex.findings.extend(findings)
                if not drop:
                    kept.append(passage)
        ex.passages = kept
        if not kept:
            ex.decision = "refuse"
            ex.reply = self.knowledge.no_evidence_reply
            ex.annotations["no_evidence"] = True
