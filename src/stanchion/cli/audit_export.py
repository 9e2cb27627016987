"""``stanchion audit export --since`` and ``audit checkpoint``: the audit log for an auditor."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
import orjson

from stanchion.cli.common import app_option, fails_cleanly, load_app, safe
from stanchion.cli.keys import parse_duration


def parse_since(text: str) -> float:
    """``2026-01-31`` (UTC), an ISO time, or a duration back from now (``30d``)."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return time.time() - parse_duration(text, "--since")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


@click.command("export")
@app_option
@click.option("--since", required=True, help="2026-01-31, an ISO time, or 30d back from now")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write here (0600)")
@fails_cleanly
def export_cmd(app_dir: Path, since: str, out: Path | None) -> None:
    """The events since a time as JSON lines (details opened), oldest first."""
    from stanchion.store.audit_export import events_since
    from stanchion.store.files import write_private
    from stanchion.store.opening import open_store

    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    try:
        with store.engine.connect() as conn:
            lines = [orjson.dumps(e, default=str) for e in events_since(conn, parse_since(since))]
    finally:
        store.dispose()
    body = b"\n".join(lines) + (b"\n" if lines else b"")
    if out is None:
        click.echo(body.decode(), nl=False)
        return
    write_private(out, body)
    click.echo(f"wrote {len(lines)} events to {safe(str(out))}")


@click.command("checkpoint")
@app_option
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="a folder outside the database (a mounted WORM bucket, another host)",
)
@fails_cleanly
def checkpoint_cmd(app_dir: Path, out: Path) -> None:
    """Sign the chain's head with the app's Ed25519 audit key and write it to a folder;
    `serve` does this on a schedule when STANCHION_AUDIT_EXPORT_DIR is set."""
    from stanchion.store.audit_export import signed_head, write_checkpoint
    from stanchion.store.opening import app_cipher, open_store

    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    try:
        cipher = app_cipher(spec, folder, settings, store)
        with store.engine.connect() as conn:
            doc = signed_head(conn, cipher, spec.app)
    finally:
        store.dispose()
    if doc is None:
        raise click.ClickException("the audit log is empty: nothing to sign")
    path = write_checkpoint(out, doc)
    click.echo(f"event {doc['seq']} signed to {safe(str(path))}; public key {doc['public_key']}")
