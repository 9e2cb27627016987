"""The cohort check: during a pilot, only the stage's users reach the model.

A pipeline stage right after ``authorize``. It reads the rollout's stage from a cache that
one task reloads every ``rollout.check_seconds`` (no database read per request); a caller
outside the cohort gets a 403 in OpenAI's error shape saying the app is in pilot. The stage
that admitted the caller is recorded on the trace (``Exchange.cohort``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from stanchion.errors import Forbidden
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.registry.cache import bucket
from stanchion.rollout import seats
from stanchion.rollout.canary import judge_canaries
from stanchion.rollout.controller import tick
from stanchion.rollout.spec import RolloutSpec, Stage
from stanchion.rollout.state import RolloutState, current
from stanchion.spec.model import AppSpec
from stanchion.store.db import Store

log = logging.getLogger("stanchion.rollout")
STAFF = "staff"


def members(ro: RolloutSpec, stage: Stage) -> frozenset[str]:
    names = set(stage.users)
    for group in stage.groups:
        names.update(ro.groups.get(group, ()))
    return frozenset(names)


class Cohorts:
    """Who each stage admits, and the current stage, cached."""

    def __init__(self, spec: AppSpec, store: Store, clock: Callable[[], float] = time.time):
        assert spec.rollout is not None
        self.spec, self.ro, self.store, self.clock = spec, spec.rollout, store, clock
        self.named = [members(self.ro, s) for s in self.ro.stages]
        self.state: RolloutState | None = None
        self.seats: dict[str, str] = {}  # user -> the sized stage whose seat they hold
        self.index_of = {s.name: i for i, s in enumerate(self.ro.stages)}
        self._task: asyncio.Task[None] | None = None

    def admits(self, index: int, user: str, role: str) -> str | None:
        """The name of the earliest stage up to ``index`` that admits the user, else None."""
        if role in self.ro.staff_roles:
            return STAFF
        seat = self.seats.get(user)
        if seat is not None and self.index_of.get(seat, index + 1) <= index:
            return seat
        for i, stage in enumerate(self.ro.stages[: index + 1]):
            if stage.everyone or user in self.named[i]:
                return stage.name
            if stage.percent and bucket(f"rollout:{self.spec.app}", user) < stage.percent:
                return stage.name
        return None

    def _read(self) -> tuple[RolloutState, dict[str, str]]:
        with self.store.engine.connect() as conn:
            return current(conn, self.spec), seats.load(conn, self.spec.app)

    async def seat(self, index: int, user: str) -> str | None:
        """A seat for ``user`` in the first sized stage up to ``index`` with room (one
        database write, on the user's first request), else None."""
        taken = seats.counts(self.seats)
        for stage in self.ro.stages[: index + 1]:
            if stage.size and taken[stage.name] < stage.size:

                def run(name: str = stage.name, size: int = stage.size) -> bool:
                    with self.store.engine.begin() as conn:
                        return seats.take(conn, self.spec.app, user, name, size, self.clock())

                if await self.store.run(run):
                    self.seats[user] = stage.name
                    return stage.name
        return None

    def _tick(self) -> str | None:
        with self.store.engine.begin() as conn:
            moved = tick(conn, self.spec, self.clock())
        if self.ro.canary_auto:
            judge_canaries(self.store, self.spec, self.clock())
        return moved

    async def refresh(self) -> RolloutState:
        state, self.seats = await self.store.run(self._read)
        self.state = state
        return state

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.ro.check_seconds)
            try:
                await self.store.run(self._tick)
                await self.refresh()
            except Exception as exc:  # keep serving the last known stage
                log.warning("rollout stage not reloaded: %s", type(exc).__name__)

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._watch())

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def refusal(self, stage: str) -> Forbidden:
        owner = self.spec.owners.business
        where = f" Training material: {self.ro.training}." if self.ro.training else ""
        return Forbidden(
            f"{self.spec.app} is in pilot (stage {stage!r}) and your account is not in"
            f" its cohort yet; ask the app's owner ({owner}) to be added.{where}",
            code="pilot_only",
        )


class CohortGate:
    """The pipeline stage: admit the caller by the current stage, or 403."""

    name = "cohort"

    def __init__(self, cohorts: Cohorts) -> None:
        self.cohorts = cohorts
        self.training = cohorts.ro.training

    async def check(self, principal: Principal) -> str:
        state = self.cohorts.state
        index = state.index if state is not None else 0
        cohort = self.cohorts.admits(index, principal.user, principal.role)
        if cohort is None:
            cohort = await self.cohorts.seat(index, principal.user)
        if cohort is None:
            raise self.cohorts.refusal(self.cohorts.ro.stages[index].name)
        return cohort

    async def __call__(self, ex: Exchange) -> None:
        if ex.principal is not None:
            ex.cohort = await self.check(ex.principal)
            # Shown to pilot users with each answer (``stanchion.rollout`` in the response).
            ex.annotations["rollout"] = {"cohort": ex.cohort, "training": self.training}
            ex.annotations["cohort"] = ex.cohort  # the KPI rollups' cohort dimension
