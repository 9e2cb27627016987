"""Shared fixtures: a real upstream model server, real SQLite and PostgreSQL stores, and a
real gateway on a socket. Outside CI an unreachable PostgreSQL skips its cases, visibly."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from stanchion.server.app import create_app
from stanchion.settings import Settings
from stanchion.store.db import Store
from stanchion.store.keys import create_key
from tests.upstream import Upstream, serve_in_thread

PG_ADMIN = os.environ.get("STANCHION_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    up = Upstream()
    up.start()
    yield up
    up.stop()


@pytest.fixture()
def up(upstream: Upstream) -> Upstream:
    upstream.reset()
    return upstream


def pg_admin() -> Any:
    """An AUTOCOMMIT engine on the test server as its superuser; the test is skipped when
    there is no server (outside CI)."""
    from sqlalchemy import create_engine, text

    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {type(exc).__name__}")
    return admin


def _pg_database() -> Iterator[str]:
    from sqlalchemy import text

    admin = pg_admin()
    name = f"stn_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/stanchion.db"
    else:
        yield from _pg_database()


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/stanchion.db"


BASE_SPEC: dict[str, Any] = {
    "app": "demo",
    "goal": {"statement": "answer questions", "kpis": {"satisfaction": 4.2}},
    "human_cost": {"per_task": 3.0, "minutes": 5},
    "owners": {"business": "biz@example.com"},
    "prompts": {"system": {"file": "system.md", "variables": {"company": "Acme"}}},
    "limits": {"max_body_bytes": 20000},
}


class Gateway:
    """One app: spec on disk, migrated store, keys, and a served instance."""

    def __init__(self, folder: Path, db_url: str, spec: dict[str, Any]) -> None:
        self.folder = folder
        (folder / "system.md").write_text("You are the assistant of {{ company }}.")
        (folder / "stanchion.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
        self.spec_file = folder / "stanchion.yaml"
        self.key = base64.b64encode(secrets.token_bytes(32)).decode()
        # rollups added with each batch: a test reads them as soon as its traces are stored
        # (the buffered default is tested in tests/core/test_rollup_buffer*.py)
        self.settings = Settings(
            encryption_key=self.key,
            database_url=db_url,
            auth_cache_seconds=0.0,
            trace_flush_ms=5.0,
            rollup_flush_seconds=0.0,
        )
        self.store = Store(db_url)
        self.store.upgrade()
        self.server: Any = None
        self.url = ""

    def make_key(self, role: str = "user", user: str = "alice", **kw: Any) -> str:
        with self.store.engine.begin() as conn:
            secret, _ = create_key(conn, user=user, role=role, actor="test", app="demo", **kw)
        return secret

    def start(self, **options: Any) -> str:
        """Serve on a socket; ``options`` go to uvicorn (``ssl_certfile`` serves https)."""
        app = create_app(self.spec_file, self.settings)
        self.server, port = serve_in_thread(app, **options)
        scheme = "https" if options.get("ssl_certfile") else "http"
        self.url = f"{scheme}://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.server.thread.join(10)
            self.server = None
        self.store.dispose()


@pytest.fixture()
def gateway_factory(tmp_path: Path) -> Iterator[Any]:
    made: list[Gateway] = []

    def make(
        db_url: str, routes: list[dict[str, Any]], start: bool = True, **extra: Any
    ) -> Gateway:
        spec = {**BASE_SPEC, "models": {"default": routes[0]["name"], "routes": routes}, **extra}
        folder = tmp_path / f"app{len(made)}"
        folder.mkdir()
        gw = Gateway(folder, db_url, spec)
        made.append(gw)
        if start:
            gw.start()
        return gw

    yield make
    for gw in made:
        gw.stop()


def openai_route(up: Upstream, name: str = "gpt", **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "provider": "openai",
        "model": "up-model",
        "base_url": up.base_url,
        "price": {"input": 1.0, "output": 2.0},
        "timeout": 5,
        "retries": 2,
        **kw,
    }


_SDK: list[Any] = []


def tracked(client: Any) -> Any:
    """An SDK client (openai, anthropic) closed when the test ends, not whenever the garbage
    collector gets to it: its unclosed socket would be a ResourceWarning in a later test."""
    _SDK.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Iterator[None]:
    yield
    while _SDK:
        _SDK.pop().close()
