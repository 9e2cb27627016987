"""Guards: detectors, the policy that maps their findings to actions, and the engine."""

from stanchion.guards.base import ACTION_RANK, Action, Direction, Finding, Guard
from stanchion.guards.engine import GuardEngine, GuardOutcome, build_guard_engine
from stanchion.guards.policy import GuardPolicySpec, Rule
from stanchion.guards.stream import StreamGuard

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
