from __future__ import annotations

from stanchion.errors import ServiceUnavailable, SpoolFull
from stanchion.limits import Counters
from stanchion.pipeline.exchange import Exchange
from stanchion.store.traces import TraceWriter
from stanchion.telemetry.metrics import Metrics

DAY = 86_400


class Record:
    """Hand the exchange to the trace writer and count it. Runs for every authenticated call.

    The trace is in the local spool when this returns, so before the answer leaves."""

    name = "record"

    def __init__(self, traces: TraceWriter, metrics: Metrics, counters: Counters) -> None:
        self.traces, self.metrics, self.counters = traces, metrics, counters

    async def __call__(self, ex: Exchange) -> None:
        labels = (("app", ex.app), ("route", ex.route or ""), ("decision", ex.decision))
        m = self.metrics
        m.inc("stanchion_requests_total", (*labels, ("status", str(ex.status))))
        m.observe("stanchion_request_seconds", sum(ex.timings.values()) / 1000, labels[:2])
        if ex.completion is not None:
            u = ex.completion.usage
            m.inc("stanchion_tokens_total", (*labels[:2], ("kind", "prompt")), u.prompt_tokens)
            m.inc(
                "stanchion_tokens_total", (*labels[:2], ("kind", "completion")), u.completion_tokens
            )
        if ex.cost:
            m.inc("stanchion_cost_total", labels[:2], ex.cost)
        if ex.reservation is not None:
            reservation, ex.reservation = ex.reservation, None
            await self.counters.settle(reservation, ex.cost)
        elif ex.cost:
            await self.counters.add("spend", ex.cost, DAY)
        if "grounded" in ex.annotations:
            grounded = "yes" if ex.annotations["grounded"] else "no"
            m.inc("stanchion_grounding_checks_total", (labels[0], ("grounded", grounded)))
        for f in ex.findings:
            m.inc("stanchion_findings_total", (("type", f.type), ("action", f.action)))
        try:
            await self.traces.commit(ex)
        except SpoolFull:
            # No answer leaves without its trace: with the store away this long, refuse.
            raise ServiceUnavailable(
                "traces cannot be recorded right now; retry later", retry_after=5
            ) from None
