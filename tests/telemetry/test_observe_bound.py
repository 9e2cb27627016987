"""observe_exchange binds its series' recorders once per app and route: the exposition after
any mix of exchanges is the one the plain ``inc``/``observe`` calls give (the same series
declared, the same values), whatever order routes, versions and stages come in."""

from __future__ import annotations

import time

from stanchion.guards.base import Finding
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest, Completion, Usage
from stanchion.telemetry.metrics import Metrics
from stanchion.telemetry.observe import observe_exchange


def _plain(m: Metrics, ex: Exchange, end: float) -> None:
    """Each observation written out, as the record stage made them before the binding."""
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
    ann = ex.annotations
    if "grounded" in ann:
        m.inc(
            "stanchion_grounding_checks_total",
            (app, ("grounded", "yes" if ann["grounded"] else "no")),
        )
        if not ann["grounded"]:
            m.inc("stanchion_unsupported_answers_total", (app,))
    if isinstance(ann.get("groundedness"), (int, float)):
        m.observe("stanchion_groundedness_score", float(ann["groundedness"]), (app,))
    for f in ex.findings:
        m.inc("stanchion_findings_total", (("type", f.type), ("action", f.action)))


def _exchanges() -> list[Exchange]:
    out = []
    shapes = [
        ("gpt", "v1", Usage(12, 5), 0.25, 200, "pass", True),
        ("gpt", "", Usage(0, 0), 0.0, 200, "refuse", False),
        ("small", "v7", None, 0.0, 502, "error", False),
        ("gpt", "v2", Usage(3, 0), 0.0, 200, "pass", True),
        ("small", "v7", Usage(1, 2), 0.5, 200, "pass", False),
        ("gpt", "v1", Usage(4, 4), 0.125, 200, "block", True),
    ]
    for i, (route, version, usage, cost, status, decision, streamed) in enumerate(shapes):
        ex = Exchange(
            id=f"t{i}",
            app="demo" if i % 3 else "other",
            started=time.time(),
            request=ChatRequest(model=route, messages=[]),
            principal=Principal(key_id="k", user="u", role="user"),
            route=route,
        )
        ex.t0 = 100.0
        ex.timings = {"authenticate": 0.1 * i, "guard_input": 0.7, "generate": 3.0 + i}
        if i % 2:
            ex.timings["retrieve"] = 1.5
        if usage is not None:
            ex.completion = Completion(content="x", model="m", usage=usage)
        if version:
            ex.annotations["model_version"] = version
        ex.cost, ex.status, ex.decision = cost, status, decision  # type: ignore[assignment]
        ex.first_token = 100.004 if streamed else None
        if i % 3 != 2:  # grounded, ungrounded, or not checked
            ex.annotations["grounded"] = bool(i % 3)
            ex.annotations["groundedness"] = 0.2 * i
        for kind in ("pii.email", "grounding.unsupported")[: i % 3]:
            ex.findings.append(
                Finding(kind, 0, 3, 0.9, kind, "output", "flag" if i % 2 else "redact")
            )
        out.append(ex)
    return out


def test_bound_recorders_give_the_plain_exposition() -> None:
    bound, plain = Metrics(), Metrics()
    for ex in _exchanges() * 2:
        observe_exchange(bound, ex, now=100.02)
        _plain(plain, ex, 100.02)
    assert bound.render() == plain.render()
    assert 'stanchion_cost_total{app="demo",route="gpt",version=""}' not in bound.render()


def test_counts_from_several_threads_are_all_kept() -> None:
    """The held recorders write under the metrics' one lock, which the plain recorders take
    too: threads writing the same series at once lose no increment and never wait on each
    other for good (on CPython 3.11 an attribute ``+=`` is rarely split by a thread switch,
    so this guards the deadlock and the totals more than it provokes the race)."""
    import sys
    import threading

    m, ex, n = Metrics(), _exchanges()[0], 400
    labels = (("app", ex.app), ("route", ex.route or ""), ("decision", "pass"), ("status", "200"))

    def observe() -> None:
        for _ in range(n):
            observe_exchange(m, ex, now=100.02)

    def plain() -> None:
        for _ in range(n):
            m.inc("stanchion_requests_total", labels)
            m.observe("stanchion_request_seconds", 0.001, labels[:2])

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=f) for f in (observe, plain, observe, plain)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)
    lines = set(m.render().splitlines())
    series = 'app="other",decision="pass",route="gpt",status="200"'
    assert f"stanchion_requests_total{{{series}}} {4 * n}.0" in lines
    assert f'stanchion_request_seconds_count{{app="other",route="gpt"}} {4 * n}.0' in lines
