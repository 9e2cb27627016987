"""``stanchion keys create|list|revoke``."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import click

from stanchion.cli.common import (
    actor,
    app_option,
    app_store,
    fails_cleanly,
    load_app,
    safe,
    table,
)

_DURATION = re.compile(r"([0-9]{1,9})([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, option: str = "--expires-in") -> float:
    """Seconds in ``30d``, ``12h``, ``15m`` or ``90s``: more than zero, at most ten years.

    Errors name ``option``, the flag the user typed (``report --period`` shares this parser).
    """
    from stanchion.store.keys import MAX_LIFETIME

    m = _DURATION.fullmatch(text.strip())
    if not m:
        raise click.BadParameter("use a number and a unit: 30d, 12h, 15m", param_hint=option)
    seconds = int(m.group(1)) * _UNIT[m.group(2)]
    if not 0 < seconds <= MAX_LIFETIME:
        raise click.BadParameter("from 1s to ten years (3650d)", param_hint=option)
    return seconds


@click.group()
def keys() -> None:
    """API keys: printed once, stored hashed."""


class _RoleOption(click.Option):
    """``--role``, whose help names the built-in roles only when it is shown: the module
    declaring them costs every command a second to import."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from stanchion.access import BUILTIN_ROLES

        self.help = f"one of {', '.join(sorted(BUILTIN_ROLES))} or a spec role"
        return super().get_help_record(ctx)


@keys.command("create")
@app_option
@click.option("--user", required=True, help="who the key is for")
@click.option("--role", required=True, cls=_RoleOption)
@click.option("--expires-in", default=None, help="e.g. 30d, 12h")
@click.option("--quiet", is_flag=True, help="print only the key")
@click.option(
    "--bound-to",
    default=None,
    help="an SSO user's id (sso-..., see `keys list`): the key ends when they are removed",
)
@fails_cleanly
def create(
    app_dir: Path, user: str, role: str, expires_in: str | None, quiet: bool, bound_to: str | None
) -> None:
    """Create a key; it is shown once and stored only as a hash."""
    from stanchion.access import BUILTIN_ROLES
    from stanchion.store.keys import create_key

    spec, store = app_store(app_dir)
    roles = set(BUILTIN_ROLES) | set(spec.roles.extra)
    if role not in roles:
        raise click.BadParameter(f"unknown role {role!r}; known: {', '.join(sorted(roles))}")
    expires = time.time() + parse_duration(expires_in) if expires_in else None
    with store.engine.begin() as conn:
        secret, rec = create_key(
            conn,
            user=user,
            role=role,
            actor=actor(),
            app=spec.app,
            expires_at=expires,
            bound_to=bound_to,
        )
    if quiet:
        click.echo(secret)
        return
    click.echo(
        f"created key {rec.id} for {safe(user)} ({safe(role)}); it is shown only now:\n{secret}"
    )


def _when(ts: float | None) -> str:
    """A time for the table; a stored value no calendar can show is printed as it is, so
    one bad row never stops ``keys list``."""
    if ts is None:
        return ""
    try:
        return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError, TypeError):
        return f"invalid ({ts!r})"[:40]


@keys.command("list")
@app_option
@fails_cleanly
def list_(app_dir: Path) -> None:
    """List keys (never their secrets)."""
    from stanchion.store.keys import list_keys

    _, store = app_store(app_dir)
    with store.engine.connect() as conn:
        rows = list_keys(conn)
    click.echo(
        table(
            ["id", "prefix", "user", "role", "created", "expires", "revoked", "bound to"],
            [
                [
                    k.id,
                    k.prefix + "…",
                    k.user,
                    k.role,
                    _when(k.created_at),
                    _when(k.expires_at),
                    _when(k.revoked_at),
                    k.bound_to or "",
                ]
                for k in rows
            ],
        )
    )


@keys.command("revoke")
@app_option
@click.argument("key_id")
@fails_cleanly
def revoke(app_dir: Path, key_id: str) -> None:
    """Revoke a key by id or printed prefix."""
    from stanchion.store.keys import revoke_key

    _, store = app_store(app_dir)
    with store.engine.begin() as conn:
        ok = revoke_key(conn, key_id, actor=actor())
    if not ok:
        raise click.ClickException(f"no live key {key_id!r}")
    click.echo(f"revoked {safe(key_id)}")


@keys.command("rotate-master")
@app_option
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the new master key (base64 of 32 random bytes, mode 0600)",
)
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--finish",
    is_flag=True,
    help="every replica has the new key: drop the old wrappings (run with the new key set)",
)
@fails_cleanly
def rotate_master(app_dir: Path, new_key_file: Path | None, batch: int, finish: bool) -> None:
    """Re-wrap every data key under a new master key, while the app keeps serving.

    Content is never re-sealed: only the data keys' wrapping changes, a short transaction
    per batch; the old wrapping is kept, so replicas still holding the old key keep working.
    Then give replicas the new key (STANCHION_ENCRYPTION_KEY or the key file) and, once all
    have it, run this again with --finish: after that the old key opens nothing.
    """
    from stanchion.store.audit import append_audit
    from stanchion.store.crypto import load_key
    from stanchion.store.keyring import LocalMasterKey, finish_rotation, rewrap
    from stanchion.store.opening import master_keys

    spec, folder, settings = load_app(app_dir)
    _, store = app_store(app_dir)
    masters, _ = master_keys(spec, folder, settings)
    if finish:
        try:
            n = finish_rotation(store, masters[0])
        finally:
            store.dispose()
        click.echo(f"dropped the old wrapping of {n} data keys; the old master key opens nothing")
        return
    if new_key_file is None:
        store.dispose()
        raise click.UsageError("give --new-key-file, or --finish after a rotation")
    new = LocalMasterKey(load_key(None, new_key_file))
    rows, seconds = 0, 0.0
    try:
        for old in masters:
            if old.id != new.id:
                done = rewrap(store, old, new, batch=batch)
                rows, seconds = rows + done.rows, seconds + done.seconds
        with store.engine.begin() as conn:
            detail = {"rows": rows, "from": [m.id for m in masters]}
            append_audit(conn, actor(), "keys.rotate_master", new.id, detail)
    finally:
        store.dispose()
    rate = rows / seconds if seconds > 0 else 0.0
    click.echo(
        f"re-wrapped {rows} data keys under master key {new.id} in {seconds:.2f}s "
        f"({rate:,.0f} rows/s); now give the app the new key"
    )
