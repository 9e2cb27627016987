"""What every command shares: finding the app, one-line errors, tables, and ``safe``: the
one way user-controlled text reaches a terminal (names, notes, titles, messages, ids).

    click.echo(f"created key {rec.id} for {safe(user)}")
    click.echo(table(["user"], [[user]]))   # every cell goes through ``safe``
"""

from __future__ import annotations

import asyncio
import functools
import getpass
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from stanchion.errors import StanchionError
from stanchion.settings import Settings

if TYPE_CHECKING:
    from stanchion.spec import AppSpec
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
    """Print stanchion errors as one line each (file:line: field: problem), exit 2.

    A file a command reads that is missing, unreadable or not JSON is a bad input too: one
    line naming it, never a traceback.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StanchionError as exc:
            lines = str(exc).splitlines() or [type(exc).__name__]
        except OSError as exc:
            lines = [f"{exc.filename or ''}: {exc.strerror or exc}"]
        except json.JSONDecodeError as exc:
            lines = [f"not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"]
        for line in lines:
            click.echo(f"error: {safe(line)}", err=True)
        sys.exit(2)

    return wrapper  # type: ignore[return-value]


def load_app(app_dir: Path) -> tuple[AppSpec, Path, Settings]:
    from stanchion.spec import load_spec

    spec = load_spec(app_dir)
    folder = (app_dir if app_dir.is_dir() else app_dir.parent).resolve()
    return spec, folder, Settings.from_env()


def app_store(app_dir: Path, *, migrated: bool = True) -> tuple[AppSpec, Store]:
    """The app's spec and store; unless ``migrated=False``, a store that lacks migrations
    this code needs is a one-line error (run `stanchion db upgrade`)."""
    from stanchion.store.opening import open_store

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


# Characters a terminal acts on instead of showing: C0/C1 controls (newline, carriage
# return, escape sequences), format characters (bidi overrides, zero-width), line and
# paragraph separators, and unassigned or private code points.
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if unicodedata.category(ch) not in _HIDDEN:
        return ch
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _clean(value: Any, keep: frozenset[str]) -> str:
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(ch if ch in keep else _escape(ch) for ch in text)


def safe(value: Any) -> str:
    """Text for one line of a terminal: every control, format or separator character is
    shown escaped (``\\n``, ``\\x1b``, ``\\u202e``), so a name cannot start a new table row,
    move the cursor, recolour or reorder what follows. None is the empty string.

        assert safe("bob\\nroot  admin") == "bob\\\\nroot  admin"
    """
    return _clean(value, frozenset())


_LINES = frozenset("\n\t")


def safe_block(value: Any) -> str:
    """Like ``safe`` for multi-line content (a document, a prompt, an answer): newlines and
    tabs stay, everything else a terminal would act on is escaped."""
    return _clean(value, _LINES)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[safe(h) for h in headers]] + [[_cell(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"
    return safe(value)


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)
