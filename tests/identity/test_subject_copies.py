"""Erasure reaches every copy (issue 13 item 3): with ``retention.subject_keys`` a user's review
items, reviewer notes, feedback comments, spooled traces and dead letters are sealed under
their own key like their traces, so copies taken before an erasure (a backup, a spool file)
do not open afterwards, even with the master key; other users' copies still do. A replica
that cached the key drops it within the erasure poll (the bound, tested here). SQLite and
PostgreSQL, real gateway and real trace writer."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from stanchion.errors import CryptoError
from stanchion.registry.schema import feedback, review_items
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.keyring import LocalMasterKey
from stanchion.store.schema import trace_dead_letters, traces
from stanchion.store.spool import SUFFIX, Spool
from stanchion.store.subjects import SubjectKeys, erase_subject
from stanchion.store.trace_writer import TraceWriter
from stanchion.store.traces import open_record, read_trace
from tests.conftest import openai_route
from tests.core.test_writer import _exchange, _wait
from tests.identity.test_subjects import chat, stored
from tests.upstream import Upstream


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    """A migrated store, disposed even when the test fails (no connection left open)."""
    made = Store(db_url)
    made.upgrade()
    yield made
    made.dispose()


def _reader(store: Store, master: bytes, poll: float = 0.0) -> Cipher:
    """A process holding the master key and the live key table (a restored backup's reader)."""
    cipher = Cipher(master)
    cipher.resolver = SubjectKeys(store, [LocalMasterKey(master)], "demo", poll=poll).resolve
    return cipher


def _blobs(store: Store) -> list[bytes]:
    """Every sealed review and feedback column, as a backup would hold them."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(review_items.c.question_enc, review_items.c.answer_enc, review_items.c.final_enc)
        ).all()
        rows += conn.execute(select(feedback.c.comment_enc, feedback.c.correction_enc)).all()
        notes = conn.execute(select(review_items.c.note)).scalars().all()
    out = [bytes(b) for r in rows for b in r if b is not None]
    return out + [base64.b64decode(n[3:]) for n in notes if n and n.startswith("s1:")]


def test_review_items_notes_and_feedback_follow_the_subject(
    db_url: str, gateway_factory: Any, up: Upstream
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], retention={"subject_keys": True})
    admin, dana, eli = gw.make_key("admin"), gw.make_key(user="dana"), gw.make_key(user="eli")
    ids = {"dana": chat(gw, dana, "dana's wombat card"), "eli": chat(gw, eli, "eli asks")}
    for who, key in (("dana", dana), ("eli", eli)):
        stored(gw, ids[who], admin)
        r = httpx.post(
            gw.url + "/v1/feedback",
            headers={"authorization": f"Bearer {key}"},
            json={"trace_id": ids[who], "score": 1, "comment": f"{who} says: wrong"},
        )
        assert r.status_code == 201 and r.json()["queued_for_review"], r.text
    head = {"authorization": f"Bearer {admin}"}
    edit = httpx.post(
        f"{gw.url}/admin/review/{ids['dana']}/edit",
        headers=head,
        json={"content": "fixed for dana", "note": "dana's card noted"},
    )
    assert edit.status_code == 200, edit.text
    master = base64.b64decode(gw.key)
    backup = _blobs(gw.store)
    assert len(backup) == 8  # 2 questions, 2 answers, 2 comments, dana's final and note
    for blob in backup:
        with pytest.raises(CryptoError):  # none under the app's own key
            Cipher(master).decrypt(blob)
    reader = _reader(gw.store, master)
    opened = [reader.decrypt(b) for b in backup]
    assert any(b"wombat" in o for o in opened) and any(b"card noted" in o for o in opened)
    with gw.store.engine.begin() as conn:
        erase_subject(conn, "demo", "dana", "test", lambda u: "u" + u)
    still = []
    for blob, was in zip(backup, opened, strict=True):
        try:
            still.append(reader.decrypt(blob))
        except CryptoError:
            assert b"eli" not in was
    assert still and all(b"dana" not in s and b"wombat" not in s for s in still)
    assert any(b"eli says" in s for s in still)
    item = httpx.get(f"{gw.url}/admin/review/{ids['dana']}", headers=head)
    assert item.status_code == 200, item.text
    assert item.json()["question"] is None and item.json()["note"] is None


def test_spool_and_dead_letters_follow_the_subject(store: Store, tmp_path: Path) -> None:
    master = os.urandom(32)
    cipher = Cipher(master)
    keys = SubjectKeys(store, [LocalMasterKey(master)], "demo")
    cipher.resolver, cipher.subjects = keys.resolve, keys
    asyncio.run(keys.warm("alice"))  # what the authenticate stage does
    writer = TraceWriter(store, cipher, spool=Spool(tmp_path / "spool"), batch=10, flush_ms=500)
    try:
        writer.submit(_exchange(1, prompt_tokens=2**70))  # refused by the store: a dead letter
        spooled = b"".join(p.read_bytes() for p in (tmp_path / "spool").glob("*" + SUFFIX))
        _wait(lambda: writer.dead == 1)
    finally:
        writer.close()
    with store.engine.connect() as conn:
        letter = bytes(conn.execute(select(trace_dead_letters.c.record)).scalar_one())
    assert b"q1" not in spooled and len(spooled) > 8
    record = spooled[4:]  # after the segment's length prefix: one sealed record
    reader = _reader(store, master)
    for copy in (record, letter):
        row = open_record(copy, reader)
        assert row["user"] == "alice" and b"q1" in reader.decrypt(row["request_enc"])
        with pytest.raises(CryptoError):  # not even its metadata opens with the app's key
            open_record(copy, Cipher(master))
    with store.engine.begin() as conn:
        erase_subject(conn, "demo", "alice", "test", lambda u: "u" + u)
    for copy in (record, letter):
        with pytest.raises(CryptoError):
            open_record(copy, _reader(store, master))


def test_a_replica_drops_an_erased_key_within_the_poll(store: Store) -> None:
    master = os.urandom(32)
    writer_side = SubjectKeys(store, [LocalMasterKey(master)], "demo")
    asyncio.run(writer_side.warm("fay"))
    sealer = writer_side.cached("fay")
    assert sealer is not None
    blob = sealer.encrypt(b"fay's words")
    poll = 0.3
    replica = _reader(store, master, poll=poll)  # a long ttl: only the erasure poll can help
    assert replica.decrypt(blob) == b"fay's words"
    with store.engine.begin() as conn:
        erase_subject(conn, "demo", "fay", "test", lambda u: "u" + u)
    erased_at = time.monotonic()
    while True:
        try:
            replica.decrypt(blob)
        except CryptoError:
            break
        assert time.monotonic() - erased_at < poll + 0.5, "the replica kept opening it"
        time.sleep(0.02)
    # and a writer that held fay's key makes a new one for her next request
    asyncio.run(writer_side.warm("fay"))
    time.sleep(writer_side.poll)
    asyncio.run(writer_side.warm("fay"))
    renewed = writer_side.cached("fay")
    assert renewed is not None and renewed is not sealer
    assert json.loads(replica.decrypt(renewed.encrypt(b'"again"'))) == "again"


def test_writer_fallback_reseals_under_a_committed_key(store: Store) -> None:
    """A trace submitted before its user's key was held (no authenticate stage: a replayed
    spool) is moved under the user's key by the writer; when its batch is refused and
    retried row by row, that key must still exist, or the stored row would never open."""
    master = os.urandom(32)
    cipher = Cipher(master)
    keys = SubjectKeys(store, [LocalMasterKey(master)], "demo")
    cipher.resolver, cipher.subjects = keys.resolve, keys
    writer = TraceWriter(store, cipher, batch=10, flush_ms=300, reseal=keys.reseal(cipher))
    try:
        for i in range(3):
            writer.submit(_exchange(i, prompt_tokens=2**70 if i == 1 else 5))
        _wait(lambda: writer.written + writer.dead == 3)
    finally:
        writer.close()
    assert (writer.written, writer.dead) == (2, 1)
    reader = _reader(store, master)
    for trace_id in ("t-000", "t-002"):
        trace = read_trace(store, reader, trace_id)
        assert trace is not None and not trace.get("erased"), trace
        with store.engine.connect() as conn:
            blob = conn.execute(select(traces.c.request_enc).where(traces.c.id == trace_id))
            sealed = bytes(blob.scalar_one())
        assert not cipher.holds(sealed)  # under alice's key, not the app's
