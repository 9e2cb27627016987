"""Moving the rollout: advance on the owners' approvals (or by itself when the gates held),
roll back a stage whose gates broke, with an alert.

    check = evaluate(conn, spec, now=time.time())   # figures, breaches, what is missing
    tick(conn, spec, now=time.time())               # the automatic moves; None when idle
    advance(conn, spec, actor="cli:ana")            # by command: gates held + approvals
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from stanchion.errors import Forbidden
from stanchion.rollout.alerts import raise_alert
from stanchion.rollout.measure import Figures, breaches, measure
from stanchion.rollout.signoff import latest
from stanchion.rollout.spec import Stage
from stanchion.rollout.state import RolloutState, current, move_to, plan
from stanchion.spec.model import AppSpec

AUTO = "rollout:auto"


@dataclass(frozen=True, slots=True)
class StageCheck:
    state: RolloutState
    stage: Stage
    figures: Figures
    breaches: list[str]
    held_for: float
    missing: list[str] = field(default_factory=list)  # what stands between it and the next

    @property
    def judged(self) -> bool:
        return self.figures.rated >= self.stage.min_rated

    def to_record(self) -> dict[str, Any]:
        return {
            "state": self.state.to_record(),
            "figures": self.figures.to_record(),
            "breaches": self.breaches,
            "held_for": self.held_for,
            "judged": self.judged,
            "missing": self.missing,
        }


def _missing(spec: AppSpec, check: StageCheck) -> list[str]:
    ro, stage = plan(spec), check.stage
    if check.state.index >= len(ro.stages) - 1:
        return ["last stage"]
    out = []
    if not check.judged:
        out.append(f"{check.figures.rated} of {stage.min_rated} rated answers")
    out.extend(check.breaches)
    if check.held_for < stage.hold:
        out.append(f"gates held {check.held_for:.0f}s of {stage.hold:.0f}s")
    return out


def evaluate(conn: Connection, spec: AppSpec, now: float | None = None) -> StageCheck:
    now = time.time() if now is None else now
    state = current(conn, spec)
    stage = plan(spec).stages[state.index]
    since = state.since
    admitted = [s.name for s in plan(spec).stages[: state.index + 1]]
    figures = measure(conn, spec.app, admitted, since, now + 1e-6)
    found = breaches(stage.gates, figures) if figures.rated >= stage.min_rated else []
    check = StageCheck(state, stage, figures, found, max(now - since, 0.0) if since else 0.0)
    check.missing.extend(_missing(spec, check))
    return check


def approvals_missing(conn: Connection, spec: AppSpec, state: RolloutState) -> list[str]:
    ro = plan(spec)
    target = ro.stages[min(state.index + 1, len(ro.stages) - 1)].name
    got = latest(conn, spec.app, f"stage:{target}", since=state.since)
    return [f"approval of stage:{target} by {f}" for f in ro.approvers if f not in got]


def start(conn: Connection, spec: AppSpec, actor: str, now: float) -> RolloutState:
    first = plan(spec).stages[0].name
    return move_to(conn, spec, first, actor=actor, action="start", now=lambda: now)


def advance(
    conn: Connection, spec: AppSpec, *, actor: str, now: float | None = None
) -> RolloutState:
    """Advance by command: the stage's gates held for its period and the approvers signed."""
    now = time.time() if now is None else now
    check = evaluate(conn, spec, now)
    if not check.state.since:
        raise Forbidden("the rollout has not started: run `stanchion rollout start`")
    problems = check.missing + approvals_missing(conn, spec, check.state)
    if problems:
        raise Forbidden(
            f"stage {check.stage.name!r} cannot advance: {'; '.join(problems)}",
            code="rollout_not_ready",
        )
    return _advance(conn, spec, check, actor, "gates held; approved", now)


def _advance(
    conn: Connection, spec: AppSpec, check: StageCheck, actor: str, note: str, now: float
) -> RolloutState:
    target = plan(spec).stages[check.state.index + 1].name
    detail = {"figures": check.figures.to_record()}
    return move_to(
        conn, spec, target, actor=actor, action="advance", note=note, detail=detail,
        now=lambda: now,
    )  # fmt: skip


def _roll_back(conn: Connection, spec: AppSpec, check: StageCheck, now: float) -> RolloutState:
    ro = plan(spec)
    target = ro.stages[max(check.state.index - 1, 0)].name
    note = "; ".join(check.breaches)
    moved = move_to(
        conn,
        spec,
        target,
        actor=AUTO,
        action="rollback",
        note=note,
        detail={"figures": check.figures.to_record(), "breaches": check.breaches},
        now=lambda: now,
    )
    raise_alert(
        conn,
        spec.app,
        "rollout.gate_breached",
        f"stage {check.stage.name!r} broke its gates ({note}); rolled back to {target!r}",
        {"from": check.stage.name, "to": target, "breaches": check.breaches},
    )
    return moved


def tick(conn: Connection, spec: AppSpec, now: float | None = None) -> str | None:
    """The automatic moves: ``rollback`` on a breached gate, ``advance`` when an
    ``auto_advance`` stage held its gates for its period; None when nothing moved."""
    now = time.time() if now is None else now
    check = evaluate(conn, spec, now)
    if not check.state.since:
        return None
    if check.judged and check.breaches:
        _roll_back(conn, spec, check, now)
        return "rollback"
    if check.stage.auto_advance and not check.missing:
        _advance(conn, spec, check, AUTO, "gates held for the period", now)
        return "advance"
    return None
