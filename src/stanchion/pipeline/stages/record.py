from __future__ import annotations

import time
from typing import Protocol

from stanchion.errors import ServiceUnavailable, SpoolFull
from stanchion.limits import Counters
from stanchion.pipeline.after import after_answer
from stanchion.pipeline.exchange import Exchange
from stanchion.store.trace_writer import TraceWriter
from stanchion.telemetry.metrics import Metrics
from stanchion.telemetry.observe import observe_exchange

DAY = 86_400


class SpanSink(Protocol):
    def submit(self, ex: Exchange) -> None: ...


class Record:
    """Hand the exchange to the trace writer (and the span exporter, when one is configured)
    and count it. Runs for every authenticated call.

    The trace is in the local spool when this returns, so before the answer leaves; the
    metrics are counted after it has left (``after_answer``), timed as of now."""

    name = "record"

    def __init__(
        self,
        traces: TraceWriter,
        metrics: Metrics,
        counters: Counters,
        spans: SpanSink | None = None,
    ) -> None:
        self.traces, self.metrics, self.counters, self.spans = traces, metrics, counters, spans

    async def __call__(self, ex: Exchange) -> None:
        after_answer(observe_exchange, self.metrics, ex, time.perf_counter())
        if ex.reservation is not None:
            reservation, ex.reservation = ex.reservation, None
            used = ex.completion.usage if ex.completion is not None else None
            tokens = used.prompt_tokens + used.completion_tokens if used is not None else 0
            await self.counters.settle(reservation, ex.cost, tokens)
        elif ex.cost:
            await self.counters.add("spend", ex.cost, DAY)
        try:
            await self.traces.commit(ex)
        except SpoolFull:
            # No answer leaves without its trace: with the store away this long, refuse.
            raise ServiceUnavailable(
                "traces cannot be recorded right now; retry later", retry_after=5
            ) from None
        if self.spans is not None:
            self.spans.submit(ex)
