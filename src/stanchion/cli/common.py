"""What every command shares: finding the app, one-line errors, tables."""

from __future__ import annotations

import asyncio
import functools
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from stanchion.errors import StanchionError
from stanchion.runtime import open_store
from stanchion.settings import Settings
from stanchion.spec import AppSpec, load_spec
from stanchion.store.db import Store

F = TypeVar("F", bound=Callable[..., Any])

app_option = click.option(
    "--app",
    "app_dir",
    default=".",
    show_default=True,
    type=click.Path(path_type=Path),
    help="the app's folder (with stanchion.yaml) or the spec file",
)


def fails_cleanly(fn: F) -> F:
    """Print stanchion errors as one line each (file:line: field: problem), exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StanchionError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"error: {line}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def load_app(app_dir: Path) -> tuple[AppSpec, Path, Settings]:
    spec = load_spec(app_dir)
    folder = (app_dir if app_dir.is_dir() else app_dir.parent).resolve()
    return spec, folder, Settings.from_env()


def app_store(app_dir: Path, *, migrated: bool = True) -> tuple[AppSpec, Store]:
    """The app's spec and store; unless ``migrated=False``, a store that lacks migrations
    this code needs is a one-line error (run `stanchion db upgrade`)."""
    spec, folder, settings = load_app(app_dir)
    store = open_store(spec, folder, settings)
    if migrated:
        store.check_current()
    return spec, store


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"
    return "" if value is None else str(value)


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)
