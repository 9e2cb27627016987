"""The retrieval contract: find the passages of approved knowledge for a query.

class Fixed:
    async def search(self, query: str, k: int) -> list[Passage]:
        return [Passage("faq", 1, "FAQ", "Refunds", 0, 42, "Refunds take 5 days.", 1.0)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Passage:
    """A span of one approved document version, as retrieved for a request."""

    doc_id: str
    version: int
    title: str
    section: str
    start: int
    end: int
    text: str
    score: float
    source: str = ""
    # to_record's answer, made once: the answer's citations and the trace both want it, and
    # a plan (with its passages) is kept and served again for the same question.
    _record: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def to_record(self) -> dict[str, Any]:
        """The passage as the answer cites it and the trace keeps it. Shared between
        callers (computed once per passage): read it, copy it before changing it."""
        record = self._record
        if record is None:
            record = self._make_record()
            object.__setattr__(self, "_record", record)
        return record

    def _make_record(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "version": self.version,
            "title": self.title,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "source": self.source,
        }


class Retriever(Protocol):
    async def search(self, query: str, k: int) -> list[Passage]: ...
