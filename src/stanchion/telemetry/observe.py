"""What one finished exchange adds to the metrics: called by the record stage.

Every label value is bounded: the app and route names come from the spec, the version from
the registry, the stage names from the pipeline, decisions and finding types from fixed
sets, statuses are HTTP codes. Nothing a caller typed becomes a label.
"""

from __future__ import annotations

import time

from stanchion.pipeline.exchange import Exchange
from stanchion.telemetry.metrics import Labels, Metrics, Record


class _Route:
    """The series one app and route write, each bound on its first use (so the scrape's order
    is the one the plain calls give) and kept for the process."""

    def __init__(self, m: Metrics, app: str, route: str) -> None:
        self.m, self.app, self.route = m, ("app", app), ("route", route)
        self.pair = (self.app, self.route)
        self.requests: dict[tuple[str, int], Record] = {}
        self.seconds: Record | None = None
        self.duration: Record | None = None
        self.stages: dict[str, Record] = {}
        self.bound: dict[tuple[str, object], Record] = {}
        self.usage: dict[str, tuple[Record, Record]] = {}
        self.costs: dict[str, Record] = {}

    def request(self, decision: str, status: int) -> Record:
        found = self.requests.get((decision, status))
        if found is None:
            labels = (*self.pair, ("decision", decision), ("status", str(status)))
            found = self.m.counter("stanchion_requests_total", labels, held=True)
            self.requests[(decision, status)] = found
        return found

    def latencies(self) -> tuple[Record, Record]:
        if self.seconds is None or self.duration is None:
            m, pair = self.m, self.pair
            self.seconds = m.histogram("stanchion_request_seconds", pair, held=True)
            self.duration = m.histogram("stanchion_request_duration_seconds", pair, held=True)
        return self.seconds, self.duration

    def stage(self, name: str) -> Record:
        found = self.stages.get(name)
        if found is None:
            labels = (self.app, ("stage", name))
            found = self.m.histogram("stanchion_stage_seconds", labels, held=True)
            self.stages[name] = found
        return found

    def series(self, name: str, extra: object, labels: Labels, counter: bool = True) -> Record:
        """A series of ``name`` whose ``labels`` follow from ``extra`` (and this app and
        route), bound the first time that pair comes."""
        found = self.bound.get((name, extra))
        if found is None:
            make = self.m.counter if counter else self.m.histogram
            found = self.bound[(name, extra)] = make(name, labels, held=True)
        return found

    def tokens(self, version: str) -> tuple[Record, Record]:
        """The prompt and completion token counters of one model version."""
        found = self.usage.get(version)
        if found is None:
            at = (*self.pair, ("version", version))
            found = self.usage[version] = (
                self.m.counter("stanchion_tokens_total", (*at, ("kind", "prompt")), held=True),
                self.m.counter("stanchion_tokens_total", (*at, ("kind", "completion")), held=True),
            )
        return found

    def cost(self, version: str) -> Record:
        found = self.costs.get(version)
        if found is None:
            at = (*self.pair, ("version", version))
            found = self.costs[version] = self.m.counter("stanchion_cost_total", at, held=True)
        return found


def observe_exchange(m: Metrics, ex: Exchange, now: float | None = None) -> None:
    """Count the request, its latencies, tokens, cost, findings and grounding."""
    end = time.perf_counter() if now is None else now
    key = (_Route, ex.app, ex.route or "")
    series: _Route | None = m.bound.get(key)
    if series is None:
        series = m.bound[key] = _Route(m, key[1], key[2])
    with m.lock:  # the series below are bound ``held``: written under this one lock
        _counts(series, ex, end)
        _usage(series, ex)
        _quality(series, ex)
    _agents(m, ex, series.app)


def _counts(series: _Route, ex: Exchange, end: float) -> None:
    series.request(ex.decision, ex.status)(1)
    timings = ex.timings
    seconds, duration = series.latencies()
    seconds(sum(timings.values()) / 1000)
    duration(max(end - ex.t0, 0.0))
    for stage, ms in timings.items():
        series.stage(stage)(ms / 1000)
    pair = series.pair
    if ex.first_token is not None:
        name = "stanchion_time_to_first_token_seconds"
        series.series(name, None, pair, counter=False)(ex.first_token - ex.t0)
    if ex.status >= 400:
        labels = (*pair, ("status", str(ex.status)))
        series.series("stanchion_errors_total", ex.status, labels)(1)
    if ex.decision == "refuse":
        series.series("stanchion_refusals_total", None, pair)(1)


def _usage(series: _Route, ex: Exchange) -> None:
    if ex.completion is None and not ex.cost:
        return
    version = str(ex.annotations.get("model_version") or "")
    if ex.completion is not None:
        u = ex.completion.usage
        prompt, completion = series.tokens(version)  # declared even when no tokens came
        if u.prompt_tokens:
            prompt(u.prompt_tokens)
        if u.completion_tokens:
            completion(u.completion_tokens)
    if ex.cost:
        series.cost(version)(ex.cost)


def _quality(series: _Route, ex: Exchange) -> None:
    ann, app = ex.annotations, series.app
    if "grounded" in ann:
        grounded = bool(ann["grounded"])
        labels = (app, ("grounded", "yes" if grounded else "no"))
        series.series("stanchion_grounding_checks_total", grounded, labels)(1)
        if not grounded:
            series.series("stanchion_unsupported_answers_total", None, (app,))(1)
    score = ann.get("groundedness")
    if isinstance(score, (int, float)):
        name = "stanchion_groundedness_score"
        series.series(name, None, (app,), counter=False)(float(score))
    for f in ex.findings:
        labels = (("type", f.type), ("action", f.action))
        series.series("stanchion_findings_total", (f.type, f.action), labels)(1)


def _agents(m: Metrics, ex: Exchange, app: tuple[str, str]) -> None:
    """Tool calls by the spec's rule name (never the caller's tool name) and the action the
    policy took; withheld offers; structured-output outcomes."""
    tools = ex.annotations.get("tools") or {}
    for call in tools.get("calls") or []:
        labels = (app, ("tool", str(call["label"])), ("action", str(call["action"])))
        m.inc("stanchion_tool_calls_total", labels)
    if tools.get("withheld"):
        m.inc("stanchion_tools_withheld_total", (app,), len(tools["withheld"]))
    outcome = (ex.annotations.get("structured") or {}).get("outcome")
    if outcome:
        m.inc("stanchion_structured_outputs_total", (app, ("outcome", str(outcome))))
