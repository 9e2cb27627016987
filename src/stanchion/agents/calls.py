"""Checking the model's tool calls before the caller executes them.

For each call: was the tool offered to this caller (``tool.not_offered``: block); do the
arguments parse and match their schema (``tool.invalid_arguments``: the policy's action);
what do the guards find in each string value of the arguments (PII, secrets, direct and
indirect injection: the detectors of the input and context directions; the ``arguments``
rules, then the app's rules for the direction that found it); is the tool risky (``tool.risky``:
hold for a reviewer). A redacted value is replaced inside the JSON, so the arguments stay
JSON. Findings on arguments carry offsets into the string value they were found in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from stanchion.agents.policy import ToolPolicy
from stanchion.agents.schemas import check_value
from stanchion.guards.base import ACTION_RANK, Action, Finding

if TYPE_CHECKING:
    from stanchion.guards import GuardEngine
    from stanchion.pipeline.exchange import Exchange

DETECTOR = "tools@1"
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")


@dataclass(slots=True)
class Checked:
    """One call after the policy: the call to relay, what was found, the strongest action."""

    call: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    action: Action = "allow"
    problem: str | None = None

    def record(self, label: str) -> dict[str, Any]:
        """The trace form: names and decisions, never the argument values."""
        return {
            "id": self.call["id"],
            "tool": self.call["function"]["name"][:64],
            "label": label,
            "action": self.action,
            "findings": [f"{f.type}:{f.action}" for f in self.findings],
            **({"problem": self.problem} if self.problem else {}),
        }


def _finding(kind: str, length: int, action: Action) -> Finding:
    return Finding(kind, 0, length, 1.0, DETECTOR, direction="output", action=action)


class CallChecker:
    """The policy applied to one answer's tool calls."""

    def __init__(self, policy: ToolPolicy, engine: GuardEngine) -> None:
        self.policy, self.engine = policy, engine

    def restored(self, tool_call: dict[str, Any], ex: Exchange) -> dict[str, Any]:
        """The call with the caller's own values (pseudonymised on input) put back."""
        fn = tool_call["function"]
        args = str(fn["arguments"])
        if ex.pseudonyms:  # JSON-escaped, so the arguments stay JSON
            known = ex.pseudonyms
            args = PLACEHOLDER.sub(
                lambda m: (
                    orjson.dumps(known[m.group(0)]).decode()[1:-1]
                    if m.group(0) in known
                    else m.group(0)
                ),
                args,
            )
        return {**tool_call, "function": {"name": str(fn["name"]), "arguments": args}}

    def check(
        self, tool_call: dict[str, Any], offered: dict[str, dict[str, Any]], ex: Exchange
    ) -> Checked:
        out = Checked(self.restored(tool_call, ex))
        name, args = out.call["function"]["name"], out.call["function"]["arguments"]
        spec = self.policy.spec
        if name not in offered:
            out.findings.append(_finding("tool.not_offered", len(args), "block"))
            out.problem = "the tool was not offered"
            return self._settle(out)
        try:
            value = orjson.loads(args or "{}")
        except orjson.JSONDecodeError:
            return self._settle(self._invalid(out, "$: not JSON"))
        rule = self.policy.rule(name)
        schema = rule.parameters if rule and rule.parameters else offered[name].get("parameters")
        if isinstance(schema, dict) and (problem := check_value(schema, value)):
            self._invalid(out, problem)
        if spec.scan_arguments:
            value = self._scan(value, out, ex)
            if any(f.action == "redact" for f in out.findings):
                out.call["function"]["arguments"] = orjson.dumps(value).decode()
        if rule is not None and rule.risky:
            out.findings.append(_finding("tool.risky", len(args), "hold"))
        return self._settle(out)

    def _invalid(self, out: Checked, problem: str) -> Checked:
        size, action = len(out.call["function"]["arguments"]), self.policy.spec.invalid_arguments
        out.findings.append(_finding("tool.invalid_arguments", size, action))
        out.problem = problem
        return out

    def _scan(self, value: Any, out: Checked, ex: Exchange) -> Any:
        """Every string value through the input guards; redactions applied in place."""
        budget = [self.policy.spec.max_scanned_strings]

        def walk(node: Any) -> Any:
            if isinstance(node, str):
                if budget[0] <= 0:
                    return node
                budget[0] -= 1
                return self._scan_text(node, out, ex)
            if isinstance(node, list):
                return [walk(v) for v in node]
            if isinstance(node, dict):
                return {k: walk(v) for k, v in node.items()}
            return node

        return walk(value)

    def _scan_text(self, text: str, out: Checked, ex: Exchange) -> str:
        found: list[Finding] = []
        seen: set[tuple[str, int, int]] = set()
        for direction in self.policy.spec.scan_directions:
            for f in self.engine.detect(text, direction, ex):
                if (f.type, f.start, f.end) not in seen:
                    seen.add((f.type, f.start, f.end))
                    found.append(f)
        for f in found:
            f.action = self.policy.argument_action(f.type, f.score) or f.action
            f.direction = "output"
        out.findings += found
        if not any(f.action == "redact" for f in found):
            return text
        return self.engine.apply(text, found, "output", ex)

    @staticmethod
    def _settle(out: Checked) -> Checked:
        for f in out.findings:
            if ACTION_RANK[f.action] > ACTION_RANK[out.action]:
                out.action = f.action
        return out


def offered_tools(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The functions a request offers, by name."""
    out: dict[str, dict[str, Any]] = {}
    for t in params.get("tools") or []:
        fn = t.get("function") if isinstance(t, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            out[fn["name"]] = fn
    return out
