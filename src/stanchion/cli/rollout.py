"""``stanchion rollout``, ``stanchion signoff`` and ``stanchion readiness``."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from stanchion.cli.choices import LazyChoice
from stanchion.cli.common import actor, app_option, fails_cleanly, load_app, safe, table
from stanchion.errors import CryptoError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from stanchion.readiness.report import Readiness
    from stanchion.rollout import controller
    from stanchion.spec.model import AppSpec
    from stanchion.store.crypto import Cipher

T = TypeVar("T")


def _cipher(app_dir: Path) -> Cipher | None:
    from stanchion.store.crypto import load_cipher
    from stanchion.store.opening import key_file

    spec, folder, settings = load_app(app_dir)
    try:
        return load_cipher(settings.encryption_key, key_file(spec, folder, settings))
    except CryptoError:
        return None


def build_report(app_dir: Path) -> Readiness:
    from stanchion.readiness.report import readiness
    from stanchion.store.opening import open_store

    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    store.check_current()
    try:
        with store.engine.connect() as conn:
            return readiness(conn, spec, folder, settings, _cipher(app_dir), time.time())
    finally:
        store.dispose()


@click.group()
def rollout() -> None:
    """The pilot cohorts: start, status, advance, and the automatic checks."""


def _echo_check(check: controller.StageCheck) -> None:
    st, f = check.state, check.figures
    click.echo(f"stage {safe(st.stage)} ({st.status}) since {st.since:.0f} by {safe(st.moved_by)}")
    click.echo(
        table(
            ["requests", "users", "rated", "raters", "mean", "grounded", "blocked", "p95 ms"],
            [[f.requests, f.users, f.rated, f.raters, f.satisfaction, f.groundedness,
              f.block_rate, f.p95_latency_ms]],
        )
    )  # fmt: skip
    for line in check.breaches:
        click.echo(f"breach: {safe(line)}")
    for line in check.missing:
        click.echo(f"to advance: {safe(line)}")


def with_store(app_dir: Path, fn: Callable[[Connection, AppSpec], T]) -> T:
    from stanchion.store.opening import open_store

    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    store.check_current()
    try:
        with store.engine.begin() as conn:
            return fn(conn, spec)
    finally:
        store.dispose()


@rollout.command("status")
@app_option
@fails_cleanly
def status(app_dir: Path) -> None:
    """The current stage, its cohort's figures, and what stands before the next stage."""
    from stanchion.rollout import controller

    _echo_check(with_store(app_dir, lambda c, s: controller.evaluate(c, s)))


@rollout.command("start")
@app_option
@fails_cleanly
def start(app_dir: Path) -> None:
    """Open the first stage (the pilot): its gates are measured from now."""
    from stanchion.rollout import controller

    st = with_store(app_dir, lambda c, s: controller.start(c, s, actor(), time.time()))
    click.echo(f"rollout started at stage {safe(st.stage)}")


@rollout.command("advance")
@app_option
@fails_cleanly
def advance(app_dir: Path) -> None:
    """Advance to the next stage: the gates held for the stage's period, approvers signed."""
    from stanchion.rollout import controller

    st = with_store(app_dir, lambda c, s: controller.advance(c, s, actor=actor()))
    click.echo(f"advanced to stage {safe(st.stage)}")


@rollout.command("tick")
@app_option
@fails_cleanly
def tick_cmd(app_dir: Path) -> None:
    """Run the automatic checks once (roll back on a breach, auto-advance); for cron."""
    from stanchion.rollout import controller

    moved = with_store(app_dir, lambda c, s: controller.tick(c, s))
    click.echo(f"moved: {moved}" if moved else "no move")


@click.command("signoff")
@click.argument("subject")
@click.option(
    "--function", "function", required=True, type=LazyChoice("stanchion.rollout.spec:FUNCTIONS")
)
@click.option("--comment", default="")
@app_option
@fails_cleanly
def signoff(subject: str, function: str, comment: str, app_dir: Path) -> None:
    """Sign off SUBJECT (goal, go-live or stage:NAME) for an owner function, against the
    readiness report as it stands now (its hash is recorded)."""
    from stanchion.rollout.signoff import Signoff, sign

    rep = build_report(app_dir)
    s = Signoff(subject, function, actor(), rep.hash, comment)
    with_store(app_dir, lambda c, spec: sign(c, spec.app, s))
    click.echo(f"signed {safe(subject)} for {function} against report {rep.hash[:16]}")


@click.command("signoffs")
@app_option
@fails_cleanly
def signoffs_list(app_dir: Path) -> None:
    """Every sign-off: who, when, for which function, against which report."""
    from stanchion.rollout.signoff import all_signoffs

    rows = with_store(app_dir, lambda c, s: all_signoffs(c, s.app))
    click.echo(
        table(
            ["subject", "function", "actor", "at", "report", "comment"],
            [
                [r.subject, r.function, r.actor, f"{r.at:.0f}", r.report_hash[:16], r.comment]
                for r in rows
            ],
        )
    )


@click.command("readiness")
@app_option
@click.option("--json", "fmt", flag_value="json", help="the report as JSON")
@click.option("--md", "fmt", flag_value="md", help="the report as Markdown")
@click.option("--html", "fmt", flag_value="html", help="the report as a standalone HTML page")
@fails_cleanly
def readiness_cmd(app_dir: Path, fmt: str | None) -> None:
    """Score the app against the production checklist; exit 1 when a required item fails."""
    from stanchion.readiness.render import to_html, to_markdown

    rep = build_report(app_dir)
    if fmt == "json":
        click.echo(json.dumps(rep.to_record(), indent=2))
    elif fmt == "html":
        click.echo(to_html(rep))
    elif fmt == "md":
        click.echo(to_markdown(rep))
    else:
        rows = [[("PASS" if i.ok else "FAIL" if i.required else "OPEN"), i.title, i.evidence]
                for i in rep.items]  # fmt: skip
        click.echo(table(["", "item", "evidence"], rows))
        nxt = next((r for r in rep.timeline() if r["status"] == "next"), None)
        if nxt:
            click.echo(f"\nnext: week {nxt['week']}, {nxt['title']}")
        click.echo(f"report hash {rep.hash}")
    sys.exit(0 if rep.ok else 1)
