"""Guards: detectors, the policy that maps their findings to actions, and the engine.

The names below load on first use: ``stanchion.guards.base`` and ``.policy`` (what the spec
needs) import without the engine and its detectors' compiled tables, so loading a spec or
opening the store from the CLI does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stanchion.lazy import lazy_names

if TYPE_CHECKING:
    from stanchion.guards.base import ACTION_RANK, Action, Direction, Finding, Guard
    from stanchion.guards.engine import GuardEngine, GuardOutcome, build_guard_engine
    from stanchion.guards.policy import GuardPolicySpec, Rule
    from stanchion.guards.stream import StreamGuard

_WHERE = {
    "ACTION_RANK": "stanchion.guards.base",
    "Action": "stanchion.guards.base",
    "Direction": "stanchion.guards.base",
    "Finding": "stanchion.guards.base",
    "Guard": "stanchion.guards.base",
    "GuardEngine": "stanchion.guards.engine",
    "GuardOutcome": "stanchion.guards.engine",
    "build_guard_engine": "stanchion.guards.engine",
    "GuardPolicySpec": "stanchion.guards.policy",
    "Rule": "stanchion.guards.policy",
    "StreamGuard": "stanchion.guards.stream",
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

__getattr__, __dir__ = lazy_names(globals(), _WHERE, __all__)
