"""Envelope encryption: content is sealed with data keys; data keys are stored only wrapped
(AES-256-GCM) by a master key that comes from a provider (env var, file, or a plug-in such
as a KMS), so the master key can be rotated by re-wrapping rows, never by re-sealing content.

    master = master_key_from(settings, key_file)                  # the provider's key
    cipher = content_cipher(store, [master])                      # data keys, unwrapped
    rewrap(store, old=master, new=FileMasterKey(path))            # rotation, online

The app's first data key is the key content was sealed with before envelopes existed (the
master key of that time), so nothing is re-sealed: until the first rotation the data key and
the master key are the same bytes; the first ``keys rotate-master`` separates them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Double,
    Index,
    LargeBinary,
    String,
    Table,
    bindparam,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from stanchion.errors import CryptoError
from stanchion.store.crypto import Cipher, key_id
from stanchion.store.db import Store
from stanchion.store.schema import metadata

data_keys = Table(
    "data_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("app", String(100), nullable=False),  # apps sharing a database keep their own keys
    Column("kind", String(16), nullable=False),  # app | subject
    Column("subject", String(255), nullable=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("master_id", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("active", Boolean, nullable=False, default=False),
    # the wrapping before the last rotation, kept until `keys rotate-master --finish`
    Column("prev_wrapped", LargeBinary, nullable=True),
    Column("prev_master_id", String(16), nullable=True),
)
Index("ix_data_keys_master", data_keys.c.master_id)
Index("ix_data_keys_subject", data_keys.c.app, data_keys.c.kind, data_keys.c.subject)


class MasterKey(Protocol):
    """Wraps and unwraps data keys; a KMS plug-in implements these two calls remotely."""

    id: str

    def wrap(self, data_key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...


class LocalMasterKey:
    """A 32-byte master key held by this process (from the env var or the key file)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise CryptoError("a master key must be 32 bytes")
        self.id = key_id(key).hex()
        self._aead = AESGCM(key)
        self.raw = key

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data_key, b"stanchion/dek/" + context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:12], wrapped[12:], b"stanchion/dek/" + context)
        except InvalidTag:
            raise CryptoError("a data key failed to unwrap (wrong master key, or edited)") from None


MasterFactory = Callable[[str], MasterKey]
_PROVIDERS: dict[str, MasterFactory] = {}


def register_master_provider(name: str, factory: MasterFactory) -> None:
    """The plug-in point: ``STANCHION_MASTER_KEY_PROVIDER=name:config`` builds a master key
    with ``factory(config)`` (a KMS client that wraps and unwraps remotely, say)."""
    _PROVIDERS[name] = factory


def master_from_provider(spec: str) -> MasterKey:
    name, _, config = spec.partition(":")
    factory = _PROVIDERS.get(name)
    if factory is None:
        raise CryptoError(f"no master key provider {name!r}; registered: {sorted(_PROVIDERS)}")
    return factory(config)


@dataclass(frozen=True, slots=True)
class DataKey:
    id: str
    kind: str
    subject: str | None
    key: bytes
    active: bool


def _has_table(conn: Connection) -> bool:
    return inspect(conn).has_table("data_keys")


def _unwrap(row: Any, masters: dict[str, MasterKey]) -> bytes:
    """A data key, opened with the master that wraps it, or (until the rotation is finished)
    with the one that wrapped it before: replicas not yet given the new key keep working."""
    for master_id, wrapped in (
        (row.master_id, row.wrapped),
        (row.prev_master_id, row.prev_wrapped),
    ):
        master = masters.get(master_id) if master_id else None
        if master is not None:
            return master.unwrap(wrapped, row.id.encode())
    raise CryptoError(
        "data keys are wrapped by a master key this process does not have (mid-rotation:"
        " set STANCHION_PREVIOUS_ENCRYPTION_KEY to the old one)"
    )


def _store_key(
    conn: Connection,
    master: MasterKey,
    key: bytes,
    where: tuple[str, str, str | None],
    now: float,
) -> None:
    app, kind, subject = where
    # a subject key's row id is the id its sealed blobs carry, so a reader finds it by that;
    # an app's key is loaded whole, so its id is scoped by the app
    kid = key_id(key).hex() if kind == "subject" else f"app:{app}:{key_id(key).hex()}"[:64]
    conn.execute(
        data_keys.insert().values(
            id=kid,
            app=app,
            kind=kind,
            subject=subject,
            wrapped=master.wrap(key, kid.encode()),
            master_id=master.id,
            created_at=now,
            active=True,
        )
    )


def bootstrap(conn: Connection, master: MasterKey, legacy: bytes, app: str, now: float) -> None:
    """The app's first data key: the key content was sealed with before envelopes."""
    _store_key(conn, master, legacy, (app, "app", None), now)


def app_keys(conn: Connection, masters: Iterable[MasterKey], app: str) -> list[DataKey]:
    by_id = {m.id: m for m in masters}
    rows = conn.execute(
        select(data_keys).where(data_keys.c.kind == "app", data_keys.c.app == app)
    ).all()
    return [DataKey(r.id, r.kind, r.subject, _unwrap(r, by_id), r.active) for r in rows]


def content_cipher(
    store: Store, masters: list[MasterKey], legacy: bytes | None, app: str
) -> Cipher | None:
    """The cipher for content: the app's data keys, unwrapped (the active one seals). A store
    not migrated yet has none: None (the caller keeps the master key, as before envelopes)."""
    with store.engine.connect() as conn:
        if not _has_table(conn):
            return None
        keys = app_keys(conn, masters, app)
    if not keys:
        if legacy is None:
            raise CryptoError("no data key yet, and no local master key to start from")
        try:
            with store.engine.begin() as conn:
                bootstrap(conn, masters[0], legacy, app, time.time())
        except IntegrityError:
            pass  # another replica made it first: the same key, read below
        with store.engine.connect() as conn:
            keys = app_keys(conn, masters, app)
    active = [k.key for k in keys if k.active] or [keys[0].key]
    return Cipher(active[0], tuple(k.key for k in keys if k.key != active[0]))


@dataclass(frozen=True, slots=True)
class Rewrapped:
    rows: int
    seconds: float


def rewrap(
    store: Store,
    old: MasterKey,
    new: MasterKey,
    *,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> Rewrapped:
    """Re-wrap every data key under ``new``, a short transaction per batch, so readers and
    writers never wait long; rows written under ``old`` meanwhile are swept up too."""
    if old.id == new.id:
        raise CryptoError("the new master key is the current one")
    t0, done = time.perf_counter(), 0
    while True:
        with store.engine.begin() as conn:
            rows = conn.execute(
                select(data_keys).where(data_keys.c.master_id == old.id).limit(batch)
            ).all()
            if rows:  # one executemany per batch (pipelined on PostgreSQL)
                conn.execute(
                    update(data_keys)
                    .where(data_keys.c.id == bindparam("kid"), data_keys.c.master_id == old.id)
                    .values(
                        wrapped=bindparam("blob"),
                        master_id=new.id,
                        prev_wrapped=bindparam("before"),
                        prev_master_id=old.id,
                    ),
                    [
                        {
                            "kid": r.id,
                            "blob": new.wrap(_unwrap(r, {old.id: old}), r.id.encode()),
                            "before": r.wrapped,
                        }
                        for r in rows
                    ],
                )
        done += len(rows)
        if progress is not None:
            progress(done)
        if len(rows) < batch:
            return Rewrapped(done, time.perf_counter() - t0)


def subject_key(
    conn: Connection, master: MasterKey, app: str, subject: str, *, create: bool
) -> bytes | None:
    """The data key of one data subject (made on first use when ``create``); None once it
    was destroyed (erasure) or when there is none and ``create`` is False."""
    row = conn.execute(
        select(data_keys).where(
            data_keys.c.app == app, data_keys.c.kind == "subject", data_keys.c.subject == subject
        )
    ).first()
    if row is not None:
        return _unwrap(row, {master.id: master})
    if not create:
        return None
    for _ in range(3):  # ids are 4 bytes (what sealed blobs carry): a clash draws again
        key = os.urandom(32)
        try:
            with conn.begin_nested():
                _store_key(conn, master, key, (app, "subject", subject), time.time())
            return key
        except IntegrityError:
            continue
    raise CryptoError("could not draw a free data key id")


def key_by_id(conn: Connection, masters: list[MasterKey], kid: str) -> bytes | None:
    row = conn.execute(select(data_keys).where(data_keys.c.id == kid)).first()
    return _unwrap(row, {m.id: m for m in masters}) if row is not None else None


def destroy_subject(conn: Connection, app: str, subject: str) -> int:
    """Erase a data subject's keys: everything sealed under them is unreadable from now on."""
    done = conn.execute(
        data_keys.delete().where(
            data_keys.c.app == app, data_keys.c.kind == "subject", data_keys.c.subject == subject
        )
    )
    return int(done.rowcount or 0)


def finish_rotation(store: Store, current: MasterKey) -> int:
    """Drop the wrappings kept from before the rotation, once every replica has the new
    master key: from then on the old master key opens nothing and can be destroyed."""
    with store.engine.begin() as conn:
        done = conn.execute(
            update(data_keys)
            .where(data_keys.c.master_id == current.id, data_keys.c.prev_wrapped.is_not(None))
            .values(prev_wrapped=None, prev_master_id=None)
        )
    return int(done.rowcount or 0)
