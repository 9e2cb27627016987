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
scheme; the served app and the CLI always bind keys (``store.opening.open_store``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, text

from stanchion.errors import CryptoError
from stanchion.store.audit_chain import (
    GENESIS,
    MARKER,
    AuditKeys,
    BrokenCheckpoint,
    Head,
    arm,
    armed_head,
    bind_audit,
    bound_keys,
    insert_event,
    keyed_ok,
    last_row,
    mac,
    marker_end,
    read_checkpoint,
    row_payload,
)
from stanchion.store.schema import audit_events

__all__ = [
    "GENESIS",
    "AuditKeys",
    "AuditReport",
    "accept_head",
    "append_audit",
    "audit_ready",
    "bind_audit",
    "open_detail",
    "verify",
]


def _legacy_end(conn: Connection, keys: AuditKeys, last: Any) -> tuple[int, Any]:
    """Where the old scheme ends, writing the marker when an unkeyed chain meets its key."""
    pending = armed_head(conn)
    if pending is not None:
        return pending.legacy_end, last
    try:
        head = read_checkpoint(keys)
    except BrokenCheckpoint:
        head = None
    end = head.legacy_end if head else marker_end(conn, keys)
    if end is not None:
        return end, last
    if last is None or keyed_ok(keys, last):
        return 0, last
    note = {"legacy_end": last.seq, "legacy_head": last.hash}
    insert_event(conn, keys, last, ("stanchion", MARKER, str(last.seq), note))
    return last.seq, last_row(conn)


def _lock(conn: Connection) -> None:
    """One appender at a time, taken before the head is read: on SQLite a write that
    changes nothing takes the database's write lock (a read first would let two appenders
    pick the same next number)."""
    if conn.dialect.name == "postgresql":
        # an advisory lock, not LOCK TABLE: that needs UPDATE/DELETE/TRUNCATE on the table,
        # which the app's role does not have (migration 0008: the audit log is append-only)
        conn.execute(text("SELECT pg_advisory_xact_lock(7342013, 1)"))
    else:
        conn.execute(text("UPDATE audit_events SET seq = seq WHERE 0 = 1"))


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
    keys = bound_keys(conn)
    _lock(conn)
    last = last_row(conn)
    end = 0
    if keys is not None:
        end, last = _legacy_end(conn, keys, last)
    seq, digest = insert_event(conn, keys, last, (actor, action, target, detail or {}))
    if keys is not None:
        arm(conn, Head(seq, digest, end))
    return seq


def audit_ready(conn: Connection) -> None:
    """Raise the one-line reason when this engine may not append (no master key)."""
    bound_keys(conn)


def open_detail(conn: Connection, stored: str) -> dict[str, Any]:
    """An event's detail as written (sealed details are opened with the bound key)."""
    keys = bound_keys(conn)
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
    data = row_payload(row, prev)
    plain = hashlib.sha256(data).hexdigest()
    if keys is None or row.seq <= legacy_end:
        return (
            ""
            if hmac.compare_digest(plain, row.hash)
            else "contents do not match their hash (edited)"
        )
    if any(hmac.compare_digest(mac(k, data), row.hash) for k in keys.chain):
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
    table against the signed checkpoint of its head (truncation, wholesale replacement).

    A checkpoint is written as its transaction commits, a moment before the rows show: a
    table that looks short of its checkpoint is read once more, on a fresh connection."""
    keys = bound_keys(conn)
    if keys is None:
        walk = _walk(conn, None, 0, 0)
        return AuditReport(walk.count, walk.bad_seq is None, walk.bad_seq, walk.problem)
    report, behind = _verify_keyed(conn, keys)
    if behind:
        time.sleep(RECHECK_SECONDS)
        with conn.engine.connect() as fresh:
            report, _ = _verify_keyed(fresh, keys)
    return report


RECHECK_SECONDS = 0.2


def _verify_keyed(conn: Connection, keys: AuditKeys) -> tuple[AuditReport, bool]:
    """The report, and whether the table only looks short of its checkpoint."""
    try:
        head = read_checkpoint(keys)
    except BrokenCheckpoint as exc:
        return AuditReport(0, False, None, str(exc), keyed=True), False
    end = head.legacy_end if head else marker_end(conn, keys)
    unanchored = end is None
    if end is None:
        first = conn.execute(select(audit_events).order_by(audit_events.c.seq).limit(1)).first()
        end = 0 if first is None or keyed_ok(keys, first) else 1 << 62
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
        return report, False
    if head is not None:
        bad, problem = _against(walk, head)
        return _with(report, bad, problem), bool(problem)
    where = keys.checkpoints.where if keys.checkpoints else "(none configured)"
    if unanchored and end > walk.last_seq:
        note = "written before keying: checked under the old unkeyed scheme, no checkpoint yet"
        return _with(report, None, "", note=note if walk.count else ""), False
    return _with(report, walk.last_seq or None, f"no signed checkpoint at {where}"), False


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
    keys = bound_keys(conn)
    if keys is None:
        raise CryptoError("accepting the audit head needs the encryption key")
    _lock(conn)
    walk = _walk(conn, keys, _accept_end(conn, keys), 0)
    if walk.bad_seq is not None:
        return AuditReport(walk.count, False, walk.bad_seq, walk.problem, keyed=True)
    try:
        old = read_checkpoint(keys)
    except BrokenCheckpoint:
        old = None
    end = old.legacy_end if old else (marker_end(conn, keys) or 0)
    seq, digest = insert_event(
        conn,
        keys,
        last_row(conn),
        (actor, "audit.accept", "", {"replaced": old.seq if old else None}),
    )
    arm(conn, Head(seq, digest, end), reset=True)
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
