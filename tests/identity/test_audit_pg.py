"""On PostgreSQL the audit log is append-only for the application (issue 13 item 5): after
`db upgrade`, the app's role cannot UPDATE, DELETE or TRUNCATE audit rows (privileges
revoked, and a trigger that refuses them even to the table's owner or a superuser)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from stanchion.store.audit import AuditKeys, append_audit, bind_audit, verify
from stanchion.store.checkpoints import FileCheckpoints
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from tests.conftest import PG_ADMIN, pg_admin

BASE = PG_ADMIN.rsplit("/", 1)[0]


@pytest.fixture()
def app_role_db() -> Iterator[tuple[str, str]]:
    """A database owned by a plain (non-superuser) role, as an app would run with."""
    admin = pg_admin()
    tag = secrets.token_hex(5)
    role, db = f"stn_app_{tag}", f"stn_{tag}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{db}" OWNER "{role}"'))
    app_url = BASE.replace("//postgres@", f"//{role}@") + "/" + db
    try:
        yield app_url, BASE + "/" + db
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_app_role_cannot_rewrite_audit(app_role_db: tuple[str, str], tmp_path: Path) -> None:
    app_url, super_url = app_role_db
    store = Store(app_url)
    store.upgrade()  # as the app's own role, as `stanchion db upgrade` runs
    keys = AuditKeys.from_cipher(Cipher(os.urandom(32)), FileCheckpoints(tmp_path / "cp"))
    bind_audit(store.engine, keys)
    for i in range(3):
        with store.engine.begin() as conn:
            append_audit(conn, "ana", "key.create", f"k{i}", {"i": i})
    for statement in (
        "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 3",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(DBAPIError) as refused, store.engine.begin() as conn:
            conn.execute(text(statement))
        assert "permission denied" in str(refused.value) or "append-only" in str(refused.value)
    superuser = create_engine(super_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), superuser.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    finally:
        superuser.dispose()
    try:
        with store.engine.connect() as conn:
            report = verify(conn)
        assert report.ok and report.events == 3, report
    finally:
        store.dispose()
