"""``stanchion db upgrade`` and ``stanchion audit verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from stanchion.cli.common import actor, app_option, app_store, fails_cleanly
from stanchion.store.audit import append_audit, verify
from stanchion.store.db import Store


@click.group()
def db() -> None:
    """The database."""


def upgrade_audited(store: Store) -> str:
    """Migrate to head; a change of schema is an audit event. Returns a one-line summary."""
    before = store.current_revision()
    head = store.upgrade()
    if before != head:
        with store.engine.begin() as conn:
            append_audit(conn, actor(), "db.upgrade", head or "", {"from": before})
    return f"database at {head} (was {before or 'empty'})"


@db.command("upgrade")
@app_option
@fails_cleanly
def upgrade(app_dir: Path) -> None:
    """Apply pending migrations (SQLite or PostgreSQL)."""
    _, store = app_store(app_dir, migrated=False)
    click.echo(upgrade_audited(store))


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@app_option
@fails_cleanly
def verify_cmd(app_dir: Path) -> None:
    """Check the chain; report the first edited, inserted or deleted event."""
    _, store = app_store(app_dir)
    with store.engine.connect() as conn:
        report = verify(conn)
    if report.ok:
        click.echo(f"ok: {report.events} events, chain intact")
        return
    click.echo(f"TAMPERED at event {report.first_bad_seq}: {report.problem}")
    sys.exit(1)
