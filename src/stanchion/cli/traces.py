"""``stanchion traces dead-letters``: traces the store refused, set aside by the writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import orjson

from stanchion.cli.common import app_option, fails_cleanly, load_app, table
from stanchion.errors import NotFound


@click.group()
def traces() -> None:
    """Recorded traces: what the store could not take."""


@traces.command("dead-letters")
@app_option
@click.option("--show", "trace_id", default=None, help="open one dead letter (decrypted)")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@fails_cleanly
def dead_letters(app_dir: Path, trace_id: str | None, limit: int) -> None:
    """List traces the store refused (newest first), or open one with --show ID."""
    from stanchion.store.opening import app_cipher, open_store
    from stanchion.store.traces import list_dead_letters, open_dead_letter

    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    store.check_current()
    try:
        with store.engine.connect() as conn:
            if trace_id is None:
                rows = list_dead_letters(conn, spec.app, limit)
                click.echo(
                    table(
                        ["trace", "set aside", "attempts", "error"],
                        [(r["id"], _when(r["at"]), r["attempts"], r["error"]) for r in rows],
                    )
                )
                return
            cipher = app_cipher(spec, folder, settings, store)
            letter = open_dead_letter(conn, cipher, spec.app, trace_id)
    finally:
        store.dispose()
    if letter is None:
        raise NotFound(f"no dead letter for trace {trace_id!r}")
    click.echo(orjson.dumps(letter, option=orjson.OPT_INDENT_2, default=str).decode())


def _when(at: float) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")
