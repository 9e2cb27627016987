"""``stanchion report cost``, ``versions`` and ``kpis``."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
import orjson

from stanchion.cli.choices import LazyChoice
from stanchion.cli.common import app_option, app_store, fails_cleanly, load_app, safe, table
from stanchion.cli.keys import parse_duration

if TYPE_CHECKING:
    from stanchion.reports.kpis import Kpi, KpiReport
    from stanchion.reports.savings import Saving


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
    from stanchion.reports.cost import cost_report
    from stanchion.reports.savings import savings_report

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
    from stanchion.reports.versions import version_report

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


def _change(k: Kpi) -> str:
    c = k.change
    return "—" if c is None else f"{c:+.4g}"


def _kpi_rows(kpis: list[Kpi]) -> list[list[str]]:
    return [
        [
            k.label,
            k.display,
            k.target,
            k.status,
            k.previous_display,
            _change(k),
            "; ".join(f"{a} {b}" for a, b in k.details),
        ]
        for k in kpis
    ]


def _cell(text: str) -> str:
    """A spreadsheet runs a cell opening with = + - @ (a route or cohort name) as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(rep: KpiReport) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["group", "kpi", "value", "previous", "change", "target", "status"])
    groups = [("all", rep.kpis), *rep.groups.items()]
    for key, kpis in groups:
        for k in kpis:
            w.writerow([_cell(key), k.key, k.value, k.previous, k.change, k.target, k.status])
    return out.getvalue()


@report.command("kpis")
@app_option
@click.option("--period", default="7d", show_default=True, help="how far back: 24h, 7d, 30d")
@click.option(
    "--by",
    type=LazyChoice("stanchion.reports.kpis:BY"),
    default=None,
    help="a group per version/route/cohort",
)
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
@click.option("--csv", "as_csv", is_flag=True, help="one line per group and KPI, as CSV")
@fails_cleanly
def kpis(app_dir: Path, period: str, by: str | None, as_json: bool, as_csv: bool) -> None:
    """Each KPI of the spec against its target and the previous period (the console's
    overview, as a table), for the app and, with --by, per version, route or cohort."""
    from stanchion.reports.kpis import kpi_report

    spec, store = app_store(app_dir)
    until = time.time()
    with store.engine.connect() as conn:
        rep = kpi_report(conn, spec, until - parse_duration(period, "--period"), until, by=by)
    if as_json:
        click.echo(orjson.dumps(rep.to_record()).decode())
        return
    if as_csv:
        click.echo(_csv(rep), nl=False)
        return
    click.echo(f"app {safe(spec.app)}: last {safe(period)}, {rep.requests} requests\n")
    head = ["KPI", "value", "target", "status", "previous", "change", "details"]
    click.echo(table(head, _kpi_rows(rep.kpis)))
    for key, group in rep.groups.items():
        n = rep.group_requests.get(key, 0)
        click.echo(f"\n{safe(by or '')} {safe(key)}: {n} requests\n")
        click.echo(table(head, _kpi_rows(group)))


@report.command("topics")
@app_option
@click.option("--period", default="7d", show_default=True, help="how far back: 24h, 7d, 30d")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200))
@click.option("--json", "as_json", is_flag=True, help="the themes as JSON")
@fails_cleanly
def topics(app_dir: Path, period: str, limit: int, as_json: bool) -> None:
    """Refused and low-rated questions clustered into themes, with counts and examples:
    what users ask that nobody planned for. Shows content (opened with the master key)."""
    from stanchion.reports.topics import topic_report
    from stanchion.store.crypto import load_cipher
    from stanchion.store.opening import key_file, open_store

    spec, folder, settings = load_app(app_dir)
    cipher = load_cipher(settings.encryption_key, key_file(spec, folder, settings))
    store = open_store(spec, folder, settings, cipher)
    store.check_current()
    until = time.time()
    since = until - parse_duration(period, "--period")
    with store.engine.connect() as conn:
        themes = topic_report(conn, cipher, spec.app, since, until, limit)
    if as_json:
        click.echo(orjson.dumps([t.to_record() for t in themes]).decode())
        return
    click.echo(f"app {safe(spec.app)}: last {safe(period)}, {len(themes)} themes\n")
    rows = [
        [t.label, t.count, t.refused, t.low_rated, "yes" if t.unplanned else "", t.examples[0]]
        for t in themes
    ]
    click.echo(table(["theme", "questions", "refused", "rated low", "unplanned", "e.g."], rows))
