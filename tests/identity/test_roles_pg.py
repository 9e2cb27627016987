"""The owner/app role split on PostgreSQL (issue 13 item 5): ``db upgrade`` runs as the owner
(``STANCHION_OWNER_DATABASE_URL``), makes the serving role of ``STANCHION_DATABASE_URL`` and
grants it rows but only INSERT/SELECT on audit rows; ``serve`` runs as that role, and it can
neither rewrite the audit log nor turn its trigger off, since it owns nothing."""

from __future__ import annotations

import base64
import dataclasses
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from stanchion.cli.main import cli
from stanchion.runtime import open_store
from stanchion.spec import load_spec
from stanchion.store.db import Store
from tests.conftest import BASE_SPEC, PG_ADMIN, Gateway, openai_route, pg_admin
from tests.identity.test_subjects import chat, stored
from tests.upstream import Upstream

BASE = PG_ADMIN.rsplit("/", 1)[0]


@pytest.fixture()
def owned_db() -> Iterator[tuple[str, str]]:
    """(owner URL, serving URL): a database owned by a plain role that may create roles;
    the serving role does not exist yet."""
    admin = pg_admin()
    tag = secrets.token_hex(5)
    owner, app, db = f"stn_own_{tag}", f"stn_srv_{tag}", f"stn_{tag}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE DATABASE "{db}" OWNER "{owner}"'))
    url = BASE.replace("//postgres@", "//{}@") + "/" + db
    try:
        yield url.format(owner), url.format(app)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{app}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def test_serving_role_cannot_rewrite_or_unguard_audit(
    owned_db: tuple[str, str], tmp_path: Path, up: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner_url, app_url = owned_db
    spec = {**BASE_SPEC, "models": {"default": "gpt", "routes": [openai_route(up)]}}
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "stanchion.yaml").write_text(yaml.safe_dump(spec))
    (folder / "system.md").write_text("You help.")
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", key)
    monkeypatch.setenv("STANCHION_DATABASE_URL", app_url)
    monkeypatch.setenv("STANCHION_OWNER_DATABASE_URL", owner_url)
    for _ in range(2):  # the role is made once; grants are re-applied on every upgrade
        done = CliRunner().invoke(cli, ["db", "upgrade", "--app", str(folder)])
        assert done.exit_code == 0, done.output
        assert "INSERT and SELECT only on audit_events" in done.output
    gw = Gateway(folder, app_url, spec)  # serves as the serving role
    gw.key, gw.settings = key, dataclasses.replace(gw.settings, encryption_key=key)
    gw.store.dispose()  # keys made by the test go through the app's keyed audit chain
    gw.store = open_store(load_spec(folder), folder, gw.settings)
    gw.start()
    try:
        admin = gw.make_key("admin", user="root")
        stored(gw, chat(gw, gw.make_key(user="gil"), "hello"), admin)
        audit = httpx.get(
            gw.url + "/admin/audit/verify", headers={"authorization": f"Bearer {admin}"}
        )
        assert audit.json()["ok"] is True and audit.json()["events"] >= 4, audit.text
        for statement in (
            "UPDATE audit_events SET actor = 'mallory'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
            "DROP TRIGGER audit_events_append_only ON audit_events",
            "UPDATE alembic_version SET version_num = 'x'",
        ):
            with pytest.raises(DBAPIError) as refused, gw.store.engine.begin() as conn:
                conn.execute(text(statement))
            said = str(refused.value)
            assert "permission denied" in said or "must be owner" in said, (statement, said)
    finally:
        gw.stop()
    monkeypatch.setenv("STANCHION_OWNER_DATABASE_URL", app_url)  # the same role twice: refused
    same = CliRunner().invoke(cli, ["db", "upgrade", "--app", str(folder)])
    assert same.exit_code != 0 and "STANCHION_OWNER_DATABASE_URL" in same.output
    verify = Store(owner_url)
    try:
        with verify.engine.connect() as conn:
            kinds = conn.execute(text("SELECT action FROM audit_events ORDER BY seq")).scalars()
            assert "db.grant" in list(kinds)
    finally:
        verify.dispose()
