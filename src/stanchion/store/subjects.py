"""Data subjects: with ``retention.subject_keys``, everything personal of a user (trace
content, the spool's and the dead letters' copies, review items, held answers, feedback
comments) is sealed under their own data key, so erasing the key erases the content
everywhere it was copied (backups included), while rows, counts and the audit chain stay.
Erasure also empties the content columns of the user's rows in either mode.

The event loop never asks the store for a key: the authenticate stage fetches the user's key
off the loop (``warm``), the trace writer's ``submit`` seals with it from memory (``cached``);
code already in a worker thread asks ``sealer`` (``Cipher.for_subject``). Readers find a
subject's key by the id the blob carries (``Cipher.resolver``).

An erasure moves the app's erasure generation on; every replica reads it at most once per
``poll`` seconds when it next uses a subject key and drops what it cached, so an erased user's
content stops opening everywhere within ``poll`` (1 s) of the erasure; ``ttl`` bounds the
cache in case the generation cannot be read.

    keys = SubjectKeys(store, masters, "shop")
    cipher.resolver, cipher.subjects = keys.resolve, keys
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Connection, Double, Integer, String, Table, select, update

from stanchion.errors import CryptoError
from stanchion.registry.schema import feedback, review_items
from stanchion.store import generation
from stanchion.store.audit import append_audit
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.keyring import MasterKey, destroy_subject, key_by_id, subject_key
from stanchion.store.schema import api_keys, metadata, traces

SUBJECT_KEY_TTL = 30.0
ERASURE_POLL = 1.0
MAX_CACHED = 10_000

subject_erasures = Table(
    "subject_erasures",
    metadata,
    Column("app", String(100), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("changed_at", Double, nullable=False),
)


class SubjectKeys:
    def __init__(
        self,
        store: Store,
        masters: list[MasterKey],
        app: str,
        ttl: float = SUBJECT_KEY_TTL,
        poll: float = ERASURE_POLL,
    ):
        self.store, self.masters, self.app, self.ttl, self.poll = store, masters, app, ttl, poll
        self._by_id: OrderedDict[bytes, tuple[AESGCM | None, float]] = OrderedDict()
        self._by_subject: OrderedDict[str, tuple[Cipher, float]] = OrderedDict()
        self._generation: int | None = None
        self._checked = float("-inf")

    def _sync(self) -> None:
        """Drop every cached key once the app's erasure generation moved (read at most once
        per ``poll``; in a worker thread)."""
        now = time.monotonic()
        if now - self._checked < self.poll:
            return
        with self.store.engine.connect() as conn:
            seen = generation.read(conn, subject_erasures, self.app)
        if self._generation is not None and seen != self._generation:
            self._by_id.clear()
            self._by_subject.clear()
        self._generation, self._checked = seen, now

    def resolve(self, kid: bytes) -> AESGCM | None:
        """The key a blob names, if it still exists (None once erased)."""
        self._sync()
        now = time.monotonic()
        hit = self._by_id.get(kid)
        if hit is not None and now - hit[1] <= self.ttl:
            return hit[0]
        try:
            with self.store.engine.connect() as conn:
                key = key_by_id(conn, self.masters, kid.hex())
        except CryptoError:  # another app's key (a shared database): not ours to open
            key = None
        aead = AESGCM(key) if key is not None else None
        _remember(self._by_id, kid, (aead, now))
        return aead

    def _hit(self, subject: str) -> Cipher | None:
        hit = self._by_subject.get(subject)
        if hit is not None and time.monotonic() - hit[1] <= self.ttl:
            return hit[0]
        return None

    def sealer(self, conn: Connection, subject: str) -> Cipher:
        """The subject's sealing cipher, in ``conn``'s transaction (made on first use). A key
        made here is not cached: the caller's transaction may still roll it back."""
        self._sync()
        found = self._hit(subject)
        if found is not None:
            return found
        key = subject_key(conn, self.masters[0], self.app, subject, create=False)
        if key is not None:
            return self._keep(subject, key)
        made = subject_key(conn, self.masters[0], self.app, subject, create=True)
        assert made is not None
        return Cipher(made)

    def _load(self, subject: str) -> Cipher:
        self._sync()
        found = self._hit(subject)
        if found is not None:
            return found
        with self.store.engine.begin() as conn:  # committed before anything uses it
            key = subject_key(conn, self.masters[0], self.app, subject, create=True)
        assert key is not None
        return self._keep(subject, key)

    async def warm(self, subject: str) -> None:
        """Hold the subject's key in memory for this request's ``cached`` (off the loop,
        and only when it is not held already or the erasure generation is due a read)."""
        fresh = time.monotonic() - self._checked < self.poll
        if not (fresh and self._hit(subject) is not None):
            await self.store.run(self._load, subject)

    def cached(self, subject: str) -> Cipher | None:
        hit = self._by_subject.get(subject)
        return hit[0] if hit is not None else None

    def _keep(self, subject: str, key: bytes) -> Cipher:
        sealer = Cipher(key)
        _remember(self._by_subject, subject, (sealer, time.monotonic()))
        return sealer

    def reseal(self, cipher: Cipher) -> Callable[[Connection, list[dict[str, Any]]], None]:
        """For the trace writer: content still under the app's key (a trace submitted before
        its user's key was held here) moved under its user's key as it is written."""

        def run(conn: Connection, rows: list[dict[str, Any]]) -> None:
            for row in rows:
                user = row.get("user")
                blobs = [c for c in ("request_enc", "response_enc") if row.get(c)]
                todo = [c for c in blobs if cipher.holds(row[c])]
                if not user or not todo:
                    continue
                # a key committed on its own: the row is changed in place, and a refused
                # batch is retried row by row, so the key must outlive this transaction
                sealer = self._load(str(user))
                for col in todo:
                    row[col] = sealer.encrypt(cipher.decrypt(row[col]))

        return run


def _remember(lru: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    lru[key] = value
    lru.move_to_end(key)
    while len(lru) > MAX_CACHED:
        lru.popitem(last=False)


CONTENT = (
    ("traces", traces, ("request_enc", "response_enc")),
    ("review_items", review_items, ("question_enc", "answer_enc", "final_enc", "note")),
    ("feedback", feedback, ("comment_enc", "correction_enc")),
)


def erase_subject(
    conn: Connection, app: str, subject: str, actor: str, user_key: Callable[[str], str]
) -> dict[str, int]:
    """Erase a subject: their data keys destroyed (content sealed under them, wherever it was
    copied, is unreadable for good), every content column of their rows in this database
    emptied, and their pseudonym in the KPI rollups cut (``user_key`` makes it); rows keep
    their ids, times, costs and decisions for the reports. Audited."""
    from stanchion.reports.rollup_privacy import erase_rollup_user

    done = {"keys": destroy_subject(conn, app, subject)}
    generation.bump(conn, subject_erasures, app)
    for name, table, cols in CONTENT:
        result = conn.execute(
            update(table)
            .where(table.c.app == app, table.c.user == subject)
            .values(**dict.fromkeys(cols))
        )
        done[name] = int(result.rowcount or 0)
    done["kpi_users"] = erase_rollup_user(conn, app, subject, user_key)
    append_audit(conn, actor, "subject.erase", subject[:200], done)
    return done


def export_subject(conn: Connection, cipher: Cipher, app: str, subject: str) -> dict[str, Any]:
    """Everything stored about one subject in this app, decrypted, as JSON-ready data."""
    keys = conn.execute(
        select(api_keys.c.id, api_keys.c.role, api_keys.c.created_at, api_keys.c.revoked_at).where(
            api_keys.c.user == subject, api_keys.c.app == app
        )
    ).all()
    rows = conn.execute(
        select(traces)
        .where(traces.c.app == app, traces.c.user == subject)
        .order_by(traces.c.created_at)
    ).all()
    out = []
    for r in rows:
        item = {
            "id": r.id,
            "created_at": r.created_at,
            "decision": r.decision,
            "model": r.model,
            "cost": r.cost,
        }
        for col, name in (("request_enc", "request"), ("response_enc", "response")):
            blob = getattr(r, col)
            try:
                item[name] = orjson.loads(cipher.decrypt(bytes(blob))) if blob else None
            except CryptoError:
                item[name], item["erased"] = None, True
        out.append(item)
    return {
        "subject": subject,
        "app": app,
        "api_keys": [{str(c): v for c, v in k._mapping.items()} for k in keys],
        "traces": out,
    }
