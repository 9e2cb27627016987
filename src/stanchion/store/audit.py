"""The audit log: an append-only chain, keyed, with a signed witness of its head outside it.

Each event's MAC (HMAC-SHA256 under a key derived from the master key for this purpose alone)
covers its own fields and the previous event's MAC, so editing, inserting, deleting or
reordering rows breaks the chain at that row, and nobody without the key can recompute it
(a chain recomputed with plain SHA-256 no longer fits). At each commit the head (sequence,
MAC) is signed under a second derived key and kept outside the table (``checkpoints.py``), so
deleting the newest events, or all of them, leaves a checkpoint naming events that are gone.

Chains written before keying (plain SHA-256) are verified under that old scheme up to a
marked point: the ``audit.keyed`` event, itself keyed, names the last old event, and every
checkpoint repeats it. Details are sealed (AES-GCM): they may quote content.

A store gets its keys once, where the process knows them::

    bind_audit(store.engine, AuditKeys.from_cipher(cipher, FileCheckpoints(path)))
    with store.engine.begin() as conn:
        append_audit(conn, "cli:ana", "key.create", "k1", {"role": "admin"})
    with store.engine.connect() as conn:
        assert verify(conn).ok

An engine without keys (tests, tools that hold no key) writes and checks the old unkeyed
scheme; the served app and the CLI always bind keys (``runtime.open_store``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, event, select, text

from stanchion.errors import CryptoError
from stanchion.store.checkpoints import Checkpoints
from stanchion.store.crypto import Cipher
from stanchion.store.schema import audit_events

GENESIS = "0" * 64
CHAIN_PURPOSE = b"stanchion/audit-chain/v1"
CHECKPOINT_PURPOSE = b"stanchion/audit-checkpoint/v1"
MARKER = "audit.keyed"
_OPTION = "stanchion_audit"
_PENDING = "stanchion_audit_head"


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
    """Give ``engine``'s audit appends and checks their keys, and checkpoint each commit."""
    engine.update_execution_options(**{_OPTION: keys})
    for name, fn in (("commit", _on_commit), ("rollback", _on_rollback), ("reset", _on_reset)):
        if not event.contains(engine, name, fn):
            event.listen(engine, name, fn)


def _bound(conn: Connection) -> AuditKeys | None:
    keys: AuditKeys | None = conn.get_execution_options().get(_OPTION)
    if keys is not None and keys.missing:
        raise CryptoError(keys.missing)
    return keys


def _payload(
    prev: str, seq: int, at: float, actor: str, action: str, target: str, detail: str
) -> bytes:
    return orjson.dumps([prev, seq, repr(at), actor, action, target, detail])


def _mac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _row_payload(row: Any, prev: str) -> bytes:
    return _payload(prev, row.seq, row.at, row.actor, row.action, row.target, row.detail)


def _keyed_ok(keys: AuditKeys, row: Any) -> bool:
    data = _row_payload(row, row.prev_hash)
    return any(hmac.compare_digest(_mac(k, data), row.hash) for k in keys.chain)


# -- checkpoints ---------------------------------------------------------------------------


def _checkpoint_bytes(keys: AuditKeys, head: Head) -> bytes:
    body = {"v": 1, "seq": head.seq, "hash": head.hash, "legacy_end": head.legacy_end}
    sig = _mac(keys.checkpoint[0], orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
    return orjson.dumps({**body, "at": time.time(), "sig": sig})


def read_checkpoint(keys: AuditKeys) -> Head | None:
    """The signed head, None when there is none; a checkpoint that does not open raises."""
    raw = keys.checkpoints.read() if keys.checkpoints else None
    if raw is None:
        return None
    try:
        doc = orjson.loads(raw)
        body = {k: doc[k] for k in ("v", "seq", "hash", "legacy_end")}
        data = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        if any(hmac.compare_digest(_mac(k, data), str(doc["sig"])) for k in keys.checkpoint):
            return Head(int(body["seq"]), str(body["hash"]), int(body["legacy_end"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        pass
    where = keys.checkpoints.where if keys.checkpoints else "?"
    raise BrokenCheckpoint(f"the checkpoint at {where} does not carry a valid signature")


def write_checkpoint(keys: AuditKeys, head: Head, *, reset: bool = False) -> None:
    if keys.checkpoints is None:
        return
    data = _checkpoint_bytes(keys, head)
    if reset:
        keys.checkpoints.reset(head.seq, data)
    else:
        keys.checkpoints.advance(head.seq, data)


def _on_commit(conn: Connection) -> None:
    head: Head | None = conn.info.pop(_PENDING, None)
    keys = conn.get_execution_options().get(_OPTION)
    if head is not None and keys is not None:
        write_checkpoint(keys, head)


def _on_rollback(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def _on_reset(_dbapi: Any, record: Any, _state: Any) -> None:
    record.info.pop(_PENDING, None)


# -- appending -----------------------------------------------------------------------------


def _last(conn: Connection) -> Any:
    return conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).first()


def marker_end(conn: Connection, keys: AuditKeys) -> int | None:
    """The old scheme's last event as the keyed ``audit.keyed`` event names it, if any."""
    row = conn.execute(
        select(audit_events)
        .where(audit_events.c.action == MARKER)
        .order_by(audit_events.c.seq)
        .limit(1)
    ).first()
    if row is None or not _keyed_ok(keys, row) or not row.target.isdigit():
        return None
    return int(row.target)


def _insert(
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
    data = _payload(prev, seq, at, actor, action, target, body)
    digest = _mac(keys.chain[0], data) if keys else hashlib.sha256(data).hexdigest()
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


def _legacy_end(conn: Connection, keys: AuditKeys, last: Any) -> tuple[int, Any]:
    """Where the old scheme ends, writing the marker when an unkeyed chain meets its key."""
    pending: Head | None = conn.info.get(_PENDING)
    if pending is not None:
        return pending.legacy_end, last
    try:
        head = read_checkpoint(keys)
    except BrokenCheckpoint:
        head = None
    end = head.legacy_end if head else marker_end(conn, keys)
    if end is not None:
        return end, last
    if last is None or _keyed_ok(keys, last):
        return 0, last
    note = {"legacy_end": last.seq, "legacy_head": last.hash}
    _insert(conn, keys, last, ("stanchion", MARKER, str(last.seq), note))
    return last.seq, _last(conn)


def append_audit(
    conn: Connection,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one event inside the caller's transaction; returns its sequence number.

    Its checkpoint is written when the transaction commits; a rollback forgets it.
    """
    keys = _bound(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE"))
    last = _last(conn)
    end = 0
    if keys is not None:
        end, last = _legacy_end(conn, keys, last)
    seq, digest = _insert(conn, keys, last, (actor, action, target, detail or {}))
    if keys is not None:
        conn.info[_PENDING] = Head(seq, digest, end)
    return seq


def open_detail(conn: Connection, stored: str) -> dict[str, Any]:
    """An event's detail as written (sealed details are opened with the bound key)."""
    keys = _bound(conn)
    if keys is not None and keys.cipher is not None:
        stored = keys.cipher.open_text(stored)
    out: dict[str, Any] = orjson.loads(stored)
    return out


# -- verifying -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditReport:
    events: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""
    keyed: bool = False
    legacy_end: int = 0
    checkpoint_seq: int | None = None
    note: str = ""

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


@dataclass(slots=True)
class _Walk:
    """One pass over the rows: how many, the last one, and the first that did not fit."""

    count: int = 0
    last_seq: int = 0
    hashes: dict[int, str] | None = None
    bad_seq: int | None = None
    problem: str = ""


def _row_problem(row: Any, prev: str, keys: AuditKeys | None, legacy_end: int) -> str:
    data = _row_payload(row, prev)
    plain = hashlib.sha256(data).hexdigest()
    if keys is None or row.seq <= legacy_end:
        return (
            ""
            if hmac.compare_digest(plain, row.hash)
            else "contents do not match their hash (edited)"
        )
    if any(hmac.compare_digest(_mac(k, data), row.hash) for k in keys.chain):
        return ""
    if hmac.compare_digest(plain, row.hash):
        return "hash recomputed with plain SHA-256, not with the key (rewritten)"
    return "contents do not match their keyed hash (edited or forged)"


def _walk(conn: Connection, keys: AuditKeys | None, legacy_end: int, want: int) -> _Walk:
    out = _Walk(hashes={})
    prev, expected = GENESIS, 1
    for row in conn.execute(select(audit_events).order_by(audit_events.c.seq)):
        out.count += 1
        problem = ""
        if row.seq != expected:
            kind = "deleted" if row.seq > expected else "inserted"
            problem = f"event {expected} is missing or {kind}"
        elif row.prev_hash != prev:
            problem = "previous-hash link broken (row inserted or deleted before it)"
        else:
            problem = _row_problem(row, prev, keys, legacy_end)
        if problem:
            out.bad_seq, out.problem = row.seq, problem
            return out
        if row.seq == want and out.hashes is not None:
            out.hashes[want] = row.hash
        prev, expected, out.last_seq = row.hash, expected + 1, row.seq
    return out


def _against(walk: _Walk, head: Head) -> tuple[int | None, str]:
    """What the table lacks compared with the signed checkpoint."""
    if walk.count == 0 and head.seq > 0:
        return 1, f"all events deleted: the signed checkpoint names event {head.seq}"
    if walk.last_seq < head.seq:
        first = walk.last_seq + 1
        return first, (
            f"events {first}..{head.seq} deleted (truncated): "
            f"the signed checkpoint names event {head.seq}"
        )
    if (walk.hashes or {}).get(head.seq) != head.hash:
        return head.seq, "event differs from the signed checkpoint (chain rewritten)"
    return None, ""


def verify(conn: Connection) -> AuditReport:
    """Walk the chain in order and report the first row that does not fit, then hold the
    table against the signed checkpoint of its head (truncation, wholesale replacement)."""
    keys = _bound(conn)
    if keys is None:
        walk = _walk(conn, None, 0, 0)
        return AuditReport(walk.count, walk.bad_seq is None, walk.bad_seq, walk.problem)
    try:
        head = read_checkpoint(keys)
    except BrokenCheckpoint as exc:
        return AuditReport(0, False, None, str(exc), keyed=True)
    end = head.legacy_end if head else marker_end(conn, keys)
    unanchored = end is None
    if end is None:
        first = conn.execute(select(audit_events).order_by(audit_events.c.seq).limit(1)).first()
        end = 0 if first is None or _keyed_ok(keys, first) else 1 << 62
    walk = _walk(conn, keys, end, head.seq if head else 0)
    report = AuditReport(
        walk.count,
        walk.bad_seq is None,
        walk.bad_seq,
        walk.problem,
        keyed=True,
        legacy_end=min(end, walk.last_seq),
        checkpoint_seq=head.seq if head else None,
    )
    if not report.ok:
        return report
    if head is not None:
        bad, problem = _against(walk, head)
        return _with(report, bad, problem)
    where = keys.checkpoints.where if keys.checkpoints else "(none configured)"
    if unanchored and end > walk.last_seq:
        note = "written before keying: checked under the old unkeyed scheme, no checkpoint yet"
        return _with(report, None, "", note=note if walk.count else "")
    return _with(report, walk.last_seq or None, f"no signed checkpoint at {where}")


def _with(report: AuditReport, bad: int | None, problem: str, note: str = "") -> AuditReport:
    return AuditReport(
        report.events,
        not problem,
        bad,
        problem,
        report.keyed,
        report.legacy_end,
        report.checkpoint_seq,
        note,
    )


def accept_head(conn: Connection, actor: str) -> AuditReport:
    """Sign the current head as the checkpoint after an operator restored the table on
    purpose (a backup is a truncation); refused unless the chain itself is intact. The
    acceptance is an event of its own, naming the checkpoint it replaced."""
    keys = _bound(conn)
    if keys is None:
        raise CryptoError("accepting the audit head needs the encryption key")
    walk = _walk(conn, keys, _accept_end(conn, keys), 0)
    if walk.bad_seq is not None:
        return AuditReport(walk.count, False, walk.bad_seq, walk.problem, keyed=True)
    try:
        old = read_checkpoint(keys)
    except BrokenCheckpoint:
        old = None
    conn.info.pop(_PENDING, None)
    end = old.legacy_end if old else (marker_end(conn, keys) or 0)
    seq, digest = _insert(
        conn, keys, _last(conn), (actor, "audit.accept", "", {"replaced": old.seq if old else None})
    )
    write_checkpoint(keys, Head(seq, digest, end), reset=True)
    return AuditReport(walk.count + 1, True, keyed=True, legacy_end=end, checkpoint_seq=seq)


def _accept_end(conn: Connection, keys: AuditKeys) -> int:
    try:
        head = read_checkpoint(keys)
    except BrokenCheckpoint:
        head = None
    if head is not None:
        return head.legacy_end
    found = marker_end(conn, keys)
    return found if found is not None else 0
