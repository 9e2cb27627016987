"""The ``tools:`` and ``structured_outputs:`` sections of an app spec.

Nothing is needed for tool calls to work: by default every tool the client offers reaches
the model, arguments are checked against the schema the client declared and scanned by the
input guards (PII is only flagged, secrets and injections block). An app narrows it::

    tools:
      unlisted: deny                 # tools no rule names are withheld from the model
      rules:
        - {name: lookup_order, roles: [user, agent]}
        - name: refund_payment
          roles: [agent]
          risky: true                # each call waits for a reviewer
          parameters:                # enforced instead of the client's declared schema
            type: object
            properties: {order_id: {type: string, pattern: "^A-[0-9]{6}$"}}
            required: [order_id]
      arguments:                     # guard findings in arguments, before the input rules
        - {match: "pii.*", action: flag}
      scan_directions: [input, context]   # also indirect injection (default: input)
    structured_outputs:
      on_invalid: retry              # or error
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stanchion.agents.schemas import schema_problem
from stanchion.guards.base import Action, Direction


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolRule(_Spec):
    """Tools whose name matches ``name`` (a glob): who may be offered and call them."""

    name: str = Field(min_length=1, max_length=64)
    roles: list[str] | None = Field(None, description="roles offered the tool; none = all")
    risky: bool = Field(False, description="every call is held for a reviewer")
    parameters: dict[str, Any] | None = Field(
        None, description="JSON Schema the arguments must match (instead of the client's)"
    )

    @field_validator("parameters")
    @classmethod
    def _compiles(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is not None and (problem := schema_problem(v)):
            raise ValueError(f"not a usable JSON Schema: {problem}")
        return v


class ArgumentRule(_Spec):
    """Guard findings in tool arguments whose type matches ``match`` get ``action``."""

    match: str
    action: Action
    min_score: float = 0.0


def _input_only() -> list[Direction]:
    return ["input"]


DEFAULT_ARGUMENT_RULES = (ArgumentRule(match="pii.*", action="flag"),)


class ToolsSpec(_Spec):
    """The ``tools:`` section: which tools are offered to whom, and how calls are checked."""

    enabled: bool = True
    unlisted: Literal["allow", "deny"] = "allow"
    rules: list[ToolRule] = Field(default_factory=list)
    scan_arguments: bool = True
    scan_directions: list[Direction] = Field(
        default_factory=_input_only,
        description="whose detectors and rules scan arguments: input (PII, secrets, direct "
        "injection); add context for indirect injection carried in third-party text (it also "
        "fires on plain task instructions: bench/tools.py replay)",
    )
    invalid_arguments: Action = Field(
        "block", description="arguments that are not JSON or fail their schema"
    )
    arguments: list[ArgumentRule] = Field(default_factory=lambda: list(DEFAULT_ARGUMENT_RULES))
    max_scanned_strings: int = Field(256, gt=0, description="string values scanned per call")


class StructuredSpec(_Spec):
    """``response_format: json_schema`` (and ``json_object``): what a failing answer gets."""

    on_invalid: Literal["error", "retry"] = Field(
        "retry", description="retry once (JSON answers), then a 422 error"
    )


class ToolPolicy:
    """The ``tools:`` section, compiled: the rule a tool name falls under, and what a role
    may be offered."""

    def __init__(self, spec: ToolsSpec) -> None:
        self.spec = spec

    def rule(self, name: str) -> ToolRule | None:
        return next((r for r in self.spec.rules if fnmatchcase(name, r.name)), None)

    def may_offer(self, name: str, role: str) -> bool:
        if not self.spec.enabled:
            return True
        rule = self.rule(name)
        if rule is None:
            return self.spec.unlisted == "allow"
        return rule.roles is None or role in rule.roles

    def label(self, name: str) -> str:
        """A bounded metric label: the spec's rule name, never the caller's tool name."""
        rule = self.rule(name)
        return rule.name if rule is not None else "unlisted"

    def argument_action(self, finding_type: str, score: float) -> Action | None:
        for r in self.spec.arguments:
            if fnmatchcase(finding_type, r.match) and score >= r.min_score:
                return r.action
        return None
