"""What one finished exchange adds to the metrics: called by the record stage.

Every label value is bounded: the app and route names come from the spec, the version from
the registry, the stage names from the pipeline, decisions and finding types from fixed
sets, statuses are HTTP codes. Nothing a caller typed becomes a label.
"""

from __future__ import annotations

import time

from stanchion.pipeline.exchange import Exchange
from stanchion.telemetry.metrics import Metrics, Record


class _Route:
    """The series one app and route write on every request, bound once per process."""

    def __init__(self, m: Metrics, app: str, route: str) -> None:
        self.m, self.app, self.route = m, ("app", app), ("route", route)
        pair = (self.app, self.route)
        self.seconds = m.histogram("stanchion_request_seconds", pair)
        self.duration = m.histogram("stanchion_request_duration_seconds", pair)
        self.stages: dict[str, Record] = {}
        self.usage: dict[str, tuple[Record, Record]] = {}
        self.costs: dict[str, Record] = {}

    def stage(self, name: str) -> Record:
        found = self.stages.get(name)
        if found is None:
            labels = (self.app, ("stage", name))
            found = self.stages[name] = self.m.histogram("stanchion_stage_seconds", labels)
        return found

    def tokens(self, version: str) -> tuple[Record, Record]:
        """The prompt and completion token counters of one model version."""
        found = self.usage.get(version)
        if found is None:
            at = (self.app, self.route, ("version", version))
            found = self.usage[version] = (
                self.m.counter("stanchion_tokens_total", (*at, ("kind", "prompt"))),
                self.m.counter("stanchion_tokens_total", (*at, ("kind", "completion"))),
            )
        return found

    def cost(self, version: str) -> Record:
        found = self.costs.get(version)
        if found is None:
            at = (self.app, self.route, ("version", version))
            found = self.costs[version] = self.m.counter("stanchion_cost_total", at)
        return found


def observe_exchange(m: Metrics, ex: Exchange, now: float | None = None) -> None:
    """Count the request, its latencies, tokens, cost, findings and grounding."""
    end = time.perf_counter() if now is None else now
    key = (_Route, ex.app, ex.route or "")
    series: _Route | None = m.bound.get(key)
    app, route = (series.app, series.route) if series else (("app", key[1]), ("route", key[2]))
    m.inc(
        "stanchion_requests_total",
        (app, route, ("decision", ex.decision), ("status", str(ex.status))),
    )
    if series is None:  # bound after the request counter: the scrape's order is unchanged
        series = m.bound[key] = _Route(m, key[1], key[2])
    timings = ex.timings
    series.seconds(sum(timings.values()) / 1000)
    series.duration(max(end - ex.t0, 0.0))
    for stage, ms in timings.items():
        series.stage(stage)(ms / 1000)
    if ex.first_token is not None:
        m.observe("stanchion_time_to_first_token_seconds", ex.first_token - ex.t0, (app, route))
    if ex.status >= 400:
        m.inc("stanchion_errors_total", (app, route, ("status", str(ex.status))))
    if ex.decision == "refuse":
        m.inc("stanchion_refusals_total", (app, route))
    _usage(series, ex)
    _quality(m, ex, app)
    _agents(m, ex, app)


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


def _quality(m: Metrics, ex: Exchange, app: tuple[str, str]) -> None:
    ann = ex.annotations
    if "grounded" in ann:
        grounded = "yes" if ann["grounded"] else "no"
        m.inc("stanchion_grounding_checks_total", (app, ("grounded", grounded)))
        if not ann["grounded"]:
            m.inc("stanchion_unsupported_answers_total", (app,))
    score = ann.get("groundedness")
    if isinstance(score, (int, float)):
        m.observe("stanchion_groundedness_score", float(score), (app,))
    for f in ex.findings:
        m.inc("stanchion_findings_total", (("type", f.type), ("action", f.action)))


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
