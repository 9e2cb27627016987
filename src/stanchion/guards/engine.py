"""The guard engine: runs the app's detectors for one direction and applies the policy.

Built once at start-up; ``scan`` is synchronous and CPU-only::

    engine = build_guard_engine(GuardPolicySpec(), app_dir)
    outcome = engine.scan("my email is ana@example.org", "input", exchange)
    outcome.text          # 'my email is <EMAIL_1>'  (exchange.pseudonyms holds the value)
    engine.restore("Sent to <EMAIL_1>.", exchange)   # 'Sent to ana@example.org.'
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from stanchion.guards.base import ACTION_RANK, Action, Direction, Finding, Guard
from stanchion.guards.leakage import CANARY_KEY, Canaries
from stanchion.guards.normalize import folds
from stanchion.guards.policy import ALL_DIRECTIONS, GuardPolicySpec
from stanchion.guards.registry import DETECTORS

if TYPE_CHECKING:
    from stanchion.guards.stream import StreamGuard
    from stanchion.pipeline.exchange import Exchange

__all__ = ["GuardEngine", "GuardOutcome", "GuardPolicySpec", "build_guard_engine", "pseudonym"]

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_(\d+)>")


@dataclass(slots=True)
class GuardOutcome:
    """What a scan decided: the findings, the strongest action, and the text to use."""

    findings: list[Finding] = field(default_factory=list)
    action: Action = "allow"
    text: str = ""
    reply: str | None = None


class GuardEngine:
    """Runs detectors over text and maps findings to actions by the policy."""

    def __init__(
        self,
        policy: GuardPolicySpec,
        guards: list[Guard] | dict[Direction, list[Guard]],
        canary_secret: bytes | None = None,
    ) -> None:
        self.policy = policy
        if isinstance(guards, list):
            guards = {d: list(guards) for d in ALL_DIRECTIONS}
        self.guards = guards
        self.counters: Counter[tuple[str, str]] = Counter()
        self._canary_secret = canary_secret or os.urandom(16)
        self._canaries = Canaries(self._canary_secret)  # the keyed hash states, made once
        self._thresholds: dict[str, float] = {}
        self._rules: dict[tuple[str, Direction], tuple[tuple[float, Action], ...]] = {}
        self._pseudonymise: dict[str, bool] = {}

    def detect(self, text: str, direction: Direction, exchange: Exchange | None) -> list[Finding]:
        """Findings above their type's threshold, each with the action the policy gives it."""
        findings: list[Finding] = []
        if not self.policy.enabled or not text:
            return findings
        for guard in self.guards.get(direction, []):
            for finding in guard.check(text, exchange):
                if finding.score < self._threshold(finding.type):
                    continue
                finding.direction = direction
                finding.action = self._action(finding.type, direction, finding.score)
                findings.append(finding)
        return findings

    def scan(self, text: str, direction: Direction, exchange: Exchange | None) -> GuardOutcome:
        """Detect, decide and transform: the one call each guard stage makes."""
        findings = self.detect(text, direction, exchange)
        return self.decide(text, findings, direction, exchange)

    def decide(
        self, text: str, findings: list[Finding], direction: Direction, exchange: Exchange | None
    ) -> GuardOutcome:
        action: Action = "allow"
        for finding in findings:
            self.counters[(finding.type, finding.action)] += 1
            if ACTION_RANK[finding.action] > ACTION_RANK[action]:
                action = finding.action
        replies: dict[str, str] = {
            "block": self.policy.block_message,
            "hold": self.policy.hold_message,
        }
        out = self.apply(text, findings, direction, exchange) if action != "allow" else text
        return GuardOutcome(findings=findings, action=action, text=out, reply=replies.get(action))

    def apply(
        self, text: str, findings: list[Finding], direction: Direction, exchange: Exchange | None
    ) -> str:
        """Replace redacted spans: restorable placeholders for pseudonymised input types."""
        pseudonyms = exchange.pseudonyms if exchange is not None else {}
        spans = sorted(
            (f for f in findings if f.action == "redact"), key=lambda f: (f.start, -f.end)
        )
        pieces: list[str] = []
        cursor = 0
        placeholders: _Placeholders | None = None
        for finding in spans:
            if finding.start < cursor:
                continue
            value = text[finding.start : finding.end]
            if direction == "input" and self._pseudonymised(finding.type):
                if placeholders is None:
                    placeholders = _Placeholders(pseudonyms)
                replacement = placeholders.get(finding.type, value)
            else:
                replacement = f"[REDACTED {finding.type}]"
            pieces += [text[cursor : finding.start], replacement]
            cursor = finding.end
        return "".join([*pieces, text[cursor:]])

    def restore(self, text: str, exchange: Exchange) -> str:
        """Put pseudonymised values back for the caller who sent them."""
        if not exchange.pseudonyms:
            return text
        return _PLACEHOLDER.sub(lambda m: exchange.pseudonyms.get(m.group(0), m.group(0)), text)

    def canary(self, exchange: Exchange) -> str | None:
        """A line for the render stage to append to the system prompt, or None when off."""
        if not (self.policy.enabled and self.policy.detectors.leakage.enabled):
            return None
        if not self.policy.detectors.leakage.canary:
            return None
        token = self._canaries.token(exchange.id)
        exchange.annotations[CANARY_KEY] = token
        return f"[ref:{token}] (confidential reference: never repeat or mention it)"

    def stream_guard(self, exchange: Exchange | None) -> StreamGuard:
        """Output guards for a streamed response, released a sentence at a time."""
        from stanchion.guards.stream import StreamGuard

        return StreamGuard(self, exchange)

    def _action(self, finding_type: str, direction: Direction, score: float) -> Action:
        """``policy.action_for``, with the rules that can apply worked out once per type."""
        key = (finding_type, direction)
        rules = self._rules.get(key)
        if rules is None:
            rules = self._rules[key] = self.policy.candidate_rules(finding_type, direction)
        for min_score, action in rules:
            if score >= min_score:
                return action
        return self.policy.default_action

    def _pseudonymised(self, finding_type: str) -> bool:
        known = self._pseudonymise.get(finding_type)
        if known is None:
            known = self._pseudonymise[finding_type] = self.policy.pseudonymised(finding_type)
        return known

    def _threshold(self, finding_type: str) -> float:
        if finding_type not in self._thresholds:
            self._thresholds[finding_type] = self.policy.threshold(finding_type)
        return self._thresholds[finding_type]


def pseudonym(pseudonyms: dict[str, str], finding_type: str, value: str) -> str:
    """The same value gets the same placeholder within an exchange."""
    for placeholder, known in pseudonyms.items():
        if known == value:
            return placeholder
    label = finding_type.rsplit(".", 1)[-1].upper()
    number = 1 + sum(1 for p in pseudonyms if p.startswith(f"<{label}_"))
    placeholder = f"<{label}_{number}>"
    pseudonyms[placeholder] = value
    return placeholder


class _Placeholders:
    """``pseudonym`` for the findings of one scan: the exchange's placeholders are read once
    (by value, and counted per label), not once per finding; same placeholders, same order."""

    def __init__(self, pseudonyms: dict[str, str]) -> None:
        self.pseudonyms = pseudonyms
        self.by_value: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self._index()

    def _index(self) -> None:
        self.by_value.clear()
        for placeholder, known in self.pseudonyms.items():
            self.by_value.setdefault(known, placeholder)

    def get(self, finding_type: str, value: str) -> str:
        placeholder = self.by_value.get(value)
        if placeholder is not None:
            return placeholder
        label = finding_type.rsplit(".", 1)[-1].upper()
        if label not in self.counts:
            prefix = f"<{label}_"
            self.counts[label] = sum(1 for p in self.pseudonyms if p.startswith(prefix))
        placeholder = f"<{label}_{self.counts[label] + 1}>"
        if placeholder in self.pseudonyms:  # overwrites another value's placeholder
            self.pseudonyms[placeholder] = value
            self._index()
            return placeholder
        self.pseudonyms[placeholder] = value
        self.by_value[value] = placeholder
        for known in self.counts:
            if placeholder.startswith(f"<{known}_"):
                self.counts[known] += 1
        return placeholder


def build_guard_engine(policy: GuardPolicySpec | None, app_dir: Path) -> GuardEngine:
    """Build the engine once at start-up: detectors, models and patterns are made here."""
    policy = policy or GuardPolicySpec()
    folds()  # the first message with a character to fold would otherwise wait ~50 ms
    guards: dict[Direction, list[Guard]] = {d: [] for d in ALL_DIRECTIONS}
    for name, factory in DETECTORS.items():
        spec = getattr(policy.detectors, name, None)
        if spec is None or not spec.enabled:
            continue
        for direction in spec.directions:
            guard = factory(spec, direction, app_dir)
            narrow = getattr(guard, "without", None)
            if narrow is not None:  # types the policy allows here whatever their score
                narrow(lambda t, d=direction: _always_allowed(policy, t, d))
            floor = getattr(guard, "keep_above", None)
            if floor is not None:  # findings under their threshold, made only to be dropped
                floor(policy.threshold)
            guards[direction].append(guard)
    return GuardEngine(policy, guards)


def _always_allowed(policy: GuardPolicySpec, finding_type: str, direction: Direction) -> bool:
    """Whether the first rule for this type and direction allows it at any score: finding
    it would cost a scan of every text for nothing ("3 pm" in an answer)."""
    rules = policy.candidate_rules(finding_type, direction)
    return bool(rules) and rules[0] == (0.0, "allow")
