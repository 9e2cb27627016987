"""The keyed audit chain against the eight ways to tamper with it (issue 8, item 7), on SQLite
and PostgreSQL: each case is done the way an attacker with write access to the database (and
none to the key or the checkpoint) would do it, and `verify` must name it."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, delete, insert, select, text, update

from stanchion.store.audit import (
    GENESIS,
    AuditKeys,
    AuditReport,
    accept_head,
    append_audit,
    bind_audit,
    open_detail,
    verify,
)
from stanchion.store.checkpoints import FileCheckpoints, SqlCheckpoints
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import audit_events

N = 6


@pytest.fixture()
def key() -> bytes:
    return os.urandom(32)


@pytest.fixture()
def store(db_url: str, tmp_path: Path, key: bytes) -> Iterator[Store]:
    s = Store(db_url)
    s.upgrade()
    bind_audit(s.engine, AuditKeys.from_cipher(Cipher(key), FileCheckpoints(tmp_path / "cp")))
    yield s
    s.dispose()


@pytest.fixture()
def raw(db_url: str) -> Iterator[Store]:
    """The attacker's view: the same database, no key. On PostgreSQL a superuser who turns
    the append-only triggers off (migration 0008) for the session: the chain must still
    catch what they do."""
    s = Store(db_url)
    if s.engine.dialect.name == "postgresql":
        from sqlalchemy import event

        @event.listens_for(s.engine, "connect")
        def _bypass(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute("SET session_replication_role = replica")

    yield s
    s.dispose()


def fill(store: Store, n: int = N, start: int = 0) -> None:
    for i in range(start, start + n):
        with store.engine.begin() as conn:
            append_audit(conn, "ana", "key.create", f"k{i}", {"role": "user", "note": f"n{i}"})


def check(store: Store) -> AuditReport:
    with store.engine.connect() as conn:
        return verify(conn)


def rows(conn: Connection) -> list[Any]:
    return list(conn.execute(select(audit_events).order_by(audit_events.c.seq)))


def sha_chain(
    conn: Connection, changed: dict[int, dict[str, Any]], from_seq: int = 1, upto: int = 1 << 30
) -> None:
    """Rewrite rows ``from_seq``..``upto`` with the old public recipe (plain SHA-256)."""
    prev = GENESIS
    for row in rows(conn):
        values = {**row._mapping, **changed.get(row.seq, {})}
        if from_seq <= row.seq <= upto:
            payload = orjson.dumps(
                [
                    prev,
                    values["seq"],
                    repr(values["at"]),
                    values["actor"],
                    values["action"],
                    values["target"],
                    values["detail"],
                ]
            )
            values["prev_hash"], values["hash"] = prev, hashlib.sha256(payload).hexdigest()
            conn.execute(update(audit_events).where(audit_events.c.seq == row.seq).values(**values))
        prev = values["hash"]


def test_intact_chain_is_keyed_sealed_and_checkpointed(store: Store, tmp_path: Path) -> None:
    fill(store)
    rep = check(store)
    assert rep.ok and rep.events == N and rep.keyed and rep.checkpoint_seq == N
    with store.engine.connect() as conn:
        first = rows(conn)[0]
        assert '"n0"' not in first.detail and '"role"' not in first.detail  # base64 has no "
        assert open_detail(conn, first.detail) == {"note": "n0", "role": "user"}
    assert (tmp_path / "cp").stat().st_mode & 0o777 == 0o600


def test_1_edit_a_row(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq == 3).values(actor="mallory"))
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 3 and "edited" in rep.problem


def test_2_delete_a_middle_row(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq == 3))
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 4 and "missing" in rep.problem


def test_3_insert_a_row(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(
            update(audit_events).values(seq=audit_events.c.seq + 100).where(audit_events.c.seq >= 4)
        )
        conn.execute(
            update(audit_events)
            .values(seq=audit_events.c.seq - 99)
            .where(audit_events.c.seq >= 100)
        )
        last = conn.execute(select(audit_events).where(audit_events.c.seq == 3)).one()
        forged = {**last._mapping, "seq": 4, "actor": "mallory", "prev_hash": last.hash}
        conn.execute(insert(audit_events).values(**{**forged, "hash": "f" * 64}))
        conn.execute(update(audit_events).where(audit_events.c.seq == 5).values(prev_hash="f" * 64))
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 4 and "forged" in rep.problem


def test_4_reorder_rows(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq == 2).values(seq=-2))
        conn.execute(update(audit_events).where(audit_events.c.seq == 3).values(seq=2))
        conn.execute(update(audit_events).where(audit_events.c.seq == -2).values(seq=3))
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 2 and "link broken" in rep.problem


def test_5_delete_the_newest_rows(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq > 4))
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 5
    assert f"events 5..{N} deleted (truncated)" in rep.problem


def test_6_delete_all_rows(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(delete(audit_events))
    rep = check(store)
    assert not rep.ok and rep.events == 0 and "all events deleted" in rep.problem


def test_7_edit_and_recompute_with_plain_sha256(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        sha_chain(conn, {3: {"actor": "mallory"}}, from_seq=3)
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 3 and "plain SHA-256" in rep.problem


def test_8_replace_the_chain_with_a_recomputed_one(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        sha_chain(conn, {i: {"actor": "mallory"} for i in range(1, N + 1)})
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 1 and "plain SHA-256" in rep.problem


def test_8b_a_chain_keyed_with_a_guessed_key_does_not_pass(
    store: Store, raw: Store, tmp_path: Path, db_url: str
) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(delete(audit_events))
    forger = Store(db_url)
    bind_audit(
        forger.engine,
        AuditKeys.from_cipher(Cipher(os.urandom(32)), FileCheckpoints(tmp_path / "theirs")),
    )
    fill(forger, N + 2)
    forger.dispose()
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 1 and "forged" in rep.problem


def test_checkpoint_edited_or_removed(store: Store, tmp_path: Path) -> None:
    fill(store)
    cp = tmp_path / "cp"
    doc = orjson.loads(cp.read_bytes())
    cp.write_bytes(orjson.dumps({**doc, "seq": 2}))
    rep = check(store)
    assert not rep.ok and "valid signature" in rep.problem
    cp.unlink()
    rep = check(store)
    assert not rep.ok and "no signed checkpoint" in rep.problem


def test_a_rolled_back_append_leaves_the_checkpoint_alone(store: Store) -> None:
    fill(store, 2)
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        append_audit(conn, "ana", "key.create", "gone")
        raise RuntimeError("abort")
    rep = check(store)
    assert rep.ok and rep.events == 2 and rep.checkpoint_seq == 2


def test_an_old_unkeyed_chain_is_kept_up_to_a_marked_point(
    store: Store, raw: Store, tmp_path: Path
) -> None:
    fill(raw, 3)
    (tmp_path / "cp").unlink(missing_ok=True)
    rep = check(store)
    assert rep.ok and rep.events == 3 and "old unkeyed scheme" in rep.note
    fill(store, 2, start=3)
    rep = check(store)
    assert rep.ok and rep.events == 6 and rep.legacy_end == 3 and rep.checkpoint_seq == 6
    with store.engine.connect() as conn:
        marker = rows(conn)[3]
    assert (marker.action, marker.target) == ("audit.keyed", "3")
    with raw.engine.begin() as conn:
        sha_chain(conn, {2: {"actor": "mallory"}}, from_seq=2, upto=3)
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 4 and "link broken" in rep.problem
    with raw.engine.begin() as conn:
        sha_chain(conn, {})
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 4 and "plain SHA-256" in rep.problem


def test_an_unkeyed_append_after_keying_is_caught(store: Store, raw: Store) -> None:
    fill(store, 3)
    fill(raw, 1)
    rep = check(store)
    assert not rep.ok and rep.first_bad_seq == 4 and "plain SHA-256" in rep.problem


def test_rotation_keeps_old_events_verifiable(db_url: str, tmp_path: Path, key: bytes) -> None:
    s = Store(db_url)
    s.upgrade()
    cp = FileCheckpoints(tmp_path / "cp")
    bind_audit(s.engine, AuditKeys.from_cipher(Cipher(key), cp))
    fill(s, 3)
    bind_audit(s.engine, AuditKeys.from_cipher(Cipher(os.urandom(32), old_keys=(key,)), cp))
    fill(s, 2, start=3)
    rep = check(s)
    s.dispose()
    assert rep.ok and rep.events == 5


def test_checkpoint_in_a_second_store(db_url: str, tmp_path: Path, key: bytes) -> None:
    s = Store(db_url)
    s.upgrade()
    second = SqlCheckpoints(f"sqlite:///{tmp_path / 'witness' / 'cp.db'}", "shop")
    bind_audit(s.engine, AuditKeys.from_cipher(Cipher(key), second))
    fill(s, 4)
    assert check(s).checkpoint_seq == 4
    with s.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # a superuser past the append-only trigger
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(delete(audit_events).where(audit_events.c.seq == 4))
    rep = check(s)
    s.dispose()
    second.dispose()
    assert not rep.ok and "events 4..4 deleted (truncated)" in rep.problem
    assert (tmp_path / "witness" / "cp.db").stat().st_mode & 0o777 == 0o600


def test_concurrent_appenders_keep_one_chain_and_checkpoint(db_url: str, tmp_path: Path) -> None:
    """Four appenders on separate engines (as separate replicas are) sharing one checkpoint."""
    key = os.urandom(32)
    stores = [Store(db_url) for _ in range(4)]
    stores[0].upgrade()
    for s in stores:
        bind_audit(s.engine, AuditKeys.from_cipher(Cipher(key), FileCheckpoints(tmp_path / "cp")))
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda s: fill(s, 15), stores))
    rep = check(stores[0])
    for s in stores:
        s.dispose()
    assert rep.ok and rep.events == 60 and rep.checkpoint_seq == 60


def test_a_checkpoint_that_cannot_be_written_stops_the_commit(store: Store, tmp_path: Path) -> None:
    fill(store, 2)
    (tmp_path / "cp").unlink()
    (tmp_path / "cp").mkdir()  # a folder where the file should be: every write fails
    with pytest.raises(OSError), store.engine.begin() as conn:
        append_audit(conn, "ana", "key.create", "lost")
    with store.engine.connect() as conn:
        assert [r.target for r in rows(conn)] == ["k0", "k1"]


def test_accept_reanchors_after_a_deliberate_restore(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq > 3))
    assert "truncated" in check(store).problem
    with store.engine.begin() as conn:
        accepted = accept_head(conn, "cli:ops")
    assert accepted.ok and accepted.checkpoint_seq == 4
    fill(store, 2, start=10)
    rep = check(store)
    assert rep.ok and rep.events == 6 and rep.checkpoint_seq == 6
    with store.engine.connect() as conn:
        event = rows(conn)[3]
        assert (event.action, open_detail(conn, event.detail)) == ("audit.accept", {"replaced": N})


def test_accept_refuses_a_broken_chain(store: Store, raw: Store) -> None:
    fill(store)
    with raw.engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq == 2).values(actor="mallory"))
    with store.engine.begin() as conn:
        refused = accept_head(conn, "cli:ops")
    assert not refused.ok and refused.first_bad_seq == 2
    assert check(store).checkpoint_seq == N
