"""The retrieval contract: find the passages of approved knowledge for a query.

class Fixed:
    async def search(self, query: str, k: int) -> list[Passage]:
        return [Passage("faq", 1, "FAQ", "Refunds", 0, 42, "Refunds take 5 days.", 1.0)]
"""

from __future__ import annotations

from dataclasses import dataclass
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

    def to_record(self) -> dict[str, Any]:
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
