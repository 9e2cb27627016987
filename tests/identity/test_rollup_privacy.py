"""The KPI rollups and people (issue 13 item 3): ``kpi_users`` counts users by a keyed
pseudonym, never by name; an erasure cuts the subject's pseudonym and keeps the counts; the
rollups are purged by retention (per-user rows with the traces, aggregates with
``rollups_days``). On SQLite and PostgreSQL, through a real gateway and the CLI."""

from __future__ import annotations

import time
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from stanchion.cli.main import cli
from stanchion.reports.activity import kpi_user_bits
from stanchion.reports.rollup import kpi_latency_days, kpi_rollup, kpi_users
from stanchion.reports.rollup_privacy import UserKey
from stanchion.retention import RetentionSpec
from stanchion.retention.purge import purge
from stanchion.runtime import app_cipher, load_spec
from tests.conftest import openai_route
from tests.identity.test_subjects import chat, stored
from tests.upstream import Upstream


def _users(gw: Any, table: Any = kpi_users) -> set[str]:
    with gw.store.engine.connect() as conn:
        return set(conn.execute(select(table.c.user).distinct()).scalars())


def test_rollup_users_are_pseudonyms_erased_and_purged(
    db_url: str, gateway_factory: Any, up: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)])
    admin = gw.make_key("admin", user="root")
    for user in ("hana", "ivan"):
        stored(gw, chat(gw, gw.make_key(user=user), f"{user} asks"), admin)
    cipher = app_cipher(load_spec(gw.spec_file), gw.folder, gw.settings, gw.store)
    pseudonym = UserKey(cipher)
    assert _users(gw) == {pseudonym("hana"), pseudonym("ivan")}  # no names
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)
    monkeypatch.setenv("STANCHION_DATABASE_URL", db_url)
    done = CliRunner().invoke(cli, ["subjects", "erase", "hana", "--yes", "--app", str(gw.folder)])
    assert done.exit_code == 0 and "kpi_users: 4" in done.output, done.output  # 4 dimensions
    # (one hour each: the two chats a second apart; an hour boundary between them would not
    # change the user rows, only the hours)
    after = _users(gw)
    assert pseudonym("hana") not in after and pseudonym("ivan") in after
    assert len(after) == 2  # the tombstone keeps hana counted in the past
    bits = _users(gw, kpi_user_bits)  # the console's activity bitmaps follow
    assert pseudonym("hana") not in bits and pseudonym("ivan") in bits and len(bits) == 2
    gw.stop()
    with gw.store.engine.connect() as conn:
        hours = conn.execute(select(func.count()).select_from(kpi_rollup)).scalar()
        user_rows = conn.execute(select(func.count()).select_from(kpi_users)).scalar()
    later = time.time() + 3 * 86400
    counts = purge(gw.store, "demo", RetentionSpec(traces_days=1), later)
    assert counts["rollup_users"] >= user_rows == 8 and "rollups" not in counts
    with gw.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(kpi_rollup)).scalar() == hours
        assert not _users(gw)
    counts = purge(gw.store, "demo", RetentionSpec(rollups_days=2), later)
    assert counts["rollups"] > 0
    with gw.store.engine.connect() as conn:
        for table in (kpi_rollup, kpi_latency_days):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
