"""The Exchange: the one object that carries a request through the pipeline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # annotations only: importing the guards package loads their engine
    from stanchion.guards.base import Finding
    from stanchion.knowledge.base import Passage
    from stanchion.providers.base import ChatRequest, Completion

Decision = Literal["pass", "redact", "block", "hold", "refuse", "error", "cancelled"]


@dataclass(slots=True)
class Principal:
    """Who is calling: a user with a role, identified by one API key."""

    key_id: str
    user: str
    role: str
    app: str | None = None


@dataclass(slots=True)
class Exchange:
    """Request state from authenticate to record; the record stage writes it as a trace."""

    id: str
    app: str
    started: float
    request: ChatRequest
    authorization: str | None = None
    principal: Principal | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    prompt_id: str | None = None
    system_prompt: str = ""
    rendered: list[dict[str, Any]] = field(default_factory=list)
    route: str | None = None
    completion: Completion | None = None
    findings: list[Finding] = field(default_factory=list)
    pseudonyms: dict[str, str] = field(default_factory=dict)
    decision: Decision = "pass"
    reply: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cost: float = 0.0
    status: int = 200
    error: str | None = None
    annotations: dict[str, Any] = field(default_factory=dict)
    reservation: Any = None  # budget held by admit until record settles it (limits.Reservation)
    # Monotonic marks (time.perf_counter) for metrics and spans: when the exchange began,
    # when each stage began, when a stream's first token left.
    t0: float = field(default_factory=time.perf_counter)
    stage_starts: dict[str, float] = field(default_factory=dict)
    first_token: float | None = None
    # The tool calls the caller gets, after the tool policy (``agents/``): OpenAI's shape,
    # arguments restored from placeholders and redacted where the policy says.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    cohort: str | None = None  # the rollout stage that admitted the caller (rollout/gate.py)

    @property
    def response_text(self) -> str:
        """The text the caller gets: a decided reply, else the model's content."""
        if self.reply is not None:
            return self.reply
        return self.completion.content if self.completion else ""
