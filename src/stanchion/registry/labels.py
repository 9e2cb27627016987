"""Labels (``production``, ``staging``, ``canary``, custom): the only moving parts.

A label points at one version of one name, optionally with a canary version taking a
percentage of users. Moving a protected label needs the approvals the spec names (the
author may not approve their own version) and, if required, a passing evaluation. Every
move, rollback, approval and rejection is an audit event, and bumps the generation every
replica's cache watches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from stanchion.errors import BadRequest, Forbidden, NotFound
from stanchion.evals.gates import check, parse
from stanchion.registry.schema import (
    eval_experiments,
    reg_approvals,
    reg_label_history,
    reg_labels,
    reg_state,
    reg_versions,
)
from stanchion.registry.spec import RegistrySpec
from stanchion.store import generation as generations
from stanchion.store.audit import append_audit

Clock = Callable[[], float]
Verify = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class LabelState:
    name: str
    label: str
    version_id: str
    canary_id: str | None
    canary_percent: int
    moved_at: float
    moved_by: str

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def _head(conn: Connection, app: str, kind: str, vid: str) -> Any:
    row = conn.execute(
        select(reg_versions.c.name, reg_versions.c.author).where(
            reg_versions.c.app == app, reg_versions.c.kind == kind, reg_versions.c.id == vid
        )
    ).first()
    if row is None:
        raise NotFound(f"no {kind} version {vid!r} in app {app!r}")
    return row


def bump_generation(conn: Connection, app: str, now: Clock = time.time) -> None:
    """Tell every replica that a label moved."""
    generations.bump(conn, reg_state, app, now)


def generation(conn: Connection, app: str) -> int:
    return generations.read(conn, reg_state, app)


def decide(
    conn: Connection,
    app: str,
    kind: str,
    vid: str,
    label: str,
    *,
    user: str,
    role: str,
    approve: bool,
    comment: str,
    rules: RegistrySpec,
    now: Clock = time.time,
) -> None:
    """Record an approval or a rejection of ``vid`` for ``label`` by a user in ``role``."""
    head = _head(conn, app, kind, vid)
    if role not in rules.approvers:
        raise Forbidden(
            f"role {role!r} does not approve versions here; approvers: "
            f"{', '.join(rules.approvers)}",
            code="not_an_approver",
        )
    if approve and head.author == user:
        raise Forbidden("the author of a version may not approve it", code="self_approval")
    decision = "approve" if approve else "reject"
    conn.execute(
        reg_approvals.insert().values(
            app=app,
            kind=kind,
            version_id=vid,
            label=label,
            role=role,
            actor=user,
            decision=decision,
            comment=comment,
            at=now(),
        )
    )
    append_audit(
        conn,
        user,
        f"{kind}.{decision}",
        vid,
        {"app": app, "label": label, "role": role, "comment": comment},
    )


def missing_approvals(
    conn: Connection, app: str, kind: str, vid: str, label: str, rules: RegistrySpec
) -> list[str]:
    """What still stands between ``vid`` and ``label``: one line per approver role."""
    rows = conn.execute(
        select(reg_approvals)
        .where(
            reg_approvals.c.app == app,
            reg_approvals.c.kind == kind,
            reg_approvals.c.version_id == vid,
            reg_approvals.c.label == label,
        )
        .order_by(reg_approvals.c.seq)
    ).all()
    latest = {r.role: r for r in rows}
    problems = []
    for role in rules.approvers:
        r = latest.get(role)
        if r is None:
            problems.append(f"needs an approval from role {role!r}")
        elif r.decision != "approve":
            problems.append(f"rejected by {r.actor} ({role}): {r.comment or 'no comment'}")
    return problems


def eval_problem(
    conn: Connection, app: str, kind: str, vid: str, rules: RegistrySpec
) -> str | None:
    column = (
        eval_experiments.c.prompt_version if kind == "prompt" else eval_experiments.c.model_version
    )
    row = conn.execute(
        select(eval_experiments.c.id, eval_experiments.c.summary)
        .where(
            eval_experiments.c.app == app,
            column == vid,
        )
        .order_by(eval_experiments.c.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return f"no evaluation of {vid}: run `stanchion eval run` against it first"
    failures = check(parse(rules.eval_gate or ""), orjson.loads(row.summary))
    if failures:
        return f"experiment {row.id} fails the gate: {'; '.join(failures)}"
    return None


def _check(
    conn: Connection, app: str, kind: str, vid: str, label: str, rules: RegistrySpec
) -> None:
    if label in rules.protected:
        problems = missing_approvals(conn, app, kind, vid, label, rules)
        if problems:
            raise Forbidden(
                f"{vid} cannot take label {label!r}: {'; '.join(problems)}",
                code="approval_required",
            )
    if label in rules.require_eval_before:
        problem = eval_problem(conn, app, kind, vid, rules)
        if problem:
            raise Forbidden(problem, code="evaluation_required")


def get_label(conn: Connection, app: str, kind: str, name: str, label: str) -> LabelState | None:
    row = conn.execute(
        select(reg_labels).where(
            reg_labels.c.app == app,
            reg_labels.c.kind == kind,
            reg_labels.c.name == name,
            reg_labels.c.label == label,
        )
    ).first()
    return _state(row) if row else None


def _state(row: Any) -> LabelState:
    return LabelState(
        row.name,
        row.label,
        row.version_id,
        row.canary_id,
        row.canary_percent,
        row.moved_at,
        row.moved_by,
    )


def list_labels(conn: Connection, app: str, kind: str) -> list[LabelState]:
    rows = conn.execute(
        select(reg_labels)
        .where(reg_labels.c.app == app, reg_labels.c.kind == kind)
        .order_by(reg_labels.c.name, reg_labels.c.label)
    ).all()
    return [_state(r) for r in rows]


def label_history(
    conn: Connection, app: str, kind: str, limit: int = 50
) -> list[dict[str, object]]:
    """The newest label moves of an app's prompts or models, newest first; ``undone``: a
    later rollback took this move back."""
    h = reg_label_history
    rows = conn.execute(
        select(
            h.c.name,
            h.c.label,
            h.c.version_id,
            h.c.canary_id,
            h.c.canary_percent,
            h.c.at,
            h.c.actor,
            h.c.undone,
        )
        .where(h.c.app == app, h.c.kind == kind)
        .order_by(h.c.seq.desc())
        .limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]


def _write(conn: Connection, app: str, kind: str, state: LabelState, history: bool) -> None:
    key = (
        reg_labels.c.app == app,
        reg_labels.c.kind == kind,
        reg_labels.c.name == state.name,
        reg_labels.c.label == state.label,
    )
    values = {
        "version_id": state.version_id,
        "canary_id": state.canary_id,
        "canary_percent": state.canary_percent,
        "moved_at": state.moved_at,
        "moved_by": state.moved_by,
    }
    if conn.execute(update(reg_labels).where(*key).values(**values)).rowcount == 0:
        conn.execute(
            reg_labels.insert().values(
                app=app, kind=kind, name=state.name, label=state.label, **values
            )
        )
    if history:
        conn.execute(
            reg_label_history.insert().values(
                app=app,
                kind=kind,
                name=state.name,
                label=state.label,
                version_id=state.version_id,
                canary_id=state.canary_id,
                canary_percent=state.canary_percent,
                at=state.moved_at,
                actor=state.moved_by,
                undone=False,
            )
        )
    bump_generation(conn, app, lambda: state.moved_at)


def move(
    conn: Connection,
    app: str,
    kind: str,
    label: str,
    vid: str,
    *,
    actor: str,
    rules: RegistrySpec,
    canary_percent: int | None = None,
    now: Clock = time.time,
    verify: Verify | None = None,
) -> LabelState:
    """Point ``label`` at ``vid``; with ``canary_percent``, ``vid`` takes that share of users
    while the label's current version keeps the rest (0 ends the canary). ``verify(vid)``
    raises if the version cannot be served; then nothing is written."""
    name = _head(conn, app, kind, vid).name
    current = get_label(conn, app, kind, name, label)
    if canary_percent is None:
        state = LabelState(name, label, vid, None, 0, now(), actor)
    else:
        if not 0 <= canary_percent <= 100:
            raise BadRequest("canary percent must be 0-100", param="canary_percent")
        if current is None:
            raise BadRequest(
                f"label {label!r} of {name!r} points nowhere yet: move it before splitting traffic",
                param="canary_percent",
            )
        if vid == current.version_id:
            raise BadRequest(f"{vid} already holds {label!r}", param="version")
        canary = vid if canary_percent else None
        state = LabelState(
            name, label, current.version_id, canary, canary_percent if canary else 0, now(), actor
        )
    if state.canary_id is not None or canary_percent is None:
        _check(conn, app, kind, vid, label, rules)
        if verify is not None:
            verify(vid)
    _write(conn, app, kind, state, history=True)
    append_audit(
        conn,
        actor,
        f"{kind}.label",
        f"{name}:{label}",
        {"app": app, **state.to_record(), "previous": current.to_record() if current else None},
    )
    return state


def rollback(
    conn: Connection,
    app: str,
    kind: str,
    name: str,
    label: str,
    *,
    actor: str,
    rules: RegistrySpec,
    now: Clock = time.time,
    verify: Verify | None = None,
) -> LabelState:
    """Move ``label`` back to where it pointed before its last move (repeatable)."""
    rows = conn.execute(
        select(reg_label_history)
        .where(
            reg_label_history.c.app == app,
            reg_label_history.c.kind == kind,
            reg_label_history.c.name == name,
            reg_label_history.c.label == label,
            reg_label_history.c.undone.is_(False),
        )
        .order_by(reg_label_history.c.seq.desc())
        .limit(2)
    ).all()
    if len(rows) < 2:
        raise BadRequest(f"label {label!r} of {name!r} has no earlier position to roll back to")
    latest, target = rows
    state = LabelState(
        name, label, target.version_id, target.canary_id, target.canary_percent, now(), actor
    )
    for vid in filter(None, (state.version_id, state.canary_id)):
        _check(conn, app, kind, vid, label, rules)
        if verify is not None:
            verify(vid)
    conn.execute(
        update(reg_label_history).where(reg_label_history.c.seq == latest.seq).values(undone=True)
    )
    _write(conn, app, kind, state, history=False)
    append_audit(
        conn,
        actor,
        f"{kind}.rollback",
        f"{name}:{label}",
        {"app": app, **state.to_record(), "from": latest.version_id},
    )
    return state
