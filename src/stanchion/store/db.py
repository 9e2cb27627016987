"""The store: one SQLAlchemy engine (SQLite WAL embedded, PostgreSQL at scale).

The core is async; database calls are blocking, so they run in worker threads through
``Store.run`` and never on the event loop.
"""

from __future__ import annotations

import ast
import asyncio
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from stanchion.errors import StoreError
from stanchion.store.files import private_file

T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (down, refused, read-only, locked, gone)
    rather than that one statement or value was wrong: the first is retried, never blamed
    on a row."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError))


def refused(exc: BaseException) -> bool:
    """Whether the store refused the values of a write (a row's fault, so retrying that row
    alone can tell), as opposed to the store being away or lacking its tables."""
    if isinstance(exc, (sa_exc.DataError, sa_exc.IntegrityError)):
        return True
    return not isinstance(exc, (sa_exc.DBAPIError, sa_exc.TimeoutError))


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and pick the psycopg 3 driver for it."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def resolve_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path is relative to ``base`` (the app's folder)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url


class Store:
    """The database behind one app: an engine, migrations, and a thread hop."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            path = make_url(self.url).database
            if path and path != ":memory:" and not path.startswith("file:"):
                private_file(Path(path))
            self.engine: Engine = create_engine(
                self.url, connect_args={"check_same_thread": False, "timeout": 30}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, pool_size=10, max_overflow=10, pool_pre_ping=True)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking database function in a worker thread."""
        return await asyncio.to_thread(fn, *args)

    def connect(self) -> Connection:
        return self.engine.connect()

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["engine"] = self.engine
        return cfg

    def upgrade(self) -> str | None:
        """Apply every migration not yet applied; returns the new head revision."""
        from alembic import command

        command.upgrade(self._alembic_config(), "head")
        return self.current_revision()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def check_current(self) -> None:
        """Refuse to serve a database that lacks migrations this code needs."""
        if _at_head(self.engine):
            return
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            raise StoreError(
                f"database at {self.url!r} is at migration {current or 'none'}, code needs "
                f"{head}: run `stanchion db upgrade`"
            )

    def dispose(self) -> None:
        self.engine.dispose()


@functools.cache
def _file_head() -> str | None:
    """The one head of the migration files, read without alembic (whose imports cost about
    0.25 s of CPU, a store-only command's largest part); None unless exactly one."""
    downs: dict[str, tuple[str, ...]] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                found[target.id] = ast.literal_eval(value)
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or revision in downs:
            return None
        downs[revision] = (down,) if isinstance(down, str) else tuple(down or ())
    parents = {p for ds in downs.values() for p in ds}
    heads = [r for r in downs if r not in parents]
    return heads[0] if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """True when the database is certainly at the files' head; False means "ask alembic",
    which decides (and words the error) whenever this quick look is not sure."""
    head = _file_head()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except sa_exc.DBAPIError:
        return False
    return [row[0] for row in rows] == [head]
