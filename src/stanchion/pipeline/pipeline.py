"""The pipeline: the stage list, assembled in one place, and the loop that runs it.

    authenticate -> authorize -> admit -> guard_input -> retrieve -> [trim] -> render
        -> generate -> guard_output -> decide -> record

A stage that decides early (a blocked prompt) makes the rest skip to ``decide``; ``record``
runs for every authenticated request, failed ones included.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from stanchion.agents.policy import ToolPolicy
from stanchion.errors import ApiError
from stanchion.pipeline.cascade import Cascade
from stanchion.pipeline.exchange import Exchange
from stanchion.pipeline.stage import Stage
from stanchion.pipeline.stages.admit import Admit
from stanchion.pipeline.stages.authenticate import Authenticate
from stanchion.pipeline.stages.authorize import Authorize
from stanchion.pipeline.stages.decide import Decide
from stanchion.pipeline.stages.generate import Generate
from stanchion.pipeline.stages.guard_input import GuardInput
from stanchion.pipeline.stages.guard_output import GuardOutput
from stanchion.pipeline.stages.record import Record
from stanchion.pipeline.stages.render import Render
from stanchion.pipeline.stages.retrieve import Retrieve
from stanchion.pipeline.stages.structured import CheckStructured
from stanchion.pipeline.stages.tools import CheckTools, OfferTools
from stanchion.pipeline.stages.trim import Trim
from stanchion.pipeline.streaming import stream_answer
from stanchion.providers.base import Chunk
from stanchion.rollout.gate import CohortGate
from stanchion.runtime import Runtime

_now = time.perf_counter


# A stage, its name, and whether it runs after an early decision (as decide does)
Step = tuple[Stage, str, bool]


def plan(stages: Sequence[Stage]) -> tuple[Step, ...]:
    """What ``run_stages`` asks of each stage on every request, asked once."""
    return tuple(
        (s, s.name, isinstance(s, Decide) or bool(getattr(s, "after_decision", False)))
        for s in stages
    )


async def run_stages(ex: Exchange, stages: Sequence[Stage]) -> None:
    await run_plan(ex, plan(stages))


async def run_plan(ex: Exchange, steps: tuple[Step, ...]) -> None:
    starts, timings = ex.stage_starts, ex.timings
    for stage, name, decided in steps:
        if not decided and ex.decision != "pass":
            continue
        t0 = starts[name] = _now()
        await stage(ex)
        timings[name] = (_now() - t0) * 1000


@dataclass
class Pipeline:
    before: list[Stage]
    generate: Generate
    after: list[Stage]
    record: Record
    rt: Runtime
    _before: tuple[Step, ...] = field(init=False, repr=False)
    _after: tuple[Step, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._before, self._after = plan(self.before), plan(self.after)

    async def _fail(self, ex: Exchange, err: ApiError) -> None:
        ex.status, ex.error, ex.decision = err.status, err.message, "error"
        if ex.principal is not None:
            await self.record(ex)

    async def run(self, ex: Exchange) -> None:
        """Run every stage for a non-streaming request; raises ``ApiError`` after recording."""
        try:
            await run_plan(ex, self._before)
            if ex.decision == "pass":
                t0 = ex.stage_starts["generate"] = _now()
                await self.generate(ex)
                ex.timings["generate"] = (_now() - t0) * 1000
            await run_plan(ex, self._after)
        except ApiError as err:
            await self._fail(ex, err)
            raise
        await self.record(ex)

    async def prepare(self, ex: Exchange) -> None:
        """The stages before generation, for a stream: errors here are still HTTP errors."""
        try:
            await run_plan(ex, self._before)
        except ApiError as err:
            await self._fail(ex, err)
            raise

    def stream(self, ex: Exchange) -> AsyncIterator[Chunk | ApiError]:
        """The streamed answer; after the last chunk the remaining stages run and record."""
        return stream_answer(self, ex)

    async def finish(self, ex: Exchange) -> None:
        try:
            await run_plan(ex, self._after)
        except ApiError as err:  # e.g. a structured answer that fails its schema
            await self._fail(ex, err)
            raise
        await self.record(ex)


def context_budget(rt: Runtime) -> int:
    """The most tokens retrieved sources can add to a prompt: k chunks of ``size`` words."""
    if rt.knowledge is None:
        return 0
    spec = rt.knowledge.spec
    most = spec.retrieval.k * (spec.chunking.size * 4 // 3 + 16)
    trimmed = rt.spec.limits.context_tokens
    return min(most, trimmed) if trimmed else most


def build_cascade(rt: Runtime) -> Cascade | None:
    """The model cascade when some route names a stronger one."""
    if not any(r.cascade for r in rt.spec.models.routes):
        return None
    return Cascade(rt.spec, rt.knowledge)


def build_pipeline(rt: Runtime) -> Pipeline:
    """Assemble the stage list from the spec: the one place the order is written."""
    before: list[Stage] = [
        Authenticate(rt.keys, rt.subjects),
        Authorize(rt.access),
        *([CohortGate(rt.cohorts)] if rt.cohorts is not None else []),
        Admit(rt.counters, rt.spec, rt.clock, rt.labels, context_budget(rt)),
        GuardInput(rt.guards),
    ]
    if rt.knowledge is not None:
        before.append(Retrieve(rt.knowledge, rt.guards))
        if rt.spec.limits.context_tokens:
            before.append(Trim(rt.spec, rt.spec.limits.context_tokens))
    before.append(Render(rt.labels, rt.guards))
    tools = ToolPolicy(rt.spec.tools)
    before.append(OfferTools(tools))
    after: list[Stage] = [
        GuardOutput(rt.guards, rt.knowledge),
        CheckTools(tools, rt.guards),
        Decide(rt.guards, rt.holds.hold),
        CheckStructured(),
    ]
    return Pipeline(
        before=before,
        generate=Generate(rt.router, rt.spec, rt.labels, rt.cache, build_cascade(rt)),
        after=after,
        record=Record(rt.traces, rt.metrics, rt.counters, rt.spans),
        rt=rt,
    )
