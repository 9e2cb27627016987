"""What the readiness checks read, gathered once: the spec, the store's figures, the keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from stanchion.errors import StanchionError
from stanchion.registry.prompts import load_system_prompt
from stanchion.rollout.measure import Figures, measure
from stanchion.rollout.state import current
from stanchion.settings import Settings
from stanchion.spec.model import AppSpec
from stanchion.store.keys import KeyRecord, list_keys

WINDOW = 30 * 86_400.0


@dataclass(frozen=True, slots=True)
class Ctx:
    conn: Connection
    spec: AppSpec
    settings: Settings
    now: float
    encrypted: bool
    keys: list[KeyRecord]
    prompt_id: str | None
    started: bool
    pilot: Figures | None  # the first stage's cohort, all time
    figures: Figures  # the last 30 days: the rollout's cohorts, or every trace without one


def cohorts(spec: AppSpec) -> list[str] | None:
    """The users a report counts: with a rollout its cohorts (not staff, not evaluation
    runs), else every trace."""
    return [s.name for s in spec.rollout.stages] if spec.rollout else None


def _prompt_id(spec: AppSpec, app_dir: Path) -> str | None:
    try:
        prompt = load_system_prompt(spec, app_dir)
    except (StanchionError, OSError):
        return None
    return prompt.id if prompt else None


def gather(
    conn: Connection,
    spec: AppSpec,
    app_dir: Path,
    settings: Settings,
    now: float,
    encrypted: bool,
) -> Ctx:
    pilot, started = None, False
    if spec.rollout is not None:
        pilot = measure(conn, spec.app, [spec.rollout.stages[0].name], 0.0, now + 1)
        started = current(conn, spec).since > 0
    return Ctx(
        conn=conn,
        spec=spec,
        settings=settings,
        now=now,
        encrypted=encrypted,
        keys=[k for k in list_keys(conn) if k.app in (None, spec.app)],
        prompt_id=_prompt_id(spec, app_dir),
        started=started,
        pilot=pilot,
        figures=measure(conn, spec.app, cohorts(spec), now - WINDOW, now + 1),
    )
