"""``stanchion alerts list`` and ``alerts test``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from stanchion.cli.common import (
    actor,
    app_option,
    app_store,
    fails_cleanly,
    load_app,
    run_async,
    safe,
    table,
)


@click.group()
def alerts() -> None:
    """Alert rules of the spec, their state, and the alerts raised."""


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.4g}"


@alerts.command("list")
@app_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@fails_cleanly
def list_cmd(app_dir: Path, limit: int) -> None:
    """Each rule with its state, then the latest alerts raised and their delivery."""
    from sqlalchemy import select

    from stanchion.alerts.deliver import list_events
    from stanchion.alerts.schema import alert_state

    spec, store = app_store(app_dir)
    with store.engine.connect() as conn:
        state = {
            r.rule: r
            for r in conn.execute(select(alert_state).where(alert_state.c.app == spec.app))
        }
        events = list_events(conn, spec.app, limit)
    rows = []
    for rule in spec.alerts.rules:
        s = state.get(rule.name)
        firing = "FIRING" if s is not None and s.firing else "ok" if s is not None else "not yet"
        rows.append(
            [
                rule.name,
                rule.signal,
                f"{rule.test} {rule.threshold:g}",
                f"{rule.window} vs {rule.baseline}",
                rule.severity,
                ", ".join(rule.channels) or "—",
                firing,
            ]
        )
    head = ["rule", "signal", "test", "windows", "severity", "channels", "state"]
    click.echo(f"app {safe(spec.app)}: {len(spec.alerts.rules)} rules\n")
    click.echo(table(head, rows))
    click.echo("\n" + table(["at", "rule", "status", "delivered", "summary"], _events(events)))


def _events(events: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e["at"])),
            e["rule"],
            e["status"],
            "yes" if e["delivered"] else f"no ({e['attempts']} attempts)",
            e["summary"],
        ]
        for e in events
    ]


@alerts.command("test")
@app_option
@click.option("--send", is_flag=True, help="also deliver a test alert to every channel")
@fails_cleanly
def test_cmd(app_dir: Path, send: bool) -> None:
    """Measure every rule now (value, statistic, breached), without raising anything;
    with --send, deliver a test alert to each channel and show how it went."""
    from stanchion.reports.drift import Reader, measure

    spec, store = app_store(app_dir)
    now = time.time()
    with store.engine.connect() as conn:
        reader = Reader(conn, spec.app)
        measures = [measure(reader, spec.app, r, now) for r in spec.alerts.rules]
    rows = [
        [
            m.rule,
            m.signal,
            _num(m.value),
            _num(m.baseline),
            f"{m.test} {_num(m.statistic)}",
            f"{m.n} / {m.n_baseline}",
            "BREACHED" if m.breached else "ok" if m.enough else "too few",
        ]
        for m in measures
    ]
    head = ["rule", "signal", "window", "baseline", "statistic", "n / baseline n", "result"]
    click.echo(table(head, rows))
    if send:
        _send_test(app_dir, spec, store)


def _send_test(app_dir: Path, spec: Any, store: Any) -> None:
    from stanchion.alerts.deliver import AlertEvent, Dispatcher
    from stanchion.store.audit import append_audit

    _, _, settings = load_app(app_dir)
    event = AlertEvent(
        "test",
        "test",
        "info",
        "a test alert from `stanchion alerts test`",
        {},
        spec.app,
        time.time(),
        channels=list(spec.alerts.channels),
    )
    with store.engine.begin() as conn:
        append_audit(conn, actor(), "alerts.test", spec.app, {"channels": event.channels})
    outcome = run_async(Dispatcher(store, spec.alerts.channels, settings.env_value).emit(event))
    rows = [
        [name, "delivered" if o["ok"] else "FAILED", o["attempts"], o.get("error", "")]
        for name, o in outcome.items()
    ]
    click.echo("\n" + table(["channel", "result", "attempts", "error"], rows))
    if not all(o["ok"] for o in outcome.values()):
        raise SystemExit(1)
