"""Hourly rollups maintained as traces are written: the reports, the drift tests and the
alerts read these tables and never scan the raw traces.

    with engine.begin() as conn:
        store_traces(conn, rows)          # insert new traces and add them to the rollups

Each hour is kept per dimension: ``all`` (one key), ``version`` (prompt version / model
version), ``route`` and ``cohort`` (``annotations["cohort"]``, "all" until a rollout sets
it). Every figure is additive (counts, sums, a log-scale latency histogram with 2.5% wide
bins, distinct users per day, keyed term hashes of the questions), so any period is a sum of
hours and its p95 comes from the merged histogram. Replays of already stored traces are
skipped (only the rows actually inserted are counted), and increments are upserts, so
replicas writing the same hour at once add up. The trace writer keeps a process's increments
in memory between flushes (``reports/rollup_buffer.py``); ``store_traces`` adds them in the
caller's transaction.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import add
from typing import Any

import orjson
from sqlalchemy import Connection, select

from stanchion.reports.activity import add_users, kpi_user_bits, rebuild_ratings, upsert
from stanchion.reports.rollup_tables import (
    BINS_PER_E,
    COUNTS,
    DAY,
    DIMS,
    HOUR,
    KEY_LEN,
    SUMS,
    kpi_latency,
    kpi_latency_days,
    kpi_rollup,
    kpi_terms,
    kpi_users,
)
from stanchion.store.schema import traces
from stanchion.store.trace_notes import RowNotes

__all__ = [
    "BINS_PER_E",
    "COUNTS",
    "DAY",
    "DIMS",
    "HOUR",
    "KEY_LEN",
    "SUMS",
    "Batch",
    "Folder",
    "Hour",
    "add_rows",
    "apply",
    "apply_all",
    "insert_traces",
    "kpi_latency",
    "kpi_latency_days",
    "kpi_rollup",
    "kpi_terms",
    "kpi_users",
    "latency_bin",
    "p95",
    "percentile",
    "rebuild",
    "store_traces",
]

TermHash = Callable[[str], str]


@dataclass
class Hour:
    """Figures of one or more hours, added up."""

    counts: Counter[str] = field(default_factory=Counter)
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SUMS, 0.0))
    hist: Counter[int] = field(default_factory=Counter)

    def add(self, other: Hour) -> None:
        self.counts.update(other.counts)
        for k in SUMS:
            self.sums[k] += other.sums[k]
        self.hist.update(other.hist)

    @property
    def cost(self) -> float:
        return self.sums["cost"]

    @property
    def latency_sum(self) -> float:
        return self.sums["latency_sum"]


def latency_bin(ms: float) -> int:
    return math.floor(math.log(max(ms, 0.01)) * BINS_PER_E)


def bin_upper(b: int) -> float:
    return math.exp((b + 1) / BINS_PER_E)


def p95(hist: Counter[int]) -> float | None:
    """The 95th percentile from a histogram: the upper edge of the bin that holds it."""
    return percentile(hist, 0.95)


def percentile(hist: Counter[int], q: float) -> float | None:
    """The ``q`` quantile (0-1) from a histogram: the upper edge of the bin that holds it."""
    total = sum(hist.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= rank:
            return bin_upper(b)
    return None


def cohort_of(annotations: dict[str, Any]) -> str:
    """A trace's cohort: what the rollout wrote in ``annotations["cohort"]``, else "all"."""
    return str(annotations.get("cohort") or "all")[:KEY_LEN]


def dim_keys(row: dict[str, Any], ann: dict[str, Any]) -> list[tuple[str, str]]:
    model = ann.get("model_version") or row.get("model") or "-"
    version = f"{row.get('prompt_id') or '-'} / {model}"[:KEY_LEN]
    route = str(row.get("route") or "-")[:KEY_LEN]
    return [("all", "all"), ("version", version), ("route", route), ("cohort", cohort_of(ann))]


def _unanswerable(ann: dict[str, Any]) -> bool:
    plan = ann.get("answerability")
    return bool(ann.get("no_evidence")) or (
        isinstance(plan, dict) and plan.get("decision") == "refuse"
    )


def _figures(row: dict[str, Any], ann: dict[str, Any]) -> tuple[list[float], int | None]:
    """A trace's figures in ``COUNTS + SUMS`` order, and its latency bin when answered."""
    status, decision = int(row.get("status") or 0), row.get("decision")
    grounded = ann.get("grounded")
    cost = float(row.get("cost") or 0.0)
    ms = float(row.get("latency_ms") or 0.0)
    answered = status == 200
    values = [
        1,
        answered,
        decision == "block",
        decision == "hold",
        decision == "refuse",
        status >= 500 or decision == "error",
        grounded is True,
        grounded is False,
        _unanswerable(ann),
        int(row.get("prompt_tokens") or 0),
        int(row.get("completion_tokens") or 0),
        cost,
        cost * cost,
        ms if answered else 0.0,
    ]
    return [float(v) for v in values], latency_bin(ms) if answered else None


def _annotations(row: dict[str, Any]) -> dict[str, Any]:
    raw = row.get("annotations") or "{}"
    try:
        ann = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return ann if isinstance(ann, dict) else {}


@functools.lru_cache(maxsize=4096)
def _terms_of(query: str) -> frozenset[str]:
    """A question's distinct terms, remembered: the same questions come back (as the
    planner's plans do), and analysing one cost a third of adding its trace to the rollups."""
    from stanchion.knowledge.text import terms  # the index's own analyser

    return frozenset(terms(query))


Dims = tuple[tuple[str, str], ...]


@dataclass
class Batch:
    """Rollup increments for a batch of traces, grouped in memory before one upsert each.
    Traces are summed per hour and set of dimension keys (the traces of a batch mostly share
    theirs), and each group is spread over its dimensions once, when the batch is applied."""

    groups: dict[tuple[int, Dims], list[float]] = field(default_factory=dict)
    group_bins: Counter[tuple[int, Dims, Any]] = field(default_factory=Counter)  # latency bins
    group_users: Counter[tuple[int, Dims, Any]] = field(default_factory=Counter)
    # questions per hour, made terms when applied: the same questions come back, and a
    # buffer holds many batches of them
    questions: Counter[tuple[int, str]] = field(default_factory=Counter)
    term_hash: TermHash | None = None
    # users are counted by a keyed pseudonym (rollup_privacy.UserKey), never by name
    user_key: Callable[[str], str] | None = None

    def add(
        self,
        row: dict[str, Any],
        term_hash: TermHash | None,
        question: str | None = None,
        annotations: dict[str, Any] | None = None,
    ) -> None:
        """``question``: the standalone question, which the trace keeps sealed (a trace
        stored before it was sealed still has it in its annotations). ``annotations``: the
        row's, when the caller holds them unparsed (the trace writer does)."""
        ann = _annotations(row) if annotations is None else annotations
        hour = math.floor(float(row["created_at"]) / HOUR)
        values, bin_ = _figures(row, ann)
        user = str(row["user"])[:200] if row.get("user") else None
        if user is not None and self.user_key is not None:
            user = self.user_key(user)
        group = (hour, tuple(dim_keys(row, ann)))
        acc = self.groups.get(group)
        self.groups[group] = values if acc is None else list(map(add, acc, values))
        if bin_ is not None:
            self.group_bins[(*group, bin_)] += 1
        if user is not None:
            self.group_users[(*group, user)] += 1
        if term_hash is not None:
            asked = question or ann.get("query")
            if isinstance(asked, str) and asked:
                self.term_hash = term_hash
                self.questions[(hour, asked)] += 1

    def terms(self) -> Counter[tuple[int, str]]:
        """Questions per (hour, keyed term hash)."""
        out: Counter[tuple[int, str]] = Counter()
        if self.term_hash is not None:
            for (hour, asked), n in self.questions.items():
                for t in _terms_of(asked):
                    out[(hour, self.term_hash(t))] += n
        return out

    def sums(self) -> dict[tuple[int, str, str], list[float]]:
        out: dict[tuple[int, str, str], list[float]] = {}
        for (hour, dims), values in self.groups.items():
            for dim, key in dims:
                acc = out.get((hour, dim, key))
                out[(hour, dim, key)] = values if acc is None else list(map(add, acc, values))
        return out


def _spread(groups: Counter[tuple[int, Dims, Any]]) -> Counter[tuple[int, str, str, Any]]:
    """Per-group counts as counts per (hour, dimension, key, ...)."""
    out: Counter[tuple[int, str, str, Any]] = Counter()
    for (hour, dims, extra), n in groups.items():
        for dim, key in dims:
            out[(hour, dim, key, extra)] += n
    return out


def apply(conn: Connection, app: str, batch: Batch) -> None:
    """Add a batch's increments to the rollup tables (in the caller's transaction)."""
    sums, bins, users = batch.sums(), _spread(batch.group_bins), _spread(batch.group_users)
    rollup = [
        {
            "app": app,
            "hour": hour,
            "dim": dim,
            "key": key,
            **{c: int(v) for c, v in zip(COUNTS, values[: len(COUNTS)], strict=True)},
            **dict(zip(SUMS, values[len(COUNTS) :], strict=True)),
        }
        for (hour, dim, key), values in sums.items()
    ]
    lat = [
        {"app": app, "hour": hour, "dim": dim, "key": key, "bin": b, "n": n}
        for (hour, dim, key, b), n in bins.items()
    ]
    upsert(conn, kpi_rollup, rollup)
    upsert(conn, kpi_latency, lat)
    days: Counter[tuple[int, str, str, int]] = Counter()
    for (hour, dim, key, b), n in bins.items():
        days[(hour // 24, dim, key, b)] += n
    lat_days = [
        {"app": app, "day": d, "dim": dim, "key": key, "bin": b, "n": n}
        for (d, dim, key, b), n in days.items()
    ]
    upsert(conn, kpi_latency_days, lat_days)
    user_rows = [
        {"app": app, "hour": h, "dim": dim, "key": k, "user": u, "n": n}
        for (h, dim, k, u), n in users.items()
    ]
    upsert(conn, kpi_users, user_rows)
    add_users(conn, app, users)
    terms = [{"app": app, "hour": h, "term": t, "n": n} for (h, t), n in batch.terms().items()]
    upsert(conn, kpi_terms, terms)


Questions = Callable[[dict[str, Any], RowNotes | None], str | None]
Noted = tuple[dict[str, Any], RowNotes | None]


@dataclass
class Folder:
    """How trace rows become increments: the term hash, the sealed-question reader and the
    user pseudonym of the app's key (all None: no terms, users by name)."""

    term_hash: TermHash | None = None
    questions: Questions | None = None
    user_key: Callable[[str], str] | None = None

    def fold(self, per_app: dict[str, Batch], rows: Iterable[Noted]) -> None:
        """Add trace rows (as ``store.traces.trace_row`` makes them, each with its notes
        when the writer holds them) to ``per_app``'s batches."""
        asked = self.questions if self.term_hash is not None else None
        for row, notes in rows:
            question = asked(row, notes) if asked is not None else None
            batch = per_app.get(str(row["app"]))
            if batch is None:
                batch = per_app[str(row["app"])] = Batch(user_key=self.user_key)
            batch.add(row, self.term_hash, question, notes.annotations if notes else None)


def apply_all(conn: Connection, per_app: dict[str, Batch]) -> None:
    for app, batch in sorted(per_app.items()):
        apply(conn, app, batch)


def add_rows(
    conn: Connection,
    rows: Iterable[Noted],
    term_hash: TermHash | None = None,
    questions: Questions | None = None,
    user_key: Callable[[str], str] | None = None,
) -> None:
    """Add trace rows to the rollups now (in the caller's transaction); ``questions`` gives
    a row's sealed question for its term counts."""
    per_app: dict[str, Batch] = {}
    Folder(term_hash, questions, user_key).fold(per_app, rows)
    apply_all(conn, per_app)


def insert_traces(
    conn: Connection,
    rows: Sequence[dict[str, Any]],
    notes: Sequence[RowNotes | None] = (),
    fresh: bool = False,
) -> list[Noted]:
    """Insert the traces not stored yet and return exactly those, each with its notes (or
    None). ``fresh``: the caller knows none of the rows can be stored already (the trace
    writer's first try of traces it was handed), so the look-up of stored ids is skipped."""
    from stanchion.store.traces import insert_new

    seen: set[str] = set()
    if not fresh:
        ids = [r["id"] for r in rows]
        seen = set(conn.execute(select(traces.c.id).where(traces.c.id.in_(ids))).scalars())
    noted = zip(rows, notes, strict=True) if notes else ((r, None) for r in rows)
    new = [(r, n) for r, n in noted if r["id"] not in seen]
    if new:
        insert_new(conn, traces, [r for r, _ in new])
    return new


def store_traces(
    conn: Connection,
    rows: Sequence[dict[str, Any]],
    term_hash: TermHash | None = None,
    questions: Questions | None = None,
    user_key: Callable[[str], str] | None = None,
    notes: Sequence[RowNotes | None] = (),
    fresh: bool = False,
) -> None:
    """Insert the traces not stored yet and add exactly those to the rollups, in the
    caller's transaction; ``notes``, when given, are the rows' ``RowNotes`` (or None), in
    the rows' order (``insert_traces``)."""
    new = insert_traces(conn, rows, notes, fresh)
    if new:
        add_rows(conn, new, term_hash, questions, user_key)


REBUILD_COLUMNS = (
    "id",
    "app",
    "created_at",
    "user",
    "status",
    "decision",
    "route",
    "model",
    "prompt_id",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "latency_ms",
    "annotations",
)


def rebuild(
    conn: Connection, app: str, chunk: int = 20_000, user_key: Callable[[str], str] | None = None
) -> int:
    """Recompute an app's rollups from its stored traces (after a bulk load that bypassed
    the writer, or an upgrade). Query terms cannot be recovered from sealed traces."""
    for table in (kpi_rollup, kpi_latency, kpi_latency_days, kpi_users, kpi_user_bits):
        conn.execute(table.delete().where(table.c.app == app))
    _rebuild_ratings(conn, app)
    cols = [traces.c[c] for c in REBUILD_COLUMNS]
    batch, n, last = Batch(user_key=user_key), 0, ""
    while True:  # keyset pages: no server-side cursor held open; one upsert at the end
        page = conn.execute(
            select(*cols)
            .where(traces.c.app == app, traces.c.id > last)
            .order_by(traces.c.id)
            .limit(chunk)
        ).mappings()
        rows = [dict(r) for r in page]
        if not rows:
            break
        for row in rows:
            batch.add(row, None)
        n, last = n + len(rows), rows[-1]["id"]
    apply(conn, app, batch)
    return n


def _rebuild_ratings(conn: Connection, app: str) -> None:
    from stanchion.registry.schema import feedback

    f = feedback.c
    rebuild_ratings(
        conn, app, conn.execute(select(f.score, f.updated_at).where(f.app == app)).mappings()
    )
