"""The tool policy around generation (``agents/``; docs/agents.md).

``OfferTools`` (before generate): the tools this caller's role may be offered; the others
are withheld from the model, and naming one in ``tool_choice`` is a 403.
``CheckTools`` (after the output guards): each tool call the model made, checked before the
caller gets it; its findings go to the decide stage like any other (block, hold, redact).
"""

from __future__ import annotations

from typing import Any

from stanchion.agents.calls import CallChecker, offered_tools
from stanchion.agents.policy import ToolPolicy
from stanchion.errors import Forbidden
from stanchion.guards import GuardEngine
from stanchion.pipeline.exchange import Exchange

KEY = "tools"
TOOL_FIELDS = ("tools", "tool_choice", "parallel_tool_calls")


class OfferTools:
    name = "offer_tools"

    def __init__(self, policy: ToolPolicy) -> None:
        self.policy = policy

    async def __call__(self, ex: Exchange) -> None:
        params = ex.request.params
        names = list(offered_tools(params))
        if not names:
            return
        role = ex.principal.role if ex.principal else ""
        offered = [n for n in names if self.policy.may_offer(n, role)]
        withheld = [n for n in names if n not in offered]
        ex.annotations[KEY] = {"offered": offered, "withheld": withheld}
        choice = params.get("tool_choice")
        named = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
        if named in withheld or (choice == "required" and not offered):
            raise Forbidden(
                "tool_choice names a tool this caller may not use", code="tool_not_allowed",
                param="tool_choice",
            )  # fmt: skip


def model_params(ex: Exchange) -> dict[str, Any]:
    """The request's parameters as the model gets them: withheld tools taken out."""
    params = ex.request.params
    seen = ex.annotations.get(KEY)
    if not seen or not seen["withheld"]:
        return params
    offered = set(seen["offered"])
    kept = [t for t in params["tools"] if t["function"]["name"] in offered]
    if kept:
        return {**params, "tools": kept}
    return {k: v for k, v in params.items() if k not in TOOL_FIELDS}


class CheckTools:
    name = "check_tools"

    def __init__(self, policy: ToolPolicy, engine: GuardEngine) -> None:
        self.policy = policy
        self.checker = CallChecker(policy, engine)

    async def __call__(self, ex: Exchange) -> None:
        comp = ex.completion
        if comp is None or not comp.tool_calls or ex.decision != "pass":
            return
        if not self.policy.spec.enabled:
            ex.tool_calls = [self.checker.restored(tc, ex) for tc in comp.tool_calls]
            return
        seen = ex.annotations.setdefault(KEY, {"offered": [], "withheld": []})
        allowed = set(seen["offered"])
        offered = {n: fn for n, fn in offered_tools(ex.request.params).items() if n in allowed}
        checked = [self.checker.check(tc, offered, ex) for tc in comp.tool_calls]
        for c in checked:
            ex.findings.extend(c.findings)
        seen["calls"] = [c.record(self.policy.label(c.call["function"]["name"])) for c in checked]
        ex.tool_calls = [c.call for c in checked]
