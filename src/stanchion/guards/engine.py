"""The guard engine: runs the app's detectors for one direction and applies the policy.

This first version carries the contract the pipeline relies on; the detectors and the
full policy grammar plug in behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from stanchion.guards.base import ACTION_RANK, Action, Direction, Finding, Guard

if TYPE_CHECKING:
    from stanchion.pipeline.exchange import Exchange


class GuardPolicySpec(BaseModel):
    """The ``guards:`` section of the app spec."""

    model_config = ConfigDict(extra="forbid")

    block_message: str = "Sorry, I can't help with that request."


@dataclass(slots=True)
class GuardOutcome:
    """What a scan decided: the findings, the strongest action, and the text to use."""

    findings: list[Finding] = field(default_factory=list)
    action: Action = "allow"
    text: str = ""
    reply: str | None = None


class GuardEngine:
    """Runs detectors over text and maps findings to actions by the policy."""

    def __init__(self, policy: GuardPolicySpec, guards: list[Guard]) -> None:
        self.policy = policy
        self.guards = guards

    def scan(self, text: str, direction: Direction, exchange: Exchange | None) -> GuardOutcome:
        findings: list[Finding] = []
        for guard in self.guards:
            for finding in guard.check(text, exchange):
                finding.direction = direction
                findings.append(finding)
        action: Action = "allow"
        for finding in findings:
            if ACTION_RANK[finding.action] > ACTION_RANK[action]:
                action = finding.action
        reply = self.policy.block_message if action == "block" else None
        return GuardOutcome(findings=findings, action=action, text=text, reply=reply)

    def restore(self, text: str, exchange: Exchange) -> str:
        """Put pseudonymised values back for the caller who sent them."""
        for placeholder, value in exchange.pseudonyms.items():
            text = text.replace(placeholder, value)
        return text


def build_guard_engine(policy: GuardPolicySpec | None, app_dir: Path) -> GuardEngine:
    """Build the engine once at start-up from the spec's guard policy."""
    del app_dir
    return GuardEngine(policy or GuardPolicySpec(), [])
