"""Trace lists for the console: filters that use the traces indexes, keyset pages.

    page = list_traces(conn, "demo", TraceFilter(decision="block"), limit=50)
    more = list_traces(conn, "demo", TraceFilter(decision="block", before=page.next))

Content stays sealed here: a list shows metadata only; one trace is read (and decrypted,
for the roles that may) through ``store.traces.read_trace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, and_, exists, or_, select

from stanchion.errors import CryptoError
from stanchion.registry.schema import feedback
from stanchion.store.crypto import Cipher
from stanchion.store.schema import traces

LIST_COLUMNS = (
    traces.c.id,
    traces.c.created_at,
    traces.c.user,
    traces.c.key_id,
    traces.c.status,
    traces.c.decision,
    traces.c.route,
    traces.c.model,
    traces.c.prompt_id,
    traces.c.latency_ms,
    traces.c.cost,
    traces.c.prompt_tokens,
    traces.c.completion_tokens,
    traces.c.findings,
)
DECISIONS = ("pass", "redact", "block", "hold", "refuse", "error")


@dataclass(frozen=True, slots=True)
class TraceFilter:
    """Every field optional; ``before`` is the keyset cursor (created_at, id)."""

    user: str | None = None
    key_id: str | None = None
    since: float | None = None
    until: float | None = None
    decision: str | None = None
    prompt: str | None = None
    model: str | None = None
    finding: str | None = None
    min_latency_ms: float | None = None
    rating: str | None = None  # "low" (1-2), "high" (4-5), "any"
    grounded: bool | None = None
    before: tuple[float, str] | None = None


@dataclass(frozen=True, slots=True)
class TraceRow:
    id: str
    created_at: float
    user: str | None
    key_id: str | None
    status: int
    decision: str
    route: str | None
    model: str | None
    prompt_id: str | None
    latency_ms: float
    cost: float
    tokens: int
    finding_types: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TracePage:
    rows: list[TraceRow]
    next: tuple[float, str] | None


def _like_json(value: str) -> str:
    """A LIKE pattern for one compact-JSON fragment, with LIKE's wildcards escaped."""
    esc = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{esc}%"


def _rating_clause(kind: str) -> Any:
    scores = {"low": (1, 2), "high": (4, 5), "any": (1, 5)}[kind]
    return exists().where(feedback.c.trace_id == traces.c.id, feedback.c.score.between(*scores))


def _conditions(app: str, f: TraceFilter) -> list[Any]:
    c = traces.c
    conds: list[Any] = [c.app == app]
    simple = (
        (c.user, f.user),
        (c.key_id, f.key_id),
        (c.decision, f.decision),
        (c.prompt_id, f.prompt),
        (c.model, f.model),
    )
    conds += [col == value for col, value in simple if value is not None]
    if f.since is not None:
        conds.append(c.created_at >= f.since)
    if f.until is not None:
        conds.append(c.created_at < f.until)
    if f.min_latency_ms is not None:
        conds.append(c.latency_ms >= f.min_latency_ms)
    if f.finding:
        fragment = orjson.dumps({"type": f.finding}).decode()[1:-1]
        conds.append(c.findings.like(_like_json(fragment), escape="\\"))
    if f.grounded is not None:
        fragment = '"grounded":' + ("true" if f.grounded else "false")
        conds.append(c.annotations.like(_like_json(fragment), escape="\\"))
    if f.rating in ("low", "high", "any"):
        conds.append(_rating_clause(f.rating))
    if f.before is not None:
        at, tid = f.before
        conds.append(or_(c.created_at < at, and_(c.created_at == at, c.id < tid)))
    return conds


def _row(r: Any) -> TraceRow:
    types = sorted({str(x.get("type")) for x in orjson.loads(r.findings or "[]")})
    return TraceRow(
        r.id,
        r.created_at,
        r.user,
        r.key_id,
        r.status,
        r.decision,
        r.route,
        r.model,
        r.prompt_id,
        float(r.latency_ms),
        float(r.cost),
        int(r.prompt_tokens) + int(r.completion_tokens),
        types,
    )


def list_traces(conn: Connection, app: str, f: TraceFilter, limit: int = 50) -> TracePage:
    """Newest first, ``limit`` per page; ``next`` is the cursor of the following page."""
    q = (
        select(*LIST_COLUMNS)
        .where(*_conditions(app, f))
        .order_by(traces.c.created_at.desc(), traces.c.id.desc())
        .limit(limit + 1)
    )
    rows = [_row(r) for r in conn.execute(q)]
    more = len(rows) > limit
    rows = rows[:limit]
    return TracePage(rows, (rows[-1].created_at, rows[-1].id) if more and rows else None)


SCAN = 2000  # traces opened per search page at most (content is sealed: no plaintext index)
BATCH = 200


@dataclass(frozen=True, slots=True)
class TraceSearch:
    """A page of traces whose sealed text holds the words; ``scanned`` traces were opened,
    ``next`` resumes where the scan stopped (the page may hold fewer than ``limit``)."""

    rows: list[TraceRow]
    next: tuple[float, str] | None
    scanned: int


def _sealed_text(cipher: Cipher, blob: bytes | None) -> str:
    """The searchable text of a sealed request or response: its message and answer
    contents, lower-cased ("" when it cannot be opened, e.g. an erased subject's)."""
    if not blob:
        return ""
    try:
        data = orjson.loads(cipher.decrypt(blob))
    except (CryptoError, orjson.JSONDecodeError):
        return ""
    parts: list[str] = []
    for m in data.get("messages") or [] if isinstance(data, dict) else []:
        content = m.get("content") if isinstance(m, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [str(p.get("text", "")) for p in content if isinstance(p, dict)]
    if isinstance(data, dict) and isinstance(data.get("content"), str):
        parts.append(data["content"])
    return "\n".join(parts).lower()


def search_traces(
    conn: Connection,
    cipher: Cipher,
    app: str,
    f: TraceFilter,
    text: str,
    limit: int = 50,
    scan: int = SCAN,
) -> TraceSearch:
    """Newest first, the filtered traces whose request or answer holds every word of
    ``text`` (case-insensitive). Content is encrypted at rest, so the filtered traces are
    opened in batches and matched in memory, ``scan`` at most per call.

        found = search_traces(conn, cipher, "demo", TraceFilter(decision="refuse"), "refund")
    """
    words = text.lower().split()
    cols = (*LIST_COLUMNS, traces.c.request_enc, traces.c.response_enc)
    order = (traces.c.created_at.desc(), traces.c.id.desc())
    rows: list[TraceRow] = []
    cursor, scanned = f.before, 0
    while scanned < scan and len(rows) < limit:
        batch_filter = TraceFilter(**{**{k: getattr(f, k) for k in f.__slots__}, "before": cursor})
        q = select(*cols).where(*_conditions(app, batch_filter)).order_by(*order)
        size = min(BATCH, scan - scanned)
        batch = conn.execute(q.limit(size)).all()
        for r in batch:
            scanned += 1
            cursor = (r.created_at, r.id)
            body = _sealed_text(cipher, r.request_enc) + "\n" + _sealed_text(cipher, r.response_enc)
            if all(w in body for w in words):
                rows.append(_row(r))
                if len(rows) == limit:
                    break
        if len(batch) < size and len(rows) < limit:
            return TraceSearch(rows, None, scanned)  # nothing older to scan
    return TraceSearch(rows, cursor, scanned)


def trace_ratings(conn: Connection, app: str, trace_id: str) -> list[dict[str, Any]]:
    """Who rated a trace and how (comments stay sealed: the caller decrypts if it may)."""
    rows = conn.execute(
        select(
            feedback.c.user,
            feedback.c.score,
            feedback.c.comment_enc,
            feedback.c.correction_enc,
            feedback.c.updated_at,
        )
        .where(feedback.c.app == app, feedback.c.trace_id == trace_id)
        .order_by(feedback.c.updated_at)
    ).all()
    return [dict(r._mapping) for r in rows]
