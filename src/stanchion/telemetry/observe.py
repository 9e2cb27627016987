"""What one finished exchange adds to the metrics: called by the record stage.

Every label value is bounded: the app and route names come from the spec, the version from
the registry, the stage names from the pipeline, decisions and finding types from fixed
sets, statuses are HTTP codes. Nothing a caller typed becomes a label.
"""

from __future__ import annotations

import time

from stanchion.pipeline.exchange import Exchange
from stanchion.telemetry.metrics import Metrics


def observe_exchange(m: Metrics, ex: Exchange, now: float | None = None) -> None:
    """Count the request, its latencies, tokens, cost, findings and grounding."""
    end = time.perf_counter() if now is None else now
    app, route = ("app", ex.app), ("route", ex.route or "")
    m.inc(
        "stanchion_requests_total",
        (app, route, ("decision", ex.decision), ("status", str(ex.status))),
    )
    m.observe("stanchion_request_seconds", sum(ex.timings.values()) / 1000, (app, route))
    m.observe("stanchion_request_duration_seconds", max(end - ex.t0, 0.0), (app, route))
    for stage, ms in ex.timings.items():
        m.observe("stanchion_stage_seconds", ms / 1000, (app, ("stage", stage)))
    if ex.first_token is not None:
        m.observe("stanchion_time_to_first_token_seconds", ex.first_token - ex.t0, (app, route))
    if ex.status >= 400:
        m.inc("stanchion_errors_total", (app, route, ("status", str(ex.status))))
    if ex.decision == "refuse":
        m.inc("stanchion_refusals_total", (app, route))
    _usage(m, ex, app, route)
    _quality(m, ex, app)
    _agents(m, ex, app)


def _usage(m: Metrics, ex: Exchange, app: tuple[str, str], route: tuple[str, str]) -> None:
    version = ("version", str(ex.annotations.get("model_version") or ""))
    if ex.completion is not None:
        u = ex.completion.usage
        m.inc("stanchion_tokens_total", (app, route, version, ("kind", "prompt")), u.prompt_tokens)
        m.inc(
            "stanchion_tokens_total",
            (app, route, version, ("kind", "completion")),
            u.completion_tokens,
        )
    if ex.cost:
        m.inc("stanchion_cost_total", (app, route, version), ex.cost)


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
