"""Where an app's rollout stands, and every move of it (each one an audit event).

with store.engine.begin() as conn:
    st = current(conn, spec)                      # the first stage until a move
    move_to(conn, spec, "wider", actor="cli:ana", action="advance", note="gates held")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from stanchion.errors import BadRequest
from stanchion.rollout.schema import rollout_state
from stanchion.rollout.spec import RolloutSpec
from stanchion.spec.model import AppSpec
from stanchion.store.audit import append_audit

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class RolloutState:
    stage: str
    index: int
    since: float
    moved_by: str
    status: str  # active | rolled_back
    note: str
    generation: int

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def plan(spec: AppSpec) -> RolloutSpec:
    if spec.rollout is None:
        raise BadRequest("this app's spec has no rollout: section", code="no_rollout")
    return spec.rollout


def current(conn: Connection, spec: AppSpec) -> RolloutState:
    """The stored stage; before any move, the first stage (since 0: never started)."""
    ro = plan(spec)
    row = conn.execute(select(rollout_state).where(rollout_state.c.app == spec.app)).first()
    if row is None:
        return RolloutState(ro.stages[0].name, 0, 0.0, "", "active", "", 0)
    index = ro.index(row.stage)
    if index is None:  # the spec dropped the stage: start again at the first
        return RolloutState(ro.stages[0].name, 0, row.since, row.moved_by, "active", "", 0)
    return RolloutState(
        row.stage, index, row.since, row.moved_by, row.status, row.note, row.generation
    )


def move_to(
    conn: Connection,
    spec: AppSpec,
    stage: str,
    *,
    actor: str,
    action: str,
    note: str = "",
    detail: dict[str, Any] | None = None,
    now: Clock = time.time,
) -> RolloutState:
    """Set the stage (``action``: start, advance, rollback) and append the audit event."""
    ro = plan(spec)
    index = ro.index(stage)
    if index is None:
        raise BadRequest(f"no stage {stage!r}; stages: {[s.name for s in ro.stages]}")
    before = current(conn, spec)
    status = "rolled_back" if action == "rollback" else "active"
    at = now()
    values: dict[str, Any] = {
        "stage": stage,
        "since": at,
        "moved_by": actor,
        "status": status,
        "note": note,
        "generation": before.generation + 1,
    }
    done = conn.execute(
        update(rollout_state)
        .where(rollout_state.c.app == spec.app, rollout_state.c.generation == before.generation)
        .values(**values)
    )
    if done.rowcount == 0:
        conn.execute(rollout_state.insert().values(app=spec.app, **values))
    after = RolloutState(stage, index, at, actor, status, note, before.generation + 1)
    append_audit(
        conn,
        actor,
        f"rollout.{action}",
        f"{spec.app}:{stage}",
        {"from": before.stage, "to": stage, "note": note, **(detail or {})},
    )
    return after
