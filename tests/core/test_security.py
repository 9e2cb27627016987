"""Keys stored hashed, content sealed, the audit chain catching edits, inserts and deletes."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, insert, select, text, update

from stanchion.errors import CryptoError
from stanchion.runtime import build_runtime
from stanchion.settings import Settings
from stanchion.store.audit import append_audit, verify
from stanchion.store.crypto import Cipher, load_cipher, new_key_file
from stanchion.store.db import Store
from stanchion.store.keys import create_key, find_key, hash_key
from stanchion.store.schema import api_keys, audit_events


@pytest.fixture()
def store(db_url: str) -> Store:
    s = Store(db_url)
    s.upgrade()
    return s


def test_keys_are_stored_only_as_hash(store: Store) -> None:
    with store.engine.begin() as conn:
        secret, rec = create_key(conn, user="u", role="user", actor="t")
    assert secret.startswith("sk-")
    with store.engine.connect() as conn:
        row = conn.execute(select(api_keys)).one()
        assert row.hash == hash_key(secret) and secret not in str(tuple(row))
        found = find_key(conn, secret)
    assert found is not None and found.id == rec.id
    store.dispose()


def chain(store: Store, n: int = 5) -> None:
    with store.engine.begin() as conn:
        for i in range(n):
            append_audit(conn, "tester", "thing.do", f"t{i}", {"i": i})


def test_audit_chain_verifies(store: Store) -> None:
    chain(store)
    with store.engine.connect() as conn:
        rep = verify(conn)
    assert rep.ok and rep.events == 5
    store.dispose()


def past_the_trigger(conn: Connection) -> None:
    """On PostgreSQL the audit table is append-only (migration 0008): the attacker here is a
    superuser who switched its triggers off for the session; the chain must still catch it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def test_audit_catches_an_edit(store: Store) -> None:
    chain(store)
    with store.engine.begin() as conn:
        past_the_trigger(conn)
        conn.execute(update(audit_events).where(audit_events.c.seq == 3).values(actor="mallory"))
        rep = verify(conn)
    assert not rep.ok and rep.first_bad_seq == 3 and "edited" in rep.problem
    store.dispose()


def test_audit_catches_a_delete(store: Store) -> None:
    chain(store)
    with store.engine.begin() as conn:
        past_the_trigger(conn)
        conn.execute(delete(audit_events).where(audit_events.c.seq == 2))
        rep = verify(conn)
    assert not rep.ok and rep.first_bad_seq == 3 and "missing" in rep.problem
    store.dispose()


def test_audit_catches_an_insert(store: Store) -> None:
    chain(store)
    with store.engine.begin() as conn:
        past_the_trigger(conn)
        conn.execute(
            update(audit_events).values(seq=audit_events.c.seq + 100).where(audit_events.c.seq >= 4)
        )
        conn.execute(
            update(audit_events)
            .values(seq=audit_events.c.seq - 99)
            .where(audit_events.c.seq >= 100)
        )
        last = conn.execute(select(audit_events).where(audit_events.c.seq == 3)).one()
        conn.execute(
            insert(audit_events).values(
                seq=4,
                at=last.at,
                actor="mallory",
                action="key.create",
                target="x",
                detail="{}",
                prev_hash=last.hash,
                hash="f" * 64,
            )
        )
        rep = verify(conn)
    assert not rep.ok and rep.first_bad_seq == 4
    store.dispose()


def test_cipher_round_trip_and_tamper() -> None:
    c = Cipher(os.urandom(32))
    blob = c.encrypt_text("secret text")
    assert b"secret" not in blob and c.decrypt_text(blob) == "secret text"
    with pytest.raises(CryptoError, match="authentication"):
        c.decrypt(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(CryptoError, match="does not have"):
        Cipher(os.urandom(32)).decrypt(blob)
    old = os.urandom(32)
    sealed = Cipher(old).encrypt(b"x")
    assert Cipher(os.urandom(32), old_keys=(old,)).decrypt(sealed) == b"x"


def test_key_file_is_0600_and_loose_files_refused(tmp_path: Path) -> None:
    path = tmp_path / "k" / "master.key"
    key = new_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_cipher(None, path).decrypt(Cipher(key).encrypt(b"a")) == b"a"
    path.chmod(0o644)
    with pytest.raises(CryptoError, match="chmod 600"):
        load_cipher(None, path)
    with pytest.raises(CryptoError, match="no encryption key"):
        load_cipher(None, tmp_path / "absent.key")
    with pytest.raises(CryptoError, match="32 bytes"):
        load_cipher(base64.b64encode(b"short").decode(), None)


def test_server_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    (tmp_path / "stanchion.yaml").write_text(
        "app: demo\ngoal: {statement: x}\nowners: {business: b}\n"
        "models: {default: l, routes: [{name: l, provider: local}]}\n"
    )
    with pytest.raises(CryptoError, match="STANCHION_ENCRYPTION_KEY"):
        build_runtime(tmp_path, Settings())
