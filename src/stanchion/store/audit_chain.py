"""The audit chain's machinery: keys bound to an engine, the MAC of one event, the signed
checkpoint of the head and the commit hook that writes it, one event's insert.

``store/audit.py`` appends and verifies with these; this module knows no policy.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import weakref
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.exc import SQLAlchemyError

from stanchion.errors import CryptoError
from stanchion.store.checkpoints import Checkpoints
from stanchion.store.crypto import Cipher
from stanchion.store.schema import audit_events

GENESIS = "0" * 64
CHAIN_PURPOSE = b"stanchion/audit-chain/v1"
CHECKPOINT_PURPOSE = b"stanchion/audit-checkpoint/v1"
MARKER = "audit.keyed"
_OPTION = "stanchion_audit"


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """What a bound engine signs and seals with; ``missing`` refuses both, naming why."""

    chain: tuple[bytes, ...] = ()
    checkpoint: tuple[bytes, ...] = ()
    cipher: Cipher | None = None
    checkpoints: Checkpoints | None = None
    missing: str = ""

    @classmethod
    def from_cipher(cls, cipher: Cipher, checkpoints: Checkpoints | None) -> AuditKeys:
        return cls(
            cipher.derive(CHAIN_PURPOSE), cipher.derive(CHECKPOINT_PURPOSE), cipher, checkpoints
        )

    @classmethod
    def refusing(cls, why: str) -> AuditKeys:
        return cls(missing=why)


@dataclass(frozen=True, slots=True)
class Head:
    """A signed checkpoint: the newest event's sequence and MAC, and the old scheme's end."""

    seq: int
    hash: str
    legacy_end: int


class BrokenCheckpoint(CryptoError):
    """The checkpoint exists but does not open: edited, forged, or signed by another key."""


def bind_audit(engine: Engine, keys: AuditKeys) -> None:
    """Give ``engine``'s audit appends and checks their keys (an execution option: every
    connection of the engine carries it, at no cost to connections that never append)."""
    engine.update_execution_options(**{_OPTION: keys})


def bound_keys(conn: Connection) -> AuditKeys | None:
    keys: AuditKeys | None = conn.get_execution_options().get(_OPTION)
    if keys is not None and keys.missing:
        raise CryptoError(keys.missing)
    return keys


def payload(
    prev: str, seq: int, at: float, actor: str, action: str, target: str, detail: str
) -> bytes:
    return orjson.dumps([prev, seq, repr(at), actor, action, target, detail])


def mac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def row_payload(row: Any, prev: str) -> bytes:
    return payload(prev, row.seq, row.at, row.actor, row.action, row.target, row.detail)


def keyed_ok(keys: AuditKeys, row: Any) -> bool:
    data = row_payload(row, row.prev_hash)
    return any(hmac.compare_digest(mac(k, data), row.hash) for k in keys.chain)


# -- checkpoints ---------------------------------------------------------------------------


def _checkpoint_bytes(keys: AuditKeys, head: Head) -> bytes:
    body = {"v": 1, "seq": head.seq, "hash": head.hash, "legacy_end": head.legacy_end}
    sig = mac(keys.checkpoint[0], orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
    return orjson.dumps({**body, "at": time.time(), "sig": sig})


def read_checkpoint(keys: AuditKeys) -> Head | None:
    """The signed head, None when there is none; a checkpoint that does not open raises."""
    where = keys.checkpoints.where if keys.checkpoints else "?"
    try:
        raw = keys.checkpoints.read() if keys.checkpoints else None
    except (OSError, SQLAlchemyError) as exc:
        raise BrokenCheckpoint(f"cannot read the checkpoint at {where}: {exc}") from None
    if raw is None:
        return None
    try:
        doc = orjson.loads(raw)
        body = {k: doc[k] for k in ("v", "seq", "hash", "legacy_end")}
        data = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        if any(hmac.compare_digest(mac(k, data), str(doc["sig"])) for k in keys.checkpoint):
            return Head(int(body["seq"]), str(body["hash"]), int(body["legacy_end"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        pass
    raise BrokenCheckpoint(f"the checkpoint at {where} does not carry a valid signature")


def write_checkpoint(keys: AuditKeys, head: Head, *, reset: bool = False) -> None:
    if keys.checkpoints is None:
        return
    data = _checkpoint_bytes(keys, head)
    if reset:
        keys.checkpoints.reset(head.seq, data)
    else:
        keys.checkpoints.advance(head.seq, data)


class _Armed:
    """The checkpoint one connection owes at its commit. Its listeners sit on that
    connection alone: an engine-wide listener would slow every transaction of the process
    (about 30 us each, measured), including those of the hot path."""

    __slots__ = ("head", "reset")

    def __init__(self) -> None:
        self.head: Head | None = None
        self.reset = False

    def on_commit(self, conn: Connection) -> None:
        head, reset, self.head, self.reset = self.head, self.reset, None, False
        keys = conn.get_execution_options().get(_OPTION)
        if head is not None and keys is not None:
            write_checkpoint(keys, head, reset=reset)

    def on_rollback(self, _conn: Connection) -> None:
        self.head, self.reset = None, False


_ARMED: weakref.WeakKeyDictionary[Connection, _Armed] = weakref.WeakKeyDictionary()


def arm(conn: Connection, head: Head, *, reset: bool = False) -> None:
    """Write ``head`` as the checkpoint when ``conn``'s transaction commits (a rollback
    forgets it; a commit whose checkpoint cannot be written does not happen)."""
    armed = _ARMED.get(conn)
    if armed is None:
        armed = _ARMED[conn] = _Armed()
        event.listen(conn, "commit", armed.on_commit)
        event.listen(conn, "rollback", armed.on_rollback)
    armed.head, armed.reset = head, armed.reset or reset


def armed_head(conn: Connection) -> Head | None:
    """The head an earlier append of this transaction is waiting to checkpoint."""
    armed = _ARMED.get(conn)
    return armed.head if armed else None


# -- rows --------------------------------------------------------------------------------


def last_row(conn: Connection) -> Any:
    return conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).first()


def marker_end(conn: Connection, keys: AuditKeys) -> int | None:
    """The old scheme's last event as the keyed ``audit.keyed`` event names it, if any."""
    row = conn.execute(
        select(audit_events)
        .where(audit_events.c.action == MARKER)
        .order_by(audit_events.c.seq)
        .limit(1)
    ).first()
    if row is None or not keyed_ok(keys, row) or not row.target.isdigit():
        return None
    return int(row.target)


def insert_event(
    conn: Connection,
    keys: AuditKeys | None,
    last: Any,
    event_: tuple[str, str, str, dict[str, Any]],
) -> tuple[int, str]:
    actor, action, target, detail = event_
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = time.time()
    body = orjson.dumps(detail, option=orjson.OPT_SORT_KEYS).decode()
    if keys is not None and keys.cipher is not None:
        body = keys.cipher.seal_text(body)
    data = payload(prev, seq, at, actor, action, target, body)
    digest = mac(keys.chain[0], data) if keys else hashlib.sha256(data).hexdigest()
    conn.execute(
        audit_events.insert().values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            target=target,
            detail=body,
            prev_hash=prev,
            hash=digest,
        )
    )
    return seq, digest
