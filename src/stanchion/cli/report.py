"""``stanchion report cost``, ``versions`` and ``kpis``."""

from __future__ import annotations

import time
from pathlib import Path

import click

from stanchion.cli.common import app_option, app_store, fails_cleanly, safe, table
from stanchion.cli.keys import parse_duration
from stanchion.reports.cost import cost_report
from stanchion.reports.kpis import kpi_report
from stanchion.reports.savings import Saving, savings_report
from stanchion.reports.versions import version_report


@click.group()
def report() -> None:
    """Reports over recorded traces."""


def _money(value: float | None, currency: str) -> str:
    return "n/a" if value is None else f"{value:.6f} {currency}"


@report.command("cost")
@app_option
@click.option("--period", default="30d", show_default=True, help="how far back: 24h, 7d, 30d")
@fails_cleanly
def cost(app_dir: Path, period: str) -> None:
    """Cost per output, per 1,000 requests and tokens per request, against the human cost."""
    spec, store = app_store(app_dir)
    until = time.time()
    since = until - parse_duration(period, "--period")
    with store.engine.connect() as conn:
        rep = cost_report(conn, spec, since, until)
    cur = rep.currency
    click.echo(
        f"app {safe(spec.app)}: last {safe(period)}, {rep.requests} requests,"
        f" {rep.answered} answered\n"
    )
    click.echo(
        table(
            ["route", "requests", "answered", "cost", "prompt tok", "completion tok", "mean ms"],
            [
                [
                    r.route or "(none)",
                    r.requests,
                    r.answered,
                    r.cost,
                    r.prompt_tokens,
                    r.completion_tokens,
                    round(r.mean_latency_ms, 1),
                ]
                for r in rep.routes
            ],
        )
    )
    tpr = rep.tokens_per_request
    rows = [
        ["cost per output", _money(rep.cost_per_output, cur)],
        ["cost per 1,000 requests", _money(rep.cost_per_1k_requests, cur)],
        ["tokens per request", "n/a" if tpr is None else f"{tpr:.1f}"],
        ["human cost per task", _money(rep.human_per_task, cur)],
        ["human / AI cost ratio", "n/a" if rep.human_ratio is None else f"{rep.human_ratio:,.0f}x"],
    ]
    if rep.minutes_saved_per_task is not None:
        rows.append(["minutes saved per task", f"{rep.minutes_saved_per_task:.2f}"])
    ceiling = spec.goal.kpis.cost_per_output_max
    if ceiling is not None and rep.cost_per_output is not None:
        verdict = "within" if rep.cost_per_output <= ceiling else "ABOVE"
        rows.append(["KPI cost per output ceiling", f"{ceiling} {cur} ({verdict})"])
    click.echo("\n" + table(["figure", "value"], rows))
    with store.engine.connect() as conn:
        saved = savings_report(conn, spec.app, since, until)
    if saved:
        _savings(saved, rep.cost, cur)


def _savings(saved: list[Saving], cost: float, cur: str) -> None:
    """Each optimisation against the same traffic without it: recorded cost + its saving."""
    rows = []
    for s in saved:
        without = cost + s.cost
        share = f"{s.cost / without:.1%}" if without else "n/a"
        rows.append([s.by, s.requests, s.tokens, _money(s.cost, cur), _money(without, cur), share])
    total = sum(s.cost for s in saved)
    rows.append(["all", sum(s.requests for s in saved), sum(s.tokens for s in saved),
                 _money(total, cur), _money(cost + total, cur),
                 f"{total / (cost + total):.1%}" if cost + total else "n/a"])  # fmt: skip
    head = ["saved by", "requests", "tokens saved", "money saved", "cost without", "share"]
    click.echo("\n" + table(head, rows))


@report.command("versions")
@app_option
@click.option("--period", default="7d", show_default=True, help="how far back: 24h, 7d, 30d")
@fails_cleanly
def versions(app_dir: Path, period: str) -> None:
    """Prompt and model versions side by side (the canary report)."""
    spec, store = app_store(app_dir)
    until = time.time()
    with store.engine.connect() as conn:
        rows = version_report(conn, spec.app, until - parse_duration(period, "--period"), until)
    target = spec.goal.kpis.satisfaction
    click.echo(
        f"app {safe(spec.app)}: last {safe(period)}; satisfaction target {target or 'none'}\n"
    )
    click.echo(
        table(
            [
                "prompt",
                "model",
                "requests",
                "ratings",
                "satisfaction",
                "groundedness",
                "block rate",
                "p50 ms",
                "p95 ms",
                "cost/answer",
            ],
            [
                [
                    v.prompt_version,
                    v.model_version,
                    v.requests,
                    v.ratings,
                    v.satisfaction,
                    v.groundedness,
                    v.block_rate,
                    v.p50_ms,
                    v.p95_ms,
                    v.cost_per_answer,
                ]
                for v in rows
            ],
        )
    )


@report.command("kpis")
@app_option
@click.option("--period", default="7d", show_default=True, help="how far back: 24h, 7d, 30d")
@fails_cleanly
def kpis(app_dir: Path, period: str) -> None:
    """Each KPI of the spec against its target (the console's overview, as a table)."""
    spec, store = app_store(app_dir)
    until = time.time()
    with store.engine.begin() as conn:
        rep = kpi_report(conn, spec, until - parse_duration(period), until)
    click.echo(f"app {spec.app}: last {period}, {rep.requests} requests\n")
    rows = [
        [k.label, k.display, k.target, k.status, "; ".join(f"{a} {b}" for a, b in k.details)]
        for k in rep.kpis
    ]
    click.echo(table(["KPI", "value", "target", "status", "details"], rows))
