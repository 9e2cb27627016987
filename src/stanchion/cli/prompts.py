"""``stanchion prompts push|list|show|diff|label|rollback|approve|reject`` (and ``models``,
the same commands over model routes).

    stanchion prompts push --app examples/support-assistant -m "cite every fact"
    stanchion prompts label staging system:2 --app examples/support-assistant
    stanchion prompts label production system:2 --canary 10 --app ...
    stanchion prompts approve system:2 --label production --key sk-stn-...   # owner, legal
    stanchion prompts rollback production --app ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from stanchion.cli.common import actor, app_option, fails_cleanly, load_app, safe, safe_block, table
from stanchion.errors import Unauthorized

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from stanchion.registry import labels
    from stanchion.spec import AppSpec
    from stanchion.store.crypto import Cipher
    from stanchion.store.db import Store

T = TypeVar("T")
Content = Callable[["AppSpec", Path], dict[str, dict[str, Any]]]


@dataclass
class Registry:
    spec: AppSpec
    folder: Path
    store: Store
    cipher: Cipher
    kind: str

    @property
    def app(self) -> str:
        return self.spec.app

    def verifier(self, conn: Connection) -> labels.Verify:
        """Refuse a label move to a version the spec's rules do not let a server load."""
        from stanchion.providers.registry import egress_for
        from stanchion.registry.validate import stored_verifier

        egress = egress_for(self.spec.models)
        return stored_verifier(conn, self.cipher, self.app, self.kind, egress=egress, secret=None)

    def tx(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        """One transaction; the pool is closed after it (a CLI holds no connections)."""
        try:
            with self.store.engine.begin() as conn:
                return fn(conn, *args, **kw)
        finally:
            self.store.engine.dispose()


def open_registry(app_dir: Path, kind: str) -> Registry:
    from stanchion.store.opening import app_cipher, open_store

    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    cipher = app_cipher(spec, folder, settings, store)
    store.check_current()
    return Registry(spec, folder, store, cipher, kind)


def when(at: float) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")


def _content(kind: str) -> Content:
    """What a kind's versions are made of, read from the app's files."""
    from stanchion.registry.prompts import prompt_content

    return {"prompt": prompt_content, "model": route_content}[kind]


def route_content(spec: AppSpec, _folder: Path) -> dict[str, dict[str, Any]]:
    return {r.name: r.model_dump(mode="json") for r in spec.models.routes}


@click.command()
@click.pass_obj
@app_option
@click.option("-m", "--message", default="", help="why this version")
@click.option("--author", default=None, help="default: the OS user")
@fails_cleanly
def push(kind: str, app_dir: Path, message: str, author: str | None) -> None:
    """Register what changed in the app's files; unchanged content registers nothing."""
    from stanchion.registry import versions

    reg = open_registry(app_dir, kind)
    for name, body in _content(kind)(reg.spec, reg.folder).items():
        v, created = reg.tx(
            versions.push,
            reg.cipher,
            reg.app,
            kind,
            name,
            body,
            author=author or actor(),
            message=message,
        )
        state = "new" if created else "unchanged"
        click.echo(f"{safe(name)}: v{v.number} {safe(v.id)} ({state})")


@click.command("list")
@click.pass_obj
@app_option
@click.option("--name", default=None)
@fails_cleanly
def list_(kind: str, app_dir: Path, name: str | None) -> None:
    """Versions with the labels on them."""
    from stanchion.registry import labels, versions

    reg = open_registry(app_dir, kind)
    found = reg.tx(versions.list_versions, reg.cipher, reg.app, kind, name)
    marks: dict[str, list[str]] = {}
    for s in reg.tx(labels.list_labels, reg.app, kind):
        marks.setdefault(s.version_id, []).append(s.label)
        if s.canary_id:
            marks.setdefault(s.canary_id, []).append(f"{s.label}~{s.canary_percent}%")
    rows = [
        (
            v.name,
            f"v{v.number}",
            v.id,
            ",".join(marks.get(v.id, [])),
            v.author,
            when(v.created_at),
            v.message,
        )
        for v in found
    ]
    click.echo(table(["name", "n", "id", "labels", "author", "created", "message"], rows))


@click.command()
@click.pass_obj
@click.argument("ref")
@app_option
@fails_cleanly
def show(kind: str, ref: str, app_dir: Path) -> None:
    """One version: an id, NAME:N, vN or a label."""
    from stanchion.registry import versions

    reg = open_registry(app_dir, kind)
    v = reg.tx(versions.resolve_ref, reg.cipher, reg.app, kind, ref)
    click.echo(
        f"{safe(v.id)}  v{v.number}  by {safe(v.author)}  {when(v.created_at)}  {safe(v.message)}\n"
    )
    click.echo(safe_block(v.text()))


@click.command()
@click.pass_obj
@click.argument("a")
@click.argument("b")
@app_option
@fails_cleanly
def diff(kind: str, a: str, b: str, app_dir: Path) -> None:
    """What changed from version A to version B."""
    from stanchion.registry import versions

    reg = open_registry(app_dir, kind)
    va = reg.tx(versions.resolve_ref, reg.cipher, reg.app, kind, a)
    vb = reg.tx(versions.resolve_ref, reg.cipher, reg.app, kind, b)
    click.echo(safe_block(versions.diff(va, vb)) or "(no difference)")


@click.command()
@click.pass_obj
@click.argument("label")
@click.argument("ref")
@click.option(
    "--canary",
    type=click.IntRange(0, 100),
    default=None,
    help="send this percentage of users to REF; 0 ends the canary",
)
@app_option
@fails_cleanly
def label(kind: str, label: str, ref: str, canary: int | None, app_dir: Path) -> None:
    """Point LABEL at a version (approvals apply to protected labels)."""
    from stanchion.registry import labels, versions

    reg = open_registry(app_dir, kind)

    def run(conn: Connection) -> labels.LabelState:
        v = versions.resolve_ref(conn, reg.cipher, reg.app, kind, ref)
        return labels.move(
            conn,
            reg.app,
            kind,
            label,
            v.id,
            actor=actor(),
            rules=reg.spec.registry,
            canary_percent=canary,
            verify=reg.verifier(conn),
        )

    s = reg.tx(run)
    split = f", canary {s.canary_id} at {s.canary_percent}%" if s.canary_id else ""
    click.echo(f"{safe(s.name)}:{safe(s.label)} -> {safe(s.version_id)}{safe(split)}")


@click.command()
@click.pass_obj
@click.argument("label")
@click.option("--name", default=None, help="default: the only name with this label")
@app_option
@fails_cleanly
def rollback(kind: str, label: str, name: str | None, app_dir: Path) -> None:
    """Move LABEL back to where it pointed before its last move."""
    from stanchion.registry import labels

    reg = open_registry(app_dir, kind)
    names = sorted({s.name for s in reg.tx(labels.list_labels, reg.app, kind) if s.label == label})
    target = name or (names[0] if len(names) == 1 else None)
    if target is None:
        raise click.UsageError(f"give --name, one of {names}")
    s = reg.tx(
        lambda conn: labels.rollback(
            conn,
            reg.app,
            kind,
            target,
            label,
            actor=actor(),
            rules=reg.spec.registry,
            verify=reg.verifier(conn),
        )
    )
    click.echo(f"{safe(s.name)}:{safe(s.label)} -> {safe(s.version_id)} (rolled back)")


def _decide(
    kind: str, ref: str, label: str, key: str, comment: str, app_dir: Path, ok: bool
) -> None:
    from stanchion.registry import labels, versions
    from stanchion.store.keys import find_key

    reg = open_registry(app_dir, kind)
    rec = reg.tx(find_key, key)
    if rec is None or rec.usable(dt.datetime.now().timestamp()):
        raise Unauthorized("that key is unknown, expired or revoked")

    def run(conn: Connection) -> list[str]:
        v = versions.resolve_ref(conn, reg.cipher, reg.app, kind, ref)
        labels.decide(
            conn,
            reg.app,
            kind,
            v.id,
            label,
            user=rec.user,
            role=rec.role,
            approve=ok,
            comment=comment,
            rules=reg.spec.registry,
        )
        return labels.missing_approvals(conn, reg.app, kind, v.id, label, reg.spec.registry)

    missing = reg.tx(run)
    click.echo(f"{'approved' if ok else 'rejected'} by {safe(rec.user)} ({safe(rec.role)})")
    click.echo("outstanding: " + safe("; ".join(missing) or "none"))


key_option = click.option(
    "--key",
    envvar="STANCHION_API_KEY",
    required=True,
    help="the approver's API key (their user and role)",
)


@click.command()
@click.pass_obj
@click.argument("ref")
@click.option("--label", default="production", show_default=True)
@key_option
@click.option("--comment", default="")
@app_option
@fails_cleanly
def approve(kind: str, ref: str, label: str, key: str, comment: str, app_dir: Path) -> None:
    """Approve a version for a label, as the user and role of --key."""
    _decide(kind, ref, label, key, comment, app_dir, True)


@click.command()
@click.pass_obj
@click.argument("ref")
@click.option("--label", default="production", show_default=True)
@key_option
@click.option("--comment", default="")
@app_option
@fails_cleanly
def reject(kind: str, ref: str, label: str, key: str, comment: str, app_dir: Path) -> None:
    """Reject a version for a label, as the user and role of --key."""
    _decide(kind, ref, label, key, comment, app_dir, False)


COMMANDS = (push, list_, show, diff, label, rollback, approve, reject)


@click.group()
@click.pass_context
def prompts(ctx: click.Context) -> None:
    """Prompt versions, labels and approvals."""
    ctx.obj = "prompt"


@click.group()
@click.pass_context
def models(ctx: click.Context) -> None:
    """Model route versions, labels and approvals (the same commands as prompts)."""
    ctx.obj = "model"


for command in COMMANDS:
    prompts.add_command(command)
    models.add_command(command)
