"""Data subjects: with ``retention.subject_keys``, each user's trace content sealed under
their own data key, so erasing the key erases the content everywhere it was copied (backups
included), while rows, counts and the audit chain stay. Erasure also empties the content
columns of the user's rows (traces, review items, feedback) in either mode.

The request path seals with the app's data key (no store access on the event loop); the
trace writer, already in its own thread and transaction, re-seals a row's content under its
user's key just before it is written. Readers find a subject's key by the id the blob
carries (``Cipher.resolver``), cached for ``ttl`` seconds: an erasure made elsewhere is
seen here within that time.

    keys = SubjectKeys(store, master)
    cipher.resolver = keys.resolve
    writer.reseal = keys.reseal(cipher)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, select, update

from stanchion.errors import CryptoError
from stanchion.registry.schema import feedback, review_items
from stanchion.store.audit import append_audit
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.keyring import MasterKey, destroy_subject, key_by_id, subject_key
from stanchion.store.schema import api_keys, traces

SUBJECT_KEY_TTL = 30.0


class SubjectKeys:
    def __init__(
        self, store: Store, masters: list[MasterKey], app: str, ttl: float = SUBJECT_KEY_TTL
    ):
        self.store, self.masters, self.app, self.ttl = store, masters, app, ttl
        self._by_id: OrderedDict[bytes, tuple[AESGCM | None, float]] = OrderedDict()
        self._by_subject: dict[str, tuple[bytes, float]] = {}

    def resolve(self, kid: bytes) -> AESGCM | None:
        """The key a blob names, if it still exists (None once erased)."""
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
        self._by_id[kid] = (aead, now)
        while len(self._by_id) > 10_000:
            self._by_id.popitem(last=False)
        return aead

    def key_for(self, conn: Connection, subject: str) -> bytes:
        now = time.monotonic()
        hit = self._by_subject.get(subject)
        if hit is not None and now - hit[1] <= self.ttl:
            return hit[0]
        key = subject_key(conn, self.masters[0], self.app, subject, create=True)
        assert key is not None
        if len(self._by_subject) > 10_000:
            self._by_subject.clear()
        self._by_subject[subject] = (key, now)
        return key

    def reseal(self, cipher: Cipher) -> Callable[[Connection, list[dict[str, Any]]], None]:
        """For the trace writer: each row's content moved under its user's key."""

        def run(conn: Connection, rows: list[dict[str, Any]]) -> None:
            for row in rows:
                user = row.get("user")
                if not user:
                    continue
                key = self.key_for(conn, str(user))
                for col in ("request_enc", "response_enc"):
                    if row.get(col):
                        row[col] = Cipher.seal_with(key, cipher.decrypt(row[col]))

        return run

    def forget(self, subject: str) -> None:
        self._by_subject.pop(subject, None)
        self._by_id.clear()


CONTENT = (
    ("traces", traces, ("request_enc", "response_enc")),
    ("review_items", review_items, ("question_enc", "answer_enc", "final_enc")),
    ("feedback", feedback, ("comment_enc", "correction_enc")),
)


def erase_subject(conn: Connection, app: str, subject: str, actor: str) -> dict[str, int]:
    """Erase a subject: their data keys destroyed (content sealed under them, wherever it was
    copied, is unreadable for good) and every content column of their rows in this database
    emptied; rows keep their ids, times, costs and decisions for the reports. Audited."""
    done = {"keys": destroy_subject(conn, app, subject)}
    for name, table, cols in CONTENT:
        result = conn.execute(
            update(table)
            .where(table.c.app == app, table.c.user == subject)
            .values(**dict.fromkeys(cols))
        )
        done[name] = int(result.rowcount or 0)
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
