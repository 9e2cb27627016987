"""Guards: detectors, the policy that maps their findings to actions, and the engine."""

from stanchion.guards.base import ACTION_RANK, Action, Direction, Finding, Guard
from stanchion.guards.engine import GuardEngine, GuardOutcome, GuardPolicySpec, build_guard_engine

__all__ = [
    "ACTION_RANK",
    "Action",
    "Direction",
    "Finding",
    "Guard",
    "GuardEngine",
    "GuardOutcome",
    "GuardPolicySpec",
    "build_guard_engine",
]
