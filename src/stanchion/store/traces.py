"""Traces as rows: what a request's trace holds (``trace_row``), sealed for the spool and
the dead letters (``seal_record``/``open_record``), inserted without duplicates
(``insert_new``), and read back (``read_trace``, the dead letters). The writer that moves them
off the request path is ``store/trace_writer.py``.
"""

from __future__ import annotations

import functools
import json
import struct
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from stanchion.errors import CryptoError
from stanchion.pipeline.exchange import Exchange
from stanchion.store.bulk import bulk_execute
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import trace_dead_letters, traces
from stanchion.store.trace_notes import RowNotes, merge_notes, split_notes

_BLOBS = ("request_enc", "response_enc")
_LENS = struct.Struct(">II")
_INSERTS: dict[str, Callable[[Table], Any]] = {"sqlite": sqlite_insert, "postgresql": pg_insert}


def _dumpb(value: Any) -> bytes:
    """JSON bytes; past orjson's limits (254 levels, 64-bit ints) the standard library."""
    try:
        return orjson.dumps(value, default=str)
    except orjson.JSONEncodeError:
        try:
            return json.dumps(value, default=str).encode()
        except (RecursionError, ValueError, TypeError) as exc:
            return orjson.dumps({"unserializable": type(exc).__name__})


def _dumps(value: Any) -> str:
    return _dumpb(value).decode()


def trace_row(ex: Exchange, cipher: Cipher) -> dict[str, Any]:
    """The stored form of an exchange: content sealed, findings as offsets only."""
    return noted_row(ex, cipher)[0]


def noted_row(ex: Exchange, cipher: Cipher) -> tuple[dict[str, Any], RowNotes]:
    """``trace_row``, and what the rollups will read of it (``RowNotes``)."""
    comp = ex.completion
    principal = ex.principal
    request = {"messages": ex.request.messages, "params": ex.request.params}
    response: dict[str, Any] = {
        "content": ex.response_text,
        "passages": [p.to_record() for p in ex.passages],
    }
    if ex.tool_calls:  # what the caller got to execute (sealed, like the content)
        response["tool_calls"] = ex.tool_calls
    annotations, notes = split_notes(ex.annotations)
    if notes:
        response["notes"] = notes
    row = {
        "id": ex.id,
        "app": ex.app,
        "created_at": ex.started,
        "key_id": principal.key_id if principal else None,
        "user": principal.user if principal else None,
        "status": ex.status,
        "decision": ex.decision,
        "stream": ex.request.stream,
        "route": ex.route,
        "provider": comp.provider if comp else None,
        "model": comp.model if comp else None,
        "prompt_id": ex.prompt_id,
        "prompt_tokens": comp.usage.prompt_tokens if comp else 0,
        "completion_tokens": comp.usage.completion_tokens if comp else 0,
        "cost": ex.cost,
        "latency_ms": sum(ex.timings.values()),
        "timings": _dumps(ex.timings),
        "findings": _dumps([f.to_record() for f in ex.findings]),
        "annotations": _dumps(annotations),
        "request_enc": cipher.encrypt(_dumpb(request)),
        "response_enc": cipher.encrypt(_dumpb(response)),
        "error": ex.error,
        "cohort": ex.cohort,
    }
    return row, RowNotes.of(annotations, notes)


def seal_record(row: dict[str, Any], cipher: Cipher) -> bytes:
    """A trace row as the spool and the dead letters keep it: every byte sealed."""
    meta = cipher.encrypt(_dumpb({k: v for k, v in row.items() if k not in _BLOBS}))
    req, resp = row.get("request_enc") or b"", row.get("response_enc") or b""
    return _LENS.pack(len(meta), len(req)) + meta + req + resp


def open_record(blob: bytes, cipher: Cipher) -> dict[str, Any]:
    n_meta, n_req = _LENS.unpack_from(blob)
    start = _LENS.size
    row: dict[str, Any] = orjson.loads(cipher.decrypt(blob[start : start + n_meta]))
    req = blob[start + n_meta : start + n_meta + n_req]
    resp = blob[start + n_meta + n_req :]
    row["request_enc"], row["response_enc"] = req or None, resp or None
    return row


@functools.cache
def _insert_new_stmt(dialect: str, table: Table) -> Any:
    make = _INSERTS.get(dialect)
    return make(table).on_conflict_do_nothing() if make else table.insert()


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert, skipping rows whose primary key is already stored (replays are no-ops)."""
    bulk_execute(conn, _insert_new_stmt(conn.dialect.name, table), rows)


def read_trace(
    store: Store, cipher: Cipher, trace_id: str, app: str | None = None
) -> dict[str, Any] | None:
    """One trace, decrypted, as plain JSON-ready data. With ``app`` (every route passes its
    own), None when that app has no trace with this id: another app's trace in a shared
    database is not there for it. Without, any app's (operators' tools, tests)."""
    query = select(traces).where(traces.c.id == trace_id)
    if app is not None:
        query = query.where(traces.c.app == app)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    # Column names are SQLAlchemy ``quoted_name`` objects, a str subclass orjson refuses.
    data = {str(key): value for key, value in row._mapping.items()}
    for col, out in (("request_enc", "request"), ("response_enc", "response")):
        blob = data.pop(col)
        try:
            data[out] = orjson.loads(cipher.decrypt(blob)) if blob else None
        except CryptoError:  # its data subject was erased: the key is gone for good
            data[out], data["erased"] = None, True
    for col in ("timings", "findings", "annotations"):
        data[col] = orjson.loads(data[col])
    notes = data["response"].pop("notes", None) if data.get("response") else None
    if isinstance(notes, dict):
        data["annotations"] = merge_notes(data["annotations"], notes)
    return data


def list_dead_letters(conn: Connection, app: str, limit: int = 100) -> list[dict[str, Any]]:
    """The newest dead letters of an app, without their sealed records."""
    t = trace_dead_letters
    rows = conn.execute(
        select(t.c.id, t.c.at, t.c.attempts, t.c.error)
        .where(t.c.app == app)
        .order_by(t.c.at.desc())
        .limit(limit)
    )
    return [{str(k): v for k, v in r._mapping.items()} for r in rows]


def open_dead_letter(
    conn: Connection, cipher: Cipher, app: str, trace_id: str
) -> dict[str, Any] | None:
    """One dead letter with its trace opened (content decrypted), for an operator."""
    t = trace_dead_letters
    row = conn.execute(select(t).where(t.c.app == app, t.c.id == trace_id)).first()
    if row is None:
        return None
    data = {str(k): v for k, v in row._mapping.items()}
    trace = open_record(data.pop("record"), cipher)
    for col, out in (("request_enc", "request"), ("response_enc", "response")):
        blob = trace.pop(col)
        trace[out] = orjson.loads(cipher.decrypt(blob)) if blob else None
    data["trace"] = trace
    return data
