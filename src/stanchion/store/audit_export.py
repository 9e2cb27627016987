"""The audit log for an auditor, outside the database: Ed25519-signed checkpoints of the
chain's head written to a folder on a schedule, and the events since a time as JSON lines.

The signing key is derived from the content key (its own purpose label), so every replica
signs alike and nobody without the key can sign; the public key is all an auditor needs.

    doc = signed_head(conn, cipher, "shop")            # {"seq": 41, "hash": ..., "sig": ...}
    write_checkpoint(Path("/audit"), doc)
    problems = check_checkpoints(conn, cipher, Path("/audit"))   # [] when all hold
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Connection, func, select

from stanchion.store.audit import open_detail
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.files import write_private
from stanchion.store.schema import audit_events

PURPOSE = b"stanchion/audit-export-ed25519/v1"
log = logging.getLogger("stanchion.audit")


def signing_key(cipher: Cipher) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(cipher.derive(PURPOSE)[0])


def public_key_hex(cipher: Cipher) -> str:
    raw = signing_key(cipher).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return raw.hex()


def _body(doc: dict[str, Any]) -> bytes:
    return orjson.dumps({k: v for k, v in doc.items() if k != "sig"}, option=orjson.OPT_SORT_KEYS)


def signed_head(conn: Connection, cipher: Cipher, app: str) -> dict[str, Any] | None:
    """The chain's newest event as a signed document; None for an empty log."""
    row = conn.execute(
        select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc())
    ).first()
    if row is None:
        return None
    doc: dict[str, Any] = {
        "app": app,
        "seq": int(row.seq),
        "hash": str(row.hash),
        "at": time.time(),
        "public_key": public_key_hex(cipher),
    }
    doc["sig"] = signing_key(cipher).sign(_body(doc)).hex()
    return doc


def write_checkpoint(folder: Path, doc: dict[str, Any]) -> Path:
    path = folder / f"{doc['app']}-{doc['seq']:012d}.json"
    write_private(path, orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    return path


def check_checkpoints(conn: Connection, cipher: Cipher, folder: Path) -> list[str]:
    """Each exported checkpoint: signed by this app's key, and naming an event the chain
    still has with the same MAC (a missing one is truncation, a different one a rewrite)."""
    pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex(cipher)))
    newest = conn.execute(select(func.max(audit_events.c.seq))).scalar() or 0
    problems = []
    for path in sorted(folder.glob("*.json")):
        try:
            doc = orjson.loads(path.read_bytes())
            pub.verify(bytes.fromhex(str(doc["sig"])), _body(doc))
        except (orjson.JSONDecodeError, KeyError, ValueError, TypeError, InvalidSignature):
            problems.append(f"{path.name}: not signed by this app's audit key")
            continue
        seq = int(doc["seq"])
        found = conn.execute(select(audit_events.c.hash).where(audit_events.c.seq == seq)).scalar()
        if found is None:
            problems.append(f"{path.name}: event {seq} is gone (log truncated at {newest})")
        elif found != doc["hash"]:
            problems.append(f"{path.name}: event {seq} was rewritten")
    return problems


def events_since(conn: Connection, since: float) -> Iterator[dict[str, Any]]:
    """Events at or after ``since`` (epoch seconds), details opened, oldest first."""
    rows = conn.execute(
        select(audit_events).where(audit_events.c.at >= since).order_by(audit_events.c.seq)
    )
    for r in rows:
        yield {
            "seq": r.seq,
            "at": r.at,
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "detail": open_detail(conn, r.detail),
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        }


def export_once(store: Store, cipher: Cipher, app: str, folder: Path) -> Path | None:
    with store.engine.connect() as conn:
        doc = signed_head(conn, cipher, app)
    return write_checkpoint(folder, doc) if doc is not None else None


async def export_forever(
    store: Store, cipher: Cipher, app: str, folder: Path, minutes: float
) -> None:
    """What a serving replica runs when STANCHION_AUDIT_EXPORT_DIR is set (each replica
    writes the head it sees; the files are named by sequence, so they never clash)."""
    while True:
        try:
            await store.run(export_once, store, cipher, app, folder)
        except Exception:  # a full disk must not stop serving: the next run tries again
            log.exception("audit checkpoint export to %s failed", folder)
        await asyncio.sleep(minutes * 60)
