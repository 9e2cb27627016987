"""The guard contract: a detector looks at text and returns findings.

A guard never decides what happens; the policy maps each finding to an action::

    class Shouting:
        name = "shouting"
        version = "1"
        def check(self, text: str, exchange: Exchange | None) -> list[Finding]:
            if text.isupper():
                return [Finding("style.shouting", 0, len(text), 1.0, "shouting@1")]
            return []
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from stanchion.pipeline.exchange import Exchange

Direction = Literal["input", "output", "context"]
Action = Literal["allow", "flag", "redact", "block", "hold"]
ACTION_RANK: dict[str, int] = {"allow": 0, "flag": 1, "redact": 2, "hold": 3, "block": 4}


@dataclass(slots=True)
class Finding:
    """One thing a detector saw: its type, where (character span) and how sure."""

    type: str
    start: int
    end: int
    score: float
    detector: str
    direction: Direction = "input"
    action: Action = "flag"

    def to_record(self) -> dict[str, Any]:
        """The trace form: offsets and score, never the sensitive value itself."""
        return {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "detector": self.detector,
            "direction": self.direction,
            "action": self.action,
        }


class Guard(Protocol):
    """A detector. ``check`` is synchronous: guards run on the CPU inside the request."""

    name: str
    version: str

    def check(self, text: str, exchange: Exchange | None) -> list[Finding]: ...
