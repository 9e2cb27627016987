"""Store-only commands load only the store: opening it, the spec, keys and access import
none of the serving stack, and the migration check reads the head without alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

import stanchion.runtime
import stanchion.store.opening
from stanchion.errors import StoreError
from stanchion.store import db as store_db
from stanchion.store.db import Store

HEAVY = (
    "stanchion.runtime",
    "stanchion.guards.engine",
    "stanchion.knowledge.build",
    "stanchion.providers.registry",
    "aiohttp",
    "alembic",
    "joserfc",
)


def test_store_modules_import_no_serving_stack() -> None:
    probe = (
        "import sys, stanchion.store.opening, stanchion.spec, stanchion.access, "
        "stanchion.store.keys, stanchion.cli.main; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_runtime_still_exports_the_opening() -> None:
    for name in ("open_store", "open_app_store", "app_cipher", "audit_keys", "master_keys"):
        assert getattr(stanchion.runtime, name) is getattr(stanchion.store.opening, name)


def test_guards_names_load_on_use() -> None:
    import stanchion.guards as guards
    from stanchion.guards.engine import GuardEngine

    assert guards.GuardEngine is GuardEngine
    with pytest.raises(AttributeError):
        _ = guards.NoSuchGuard  # type: ignore[attr-defined]


def test_file_head_is_alembics_head(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        assert store_db._file_head() == store.head_revision()
    finally:
        store.dispose()


def test_check_current_quick_and_slow_paths(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        with pytest.raises(StoreError, match="at migration none"):
            store.check_current()  # no version table: alembic decides and words it
        head = store.upgrade()
        assert store_db._at_head(store.engine)
        store.check_current()
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001_core'"))
        assert not store_db._at_head(store.engine)
        with pytest.raises(StoreError, match=f"at migration 0001_core, code needs {head}"):
            store.check_current()
    finally:
        store.dispose()
