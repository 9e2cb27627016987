"""Guards: detectors, the policy that maps their findings to actions, and the engine.

The names below load on first use: ``stanchion.guards.base`` and ``.policy`` (what the spec
needs) import without the engine and its detectors' compiled tables, so loading a spec or
opening the store from the CLI does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stanchion.guards.base import ACTION_RANK, Action, Direction, Finding, Guard
    from stanchion.guards.engine import GuardEngine, GuardOutcome, build_guard_engine
    from stanchion.guards.policy import GuardPolicySpec, Rule
    from stanchion.guards.stream import StreamGuard

_WHERE = {
    "ACTION_RANK": "base",
    "Action": "base",
    "Direction": "base",
    "Finding": "base",
    "Guard": "base",
    "GuardEngine": "engine",
    "GuardOutcome": "engine",
    "build_guard_engine": "engine",
    "GuardPolicySpec": "policy",
    "Rule": "policy",
    "StreamGuard": "stream",
}

__all__ = [
    "ACTION_RANK",
    "Action",
    "Direction",
    "Finding",
    "Guard",
    "GuardEngine",
    "GuardOutcome",
    "GuardPolicySpec",
    "Rule",
    "StreamGuard",
    "build_guard_engine",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
