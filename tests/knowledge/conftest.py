"""Stores for the knowledge tests: real SQLite in tmp_path and real PostgreSQL.

PostgreSQL tests get their own database, created and dropped here; outside CI they skip
with a visible reason when the server is unreachable, with CI=true they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_database() -> Iterator[str]:
    name = f"stanchion_kn_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 unreachable: {exc.__class__.__name__}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'app.db'}")
        s.upgrade()
        yield s
        s.dispose()
        return
    gen = _pg_database()
    url = next(gen)
    s = Store(url)
    s.upgrade()
    try:
        yield s
    finally:
        s.dispose()
        gen.close()


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(bytes(range(32)))


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    d = tmp_path / "app"
    (d / "docs").mkdir(parents=True)
    return d


async def knowledge_from(
    store: Store,
    cipher: Cipher,
    app_dir: Path,
    docs: dict[str, str],
    k: int = 3,
    extra: dict[str, Any] | None = None,
) -> Knowledge:
    """A started Knowledge over ``docs`` (name -> markdown), ingested and approved;
    ``extra``: more of the knowledge section (``answerability``, ``no_evidence``...)."""
    for name, body in docs.items():
        (app_dir / "docs" / name).write_text(body)
    retrieval = {"backend": "local" if store.is_sqlite else "postgres", "k": k}
    spec = KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": retrieval, **(extra or {})}
    )
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    return knowledge
