"""``stanchion db upgrade`` and ``stanchion audit verify``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from stanchion.cli.common import actor, app_option, app_store, fails_cleanly, load_app, safe
from stanchion.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from stanchion.store.audit import AuditReport
    from stanchion.store.db import Store


@click.group()
def db() -> None:
    """The database."""


def upgrade_audited(store: Store) -> str:
    """Migrate to head; a change of schema is an audit event. Returns a one-line summary.
    Without the key the event cannot be written, so nothing is migrated either."""
    from stanchion.store.audit import append_audit, audit_ready

    with store.engine.connect() as conn:
        audit_ready(conn)
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
    """Apply pending migrations (SQLite or PostgreSQL). With STANCHION_OWNER_DATABASE_URL,
    migrate as that owner role, then grant the serving role (STANCHION_DATABASE_URL's)
    INSERT and SELECT only on audit rows (made if missing)."""
    from stanchion.store.audit import append_audit
    from stanchion.store.opening import database_url, open_store
    from stanchion.store.roles import grant_app_role

    spec, folder, settings = load_app(app_dir)
    if not settings.owner_database_url:
        _, store = app_store(app_dir, migrated=False)
        click.echo(upgrade_audited(store))
        return
    serving = database_url(spec, folder, settings)
    owner_settings = dataclasses.replace(settings, database_url=settings.owner_database_url)
    owner = open_store(spec, folder, owner_settings)
    try:
        if owner.is_sqlite or serving == database_url(spec, folder, owner_settings):
            raise StoreError(
                "STANCHION_OWNER_DATABASE_URL is for PostgreSQL, beside a different"
                " STANCHION_DATABASE_URL (the role that serves)"
            )
        click.echo(upgrade_audited(owner))
        with owner.engine.begin() as conn:
            role = grant_app_role(conn, serving)
            append_audit(conn, actor(), "db.grant", role[:200], {"audit_events": "INSERT, SELECT"})
    finally:
        owner.dispose()
    click.echo(f"serving role {safe(role)}: rows, but INSERT and SELECT only on audit_events")


@click.group()
def audit() -> None:
    """The keyed, hash-chained audit log and its signed checkpoint."""


def describe(report: AuditReport) -> str:
    """One line for a person: the verdict, then how the chain was checked."""
    how = []
    if report.keyed:
        how.append("keyed")
        if report.legacy_end:
            how.append(f"events 1..{report.legacy_end} under the old unkeyed scheme")
        if report.checkpoint_seq is not None:
            how.append(f"signed checkpoint at event {report.checkpoint_seq}")
    if report.note:
        how.append(report.note)
    tail = f" ({'; '.join(how)})" if how else ""
    if report.ok:
        return f"ok: {report.events} events, chain intact{tail}"
    where = f"event {report.first_bad_seq}" if report.first_bad_seq else "the checkpoint"
    return f"TAMPERED at {where}: {report.problem}{tail}"


@audit.command("verify")
@app_option
@click.option(
    "--checkpoints",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="also check the Ed25519-signed checkpoints exported to this folder",
)
@fails_cleanly
def verify_cmd(app_dir: Path, checkpoints: Path | None) -> None:
    """Check the chain and its checkpoint: edits, inserts, deletions, reordering,
    truncation and rewrites; exit 1 at the first problem."""
    from stanchion.store.audit import verify

    _, store = app_store(app_dir)
    problems: list[str] = []
    try:
        with store.engine.connect() as conn:
            report = verify(conn)
            if checkpoints is not None:
                problems = exported_problems(app_dir, store, conn, checkpoints)
    finally:
        store.dispose()
    click.echo(describe(report))
    for line in problems:
        click.echo(f"TAMPERED: {safe(line)}")
    if not report.ok or problems:
        sys.exit(1)


def exported_problems(app_dir: Path, store: Store, conn: Connection, folder: Path) -> list[str]:
    from stanchion.store.audit_export import check_checkpoints
    from stanchion.store.opening import app_cipher

    spec, where, settings = load_app(app_dir)
    return check_checkpoints(conn, app_cipher(spec, where, settings, store), folder)


@audit.command("accept")
@app_option
@click.option("--yes", is_flag=True, help="confirm: the current head becomes the checkpoint")
@fails_cleanly
def accept_cmd(app_dir: Path, yes: bool) -> None:
    """After restoring the database from a backup on purpose: sign its current head as the
    checkpoint (refused when the chain itself is broken; recorded as an event)."""
    from stanchion.store.audit import accept_head

    if not yes:
        click.echo("error: this re-anchors the audit log at its current head; add --yes", err=True)
        sys.exit(2)
    _, store = app_store(app_dir)
    with store.engine.begin() as conn:
        report = accept_head(conn, actor())
    store.dispose()
    click.echo(describe(report))
    if not report.ok:
        sys.exit(1)
