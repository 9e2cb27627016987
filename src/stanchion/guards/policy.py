"""The ``guards:`` section of an app spec, and how it turns a finding into an action.

A minimal spec needs nothing: the defaults block secrets, injections and jailbreaks on input,
pseudonymise personal data on input and block toxic output. An app adds its own::

    guards:
      block_message: "I can't help with that."
      detectors:
        pii: {regions: [US, GB, DE]}
        topics:
          enabled: true
          denied:
            - name: legal_advice
              description: Advice on a legal matter, lawsuits, contracts
              examples: ["Can I sue my landlord?", "Is this contract enforceable?"]
      thresholds: {"pii.person": 0.8}
      rules:
        - {match: "topic.*", action: block}
        - {match: "pii.email", direction: output, action: redact}
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from stanchion.guards.base import Action, Direction

ALL_DIRECTIONS: list[Direction] = ["input", "output", "context"]


def _directions(*names: Direction) -> list[Direction]:
    return list(names or ALL_DIRECTIONS)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DetectorSpec(_Spec):
    """What every detector shares: on or off, and which directions it looks at."""

    enabled: bool = True
    directions: list[Direction] = Field(default_factory=_directions)


class PiiSpec(DetectorSpec):
    directions: list[Direction] = Field(default_factory=lambda: _directions("input", "output"))
    types: list[str] = Field(
        default_factory=lambda: [
            "email", "phone", "credit_card", "iban", "us_ssn", "ip_address", "date_of_birth",
            "address", "person", "date_time", "age", "location", "title", "zip_code", "url",
        ]
    )  # fmt: skip
    regions: list[str] = Field(default_factory=lambda: ["US", "GB", "DE", "FR", "IN", "AU"])
    context_words: dict[str, list[str]] = Field(
        default_factory=dict, description="Extra words per type (e.g. phone) that raise scores."
    )


# PII that is personal by what it says about someone, not by its shape: on by default, and
# flagged (recorded, counted) rather than redacted on input unless a rule says so, because
# the model needs "ship to Canada" or "in 1990" to answer; in answers, where dates and places
# are the content, found but allowed.
CONTEXTUAL_PII = ("date_time", "age", "location", "title", "zip_code", "url", "nrp", "organization")


class SecretsSpec(DetectorSpec):
    entropy_threshold: float = 3.5


class InjectionSpec(DetectorSpec):
    directions: list[Direction] = Field(default_factory=lambda: _directions("input", "context"))
    extra_phrases: list[str] = Field(default_factory=list)
    learned: list[Direction] = Field(
        default_factory=lambda: _directions("input"),
        description="Directions where the shipped n-gram model adds to the rules; [] for none.",
    )


class ToxicitySpec(DetectorSpec):
    directions: list[Direction] = Field(default_factory=lambda: _directions("output"))
    threshold: float = 0.5
    words: list[str] = Field(default_factory=list, description="Per-app denied words.")
    words_file: Path | None = Field(None, description="One word a line, relative to the app.")
    allow_words: list[str] = Field(default_factory=list)


class DeniedTopic(_Spec):
    name: str
    description: str
    examples: list[str] = Field(default_factory=list)
    threshold: float | None = None


class TopicsSpec(DetectorSpec):
    enabled: bool = False
    directions: list[Direction] = Field(default_factory=lambda: _directions("input", "output"))
    threshold: float = 0.3
    denied: list[DeniedTopic] = Field(default_factory=list)


class LeakageSpec(DetectorSpec):
    directions: list[Direction] = Field(default_factory=lambda: _directions("output"))
    canary: bool = True
    min_overlap_words: int = Field(8, description="A run of this many system-prompt words leaks.")


class DetectorsSpec(_Spec):
    pii: PiiSpec = Field(default_factory=PiiSpec)
    secrets: SecretsSpec = Field(default_factory=SecretsSpec)
    injection: InjectionSpec = Field(default_factory=InjectionSpec)
    toxicity: ToxicitySpec = Field(default_factory=ToxicitySpec)
    topics: TopicsSpec = Field(default_factory=TopicsSpec)
    leakage: LeakageSpec = Field(default_factory=LeakageSpec)


class Rule(_Spec):
    """Finding types matching ``match`` (a glob) in ``direction`` get ``action``."""

    match: str
    direction: Direction | None = None
    action: Action
    min_score: float = 0.0


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(match="secret.*", direction="input", action="block"),
    Rule(match="secret.*", action="redact"),
    Rule(match="injection.direct", direction="input", action="block"),
    Rule(match="jailbreak", direction="input", action="block"),
    Rule(match="injection.*", direction="context", action="redact"),
    *(Rule(match=f"pii.{t}", direction="input", action="flag") for t in CONTEXTUAL_PII),
    *(Rule(match=f"pii.{t}", direction="output", action="allow") for t in CONTEXTUAL_PII),
    Rule(match="pii.*", direction="input", action="redact"),
    Rule(match="toxicity.*", direction="output", action="block"),
    Rule(match="topic.*", action="block"),
    Rule(match="leak.*", direction="output", action="block"),
)


class GuardPolicySpec(_Spec):
    """The ``guards:`` section of the app spec: detectors, thresholds and rules."""

    enabled: bool = True
    block_message: str = "Sorry, I can't help with that request."
    hold_message: str = "Your request is waiting for review."
    detectors: DetectorsSpec = Field(default_factory=DetectorsSpec)
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Minimum score per finding type glob; default 0.5."
    )
    rules: list[Rule] = Field(default_factory=list, description="Checked before the defaults.")
    default_rules: bool = True
    default_action: Action = "flag"
    pseudonymise: list[str] = Field(
        default_factory=lambda: ["pii.*"],
        description="Types replaced on input by restorable placeholders when redacted.",
    )

    def threshold(self, finding_type: str) -> float:
        """The most specific threshold: an exact type beats the longest matching glob."""
        if finding_type in self.thresholds:
            return self.thresholds[finding_type]
        globs = [g for g in self.thresholds if fnmatchcase(finding_type, g)]
        return self.thresholds[max(globs, key=len)] if globs else 0.5

    def action_for(self, finding_type: str, direction: Direction, score: float) -> Action:
        """First matching rule of the app, then of the defaults, else ``default_action``."""
        for min_score, action in self.candidate_rules(finding_type, direction):
            if score >= min_score:
                return action
        return self.default_action

    def candidate_rules(
        self, finding_type: str, direction: Direction
    ) -> tuple[tuple[float, Action], ...]:
        """(min_score, action) of the rules matching a type and direction, in order."""
        rules = [*self.rules, *(DEFAULT_RULES if self.default_rules else ())]
        return tuple(
            (rule.min_score, rule.action)
            for rule in rules
            if rule.direction in (None, direction) and fnmatchcase(finding_type, rule.match)
        )

    def pseudonymised(self, finding_type: str) -> bool:
        return any(fnmatchcase(finding_type, g) for g in self.pseudonymise)
