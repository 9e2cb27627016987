"""The KPI-gated canary: while a label splits traffic between its version and a canary,
compare the two on ratings, groundedness, block rate, latency and cost with the sequential
test (``sequential.py``), then promote the canary or roll it back, by itself.

    d = check_canary(conn, spec, "prompt", "system", "production", apply=True)
    d.action   # continue | promote | rollback | inconclusive

Promotion moves the label onto the canary (it already passed the label's approvals when
the split began); a rollback or an inconclusive end sets the split to 0, production keeps
the label. Each is an audit event (``canary.promote``...) carrying the figures; a rollback
also raises an alert.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from stanchion.errors import BadRequest
from stanchion.registry.labels import LabelState, get_label, list_labels, move
from stanchion.registry.schema import feedback
from stanchion.rollout.alerts import raise_alert
from stanchion.rollout.sequential import Arms, CanaryTest, Decision
from stanchion.spec.model import AppSpec
from stanchion.store.audit import append_audit
from stanchion.store.db import Store
from stanchion.store.schema import traces

ACTOR = "canary:auto"


def _prompt_version(row: Any) -> str | None:
    return str(row.prompt_id) if row.prompt_id else None


def _model_version(row: Any) -> str | None:
    value = orjson.loads(row.annotations or "{}").get("model_version")
    return str(value) if value else None


VERSION_OF: dict[str, Callable[[Any], str | None]] = {
    "prompt": _prompt_version,
    "model": _model_version,
}


def observation(row: Any, rating: float | None) -> dict[str, float | None]:
    notes = orjson.loads(row.annotations or "{}")
    blocked = row.decision == "block"
    grounded = notes.get("grounded")
    return {
        "rating": rating,
        "grounded": None if grounded is None else float(bool(grounded)),
        "blocked": float(blocked),
        "latency": float(row.latency_ms),
        "cost": None if blocked or row.status != 200 else float(row.cost),
    }


def collect(conn: Connection, app: str, kind: str, state: LabelState) -> tuple[Arms, Arms]:
    """Production's and the canary's figures from the traces since the split began."""
    version_of = VERSION_OF[kind]
    t, f = traces.c, feedback.c
    ratings = dict(
        conn.execute(
            select(f.trace_id, func.avg(f.score))
            .join(traces, t.id == f.trace_id)
            .where(t.app == app, t.created_at >= state.moved_at)
            .group_by(f.trace_id)
        ).all()
    )
    rows = conn.execute(
        select(t.id, t.prompt_id, t.annotations, t.decision, t.status, t.latency_ms, t.cost)
        .where(t.app == app, t.created_at >= state.moved_at)
        .order_by(t.created_at)
    ).all()
    arms = {state.version_id: Arms(), state.canary_id: Arms()}
    for row in rows:
        arm = arms.get(version_of(row))
        if arm is not None:
            rating = ratings.get(row.id)
            arm.add(observation(row, None if rating is None else float(rating)))
    return arms[state.version_id], arms[state.canary_id]


def _act(
    conn: Connection, spec: AppSpec, kind: str, state: LabelState, d: Decision, now: float
) -> None:
    assert state.canary_id is not None
    rules = spec.registry
    if d.action == "promote":
        move(conn, spec.app, kind, state.label, state.canary_id, actor=ACTOR, rules=rules,
             now=lambda: now)  # fmt: skip
    else:
        move(conn, spec.app, kind, state.label, state.canary_id, actor=ACTOR, rules=rules,
             canary_percent=0, now=lambda: now)  # fmt: skip
    detail = {"canary": state.canary_id, "production": state.version_id, **d.to_record()}
    append_audit(conn, ACTOR, f"canary.{d.action}", f"{state.name}:{state.label}", detail)
    if d.action == "rollback":
        raise_alert(
            conn,
            spec.app,
            "canary.rolled_back",
            f"canary {state.canary_id} of {state.name}:{state.label} was worse on "
            f"{', '.join(d.worse)}; production {state.version_id} keeps the label",
            detail,
        )


def check_canary(
    conn: Connection,
    spec: AppSpec,
    kind: str,
    name: str,
    label: str,
    *,
    apply: bool,
    test: CanaryTest | None = None,
    now: float | None = None,
) -> Decision:
    if kind not in VERSION_OF:
        raise BadRequest(f"kind must be one of {sorted(VERSION_OF)}", param="kind")
    state = get_label(conn, spec.app, kind, name, label)
    if state is None or state.canary_id is None:
        raise BadRequest(f"{kind} {name!r} has no canary on label {label!r}", code="no_canary")
    prod, canary = collect(conn, spec.app, kind, state)
    decision = (test or CanaryTest()).decide(prod, canary)
    if apply and decision.action != "continue":
        _act(conn, spec, kind, state, decision, time.time() if now is None else now)
    return decision


def judge_canaries(store: Store, spec: AppSpec, now: float) -> list[Decision]:
    """Every running canary of the app, judged and acted on, each in its own transaction."""
    out = []
    for kind in VERSION_OF:
        with store.engine.connect() as conn:
            running = [s for s in list_labels(conn, spec.app, kind) if s.canary_id]
        for state in running:
            with store.engine.begin() as conn:
                now_state = get_label(conn, spec.app, kind, state.name, state.label)
                if now_state is None or now_state.canary_id != state.canary_id:
                    continue  # another replica acted on it meanwhile
                out.append(
                    check_canary(conn, spec, kind, state.name, state.label, apply=True, now=now)
                )
    return out
