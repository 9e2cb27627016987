"""OpenTelemetry spans for finished exchanges, exported over OTLP/HTTP when configured.

    spans = build_spans(spec, settings)   # None unless STANCHION_OTLP_ENDPOINT is set
    spans.submit(ex)                      # the record stage; spans are built off the loop

One span tree per request: a root ``chat {model}`` server span and one child per stage
that ran, the ``generate`` child carrying the GenAI semantic conventions (``gen_ai.*``).
The OTel trace id is the stored trace's id (both are 128 random bits), so a trace in the
store, its spans in the collector and its log lines share one id. Prompts and answers are
exported only when the spec says ``telemetry: {content: true}``.

The request path pays one queue put; the spans are made and exported by a daemon thread
and the SDK's batch processor. Without an endpoint nothing is built or imported.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson

from stanchion import __version__
from stanchion.pipeline.exchange import Exchange
from stanchion.settings import Settings
from stanchion.spec.model import AppSpec

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanProcessor
    from opentelemetry.trace import SpanContext

log = logging.getLogger("stanchion.spans")
_STOP = object()
HEX_ID = 32


def parse_headers(raw: str | None) -> dict[str, str]:
    """``k1=v1,k2=v2`` (values URL-encoded, as OTEL_EXPORTER_OTLP_HEADERS) as a dict."""
    out: dict[str, str] = {}
    for part in (raw or "").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            out[unquote(key.strip())] = unquote(value.strip())
    return out


def traces_url(endpoint: str) -> str:
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


def _trace_int(trace_id: str) -> int | None:
    if len(trace_id) != HEX_ID:
        return None
    try:
        return int(trace_id, 16) or None
    except ValueError:
        return None


def genai_attributes(ex: Exchange, providers: dict[str, str]) -> dict[str, Any]:
    """The GenAI semantic-convention attributes of one exchange (no content); ``providers``
    names each route's provider, for completions that do not say (streams)."""
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": ex.request.model,
    }
    comp = ex.completion
    if comp is not None:
        provider = comp.provider or providers.get(ex.route or "", "")
        attrs |= {
            "gen_ai.provider.name": provider,
            "gen_ai.system": provider,
            "gen_ai.response.model": comp.model,
            "gen_ai.response.finish_reasons": [comp.finish_reason or ""],
            "gen_ai.usage.input_tokens": comp.usage.prompt_tokens,
            "gen_ai.usage.output_tokens": comp.usage.completion_tokens,
        }
    for key in ("max_tokens", "temperature", "top_p"):
        value = ex.request.params.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attrs[f"gen_ai.request.{key}"] = value
    return attrs


def request_attributes(ex: Exchange) -> dict[str, Any]:
    version = ex.annotations.get("model_version")
    attrs: dict[str, Any] = {
        "stanchion.trace_id": ex.id,
        "stanchion.app": ex.app,
        "stanchion.route": ex.route or "",
        "stanchion.decision": ex.decision,
        "stanchion.cost": ex.cost,
        "stanchion.stream": ex.request.stream,
        "http.response.status_code": ex.status,
    }
    if version:
        attrs["stanchion.model_version"] = str(version)
    if ex.prompt_id:
        attrs["stanchion.prompt_id"] = ex.prompt_id
    if ex.status >= 400:
        attrs["error.type"] = str(ex.status)
    return attrs


def content_attributes(ex: Exchange) -> dict[str, str]:
    out = {"role": "assistant", "parts": [{"type": "text", "content": ex.response_text}]}
    return {
        "gen_ai.input.messages": orjson.dumps(ex.rendered or ex.messages).decode(),
        "gen_ai.output.messages": orjson.dumps([out]).decode(),
    }


class Spans:
    """Builds the span tree of each submitted exchange on its own thread and hands it to
    the SDK's batch processor. The spans are made as finished ``ReadableSpan`` objects:
    they describe an exchange that is over, so the live-span machinery (sampling, locks,
    attribute re-validation: some 50 us a span) has nothing to add."""

    def __init__(
        self, processor: SpanProcessor, resource: Resource, content: bool, sample: float = 1.0
    ) -> None:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import ReadableSpan
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope

        self._readable, self._otel = ReadableSpan, trace
        self.processor, self.resource, self.content = processor, resource, content
        self.providers: dict[str, str] = {}
        # Decided when the exchange is over, so every unusual one can be kept.
        self.keep_below = int(max(0.0, min(sample, 1.0)) * 16**8)
        self.scope = InstrumentationScope("stanchion", __version__)
        self._offset = time.time_ns() - time.perf_counter_ns()
        self._rng = random.Random()
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="stanchion-spans", daemon=True)
        self._thread.start()

    def submit(self, ex: Exchange) -> None:
        if ex.decision == "pass" and not self.sampled(ex.id):
            return
        self._q.put((ex, time.perf_counter()))

    def sampled(self, trace_id: str) -> bool:
        """The same answer for the same trace id in every replica (its first 32 bits)."""
        if self.keep_below >= 16**8:
            return True
        try:
            return int(trace_id[:8], 16) < self.keep_below
        except ValueError:
            return True

    def _ns(self, mark: float) -> int:
        return self._offset + int(mark * 1e9)

    def _loop(self) -> None:
        while (item := self._q.get()) is not _STOP:
            try:
                self.emit(*item)
            except Exception:  # a span must never take the process down
                log.exception("a span tree could not be made")

    def _context(self, trace_id: int) -> SpanContext:
        span_id = self._rng.getrandbits(64) or 1
        return self._otel.SpanContext(trace_id, span_id, False, self._otel.TraceFlags(1))

    def _span(self, name: str, ctx: SpanContext, parent: SpanContext | None, **kw: Any) -> None:
        span = self._readable(
            name,
            context=ctx,
            parent=parent,
            resource=self.resource,
            instrumentation_scope=self.scope,
            **kw,
        )
        self.processor.on_end(span)

    def emit(self, ex: Exchange, end: float) -> None:
        """The span tree of one exchange: the root, then a child per stage that ran."""
        SpanKind, Status, StatusCode = self._otel.SpanKind, self._otel.Status, self._otel.StatusCode
        attrs = request_attributes(ex) | genai_attributes(ex, self.providers)
        if self.content:
            attrs |= content_attributes(ex)
        root = self._context(_trace_int(ex.id) or self._rng.getrandbits(128) or 1)
        marks = sorted(ex.stage_starts.items(), key=lambda kv: kv[1])
        for i, (name, start) in enumerate(marks):
            stop = marks[i + 1][1] if i + 1 < len(marks) else end
            if name in ex.timings:
                stop = start + ex.timings[name] / 1000
            self._stage(ex, name, start, max(stop, start), root)
        status = Status(StatusCode.ERROR) if ex.decision == "error" else Status(StatusCode.UNSET)
        self._span(
            f"chat {ex.request.model}",
            root,
            None,
            kind=SpanKind.SERVER,
            attributes=attrs,
            status=status,
            start_time=self._ns(ex.t0),
            end_time=self._ns(end),
        )

    def _stage(self, ex: Exchange, name: str, start: float, stop: float, root: SpanContext) -> None:
        SpanKind = self._otel.SpanKind
        attrs: dict[str, Any] = {"stanchion.stage": name}
        kind, span_name = SpanKind.INTERNAL, f"stage {name}"
        if name == "generate":
            attrs |= genai_attributes(ex, self.providers)
            kind = SpanKind.CLIENT
            span_name = f"chat {ex.completion.model if ex.completion else ex.request.model}"
            if ex.first_token is not None:
                attrs["stanchion.time_to_first_token_s"] = ex.first_token - ex.t0
        ctx = self._context(root.trace_id)
        self._span(
            span_name,
            ctx,
            root,
            kind=kind,
            attributes=attrs,
            start_time=self._ns(start),
            end_time=self._ns(stop),
        )

    def close(self, timeout: float = 10.0) -> None:
        """Export what is queued, then stop (blocking: call it off the event loop)."""
        self._q.put(_STOP)
        self._thread.join(timeout)
        self.processor.shutdown()


def build_spans(spec: AppSpec, settings: Settings) -> Spans | None:
    """The span exporter for this process, or None (and no OTel import) without an endpoint."""
    if not settings.otlp_endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            "service.name": spec.telemetry.service_name or spec.app,
            "service.version": __version__,
        }
    )
    exporter = OTLPSpanExporter(
        endpoint=traces_url(settings.otlp_endpoint),
        headers=parse_headers(settings.otlp_headers),
    )
    processor = BatchSpanProcessor(exporter, max_queue_size=8192, schedule_delay_millis=500)
    spans = Spans(processor, resource, spec.telemetry.content, settings.otlp_sample)
    spans.providers = {r.name: r.provider for r in spec.models.routes}
    return spans
