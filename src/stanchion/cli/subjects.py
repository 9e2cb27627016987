"""``stanchion subjects export|erase USER``: a data subject's access and erasure rights."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from stanchion.cli.common import actor, app_option, fails_cleanly, load_app, safe


@click.group()
def subjects() -> None:
    """Data subjects: export everything stored about one (access), or erase it (erasure)."""


@subjects.command("export")
@app_option
@click.argument("user")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write here (0600)")
@fails_cleanly
def export(app_dir: Path, user: str, out: Path | None) -> None:
    """Everything stored about USER in this app, decrypted, as JSON."""
    from stanchion.store.audit import append_audit
    from stanchion.store.files import write_private
    from stanchion.store.opening import app_cipher, open_store
    from stanchion.store.subjects import export_subject

    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    try:
        store.check_current()
        cipher = app_cipher(spec, folder, settings, store)
        with store.engine.begin() as conn:
            data = export_subject(conn, cipher, spec.app, user)
            append_audit(
                conn, actor(), "subject.export", user[:200], {"traces": len(data["traces"])}
            )
    finally:
        store.dispose()
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str)
    if out is None:
        click.echo(text.decode())
        return
    write_private(out, text)
    click.echo(f"wrote {len(data['traces'])} traces of {safe(user)} to {safe(str(out))}")


@subjects.command("erase")
@app_option
@click.argument("user")
@click.option("--yes", is_flag=True, help="confirm: the content cannot be recovered")
@fails_cleanly
def erase(app_dir: Path, user: str, yes: bool) -> None:
    """Destroy USER's data keys: their trace content becomes unreadable everywhere it was
    copied; counts, costs and the audit chain stay intact."""
    from stanchion.reports.rollup_privacy import UserKey
    from stanchion.store.opening import app_cipher, open_store
    from stanchion.store.subjects import erase_subject

    if not yes:
        raise click.UsageError("erasure cannot be undone: add --yes")
    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    try:
        store.check_current()
        user_key = UserKey(app_cipher(spec, folder, settings, store))
        with store.engine.begin() as conn:
            done = erase_subject(conn, spec.app, user, actor(), user_key)
    finally:
        store.dispose()
    counts = ", ".join(f"{k}: {v}" for k, v in done.items())
    click.echo(f"erased {safe(user)} ({counts}); their content is unreadable")
