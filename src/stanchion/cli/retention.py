"""``stanchion retention purge``: apply the spec's retention periods now."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from stanchion.cli.common import app_option, app_store, fails_cleanly, safe


@click.group()
def retention() -> None:
    """Retention periods (the spec's ``retention``), purged on a schedule by `serve`."""


@retention.command("purge")
@app_option
@fails_cleanly
def purge(app_dir: Path) -> None:
    """Purge what is past its period now (waits for no schedule; one replica at a time)."""
    from stanchion.retention.purge import purge_leased

    spec, store = app_store(app_dir)
    try:
        if not spec.retention.periods():
            click.echo("the spec sets no retention period: nothing to purge")
            return
        counts = purge_leased(
            store, spec.app, spec.retention, "cli-" + secrets.token_hex(4), keep=False
        )
    finally:
        store.dispose()
    if counts is None:
        raise click.ClickException("a serving replica holds the purge lease; try again later")
    click.echo(" ".join(f"{k}: {v}" for k, v in counts.items()) + f" (app {safe(spec.app)})")
