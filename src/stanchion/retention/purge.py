"""The retention purge: per kind, rows older than the app's period deleted (trace content
dropped) in short batches; one replica at a time holds the lease and runs it.

    leased = take_lease(conn, "retention:shop", holder="replica-a", now=now, ttl=7200)
    counts = purge(store, "shop", spec.retention, now)   # {"traces": 120, "content": 3400}
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Double,
    String,
    Table,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from stanchion.registry.schema import eval_experiments, feedback, review_items
from stanchion.reports.rollup_privacy import prune_rollup_users, prune_rollups
from stanchion.retention import RetentionSpec
from stanchion.store.audit import append_audit
from stanchion.store.db import Store
from stanchion.store.schema import metadata, traces

log = logging.getLogger("stanchion.retention")
BATCH = 2000

leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("until", Double, nullable=False),
)


def take_lease(conn: Connection, name: str, holder: str, now: float, ttl: float) -> bool:
    """Hold ``name`` until ``now + ttl`` unless another holder's lease is still running."""
    free = (leases.c.until < now) | (leases.c.holder == holder)
    taken = conn.execute(
        update(leases).where(leases.c.name == name, free).values(holder=holder, until=now + ttl)
    )
    if taken.rowcount:
        return True
    if conn.execute(select(leases.c.name).where(leases.c.name == name)).first() is not None:
        return False
    try:
        with conn.begin_nested():
            conn.execute(leases.insert().values(name=name, holder=holder, until=now + ttl))
    except IntegrityError:
        return False
    return True


def release_lease(conn: Connection, name: str, holder: str) -> None:
    conn.execute(
        update(leases).where(leases.c.name == name, leases.c.holder == holder).values(until=0.0)
    )


def _batched(store: Store, statement: Callable[[], Any]) -> int:
    total = 0
    while True:
        with store.engine.begin() as conn:
            n = int(conn.execute(statement()).rowcount or 0)
        total += n
        if n < BATCH:
            return total


def _purge_kind(store: Store, app: str, kind: str, cutoff: float) -> int:
    t = traces
    if kind == "content":
        ids = (
            select(t.c.id)
            .where(t.c.app == app, t.c.created_at < cutoff, t.c.request_enc.is_not(None))
            .limit(BATCH)
        )
        return _batched(
            store,
            lambda: (
                update(t)
                .where(t.c.id.in_(ids.scalar_subquery()))
                .values(request_enc=None, response_enc=None)
            ),
        )
    if kind in ("rollups", "rollup_users"):
        with store.engine.begin() as conn:
            prune = prune_rollups if kind == "rollups" else prune_rollup_users
            return prune(conn, app, cutoff)
    table, when, extra = KINDS[kind]
    cond = (table.c.app == app) & (when < cutoff)
    if extra is not None:
        cond = cond & extra
    if kind == "traces":
        old = select(t.c.id).where(cond).limit(BATCH).scalar_subquery()
        return _batched(store, lambda: delete(t).where(t.c.id.in_(old)))
    with store.engine.begin() as conn:
        return int(conn.execute(delete(table).where(cond)).rowcount or 0)


KINDS: dict[str, tuple[Table, Any, Any]] = {
    "traces": (traces, traces.c.created_at, None),
    "feedback": (feedback, feedback.c.updated_at, None),
    "review_items": (
        review_items,
        review_items.c.created_at,
        review_items.c.decided_at.is_not(None),
    ),
    "eval_runs": (eval_experiments, eval_experiments.c.created_at, None),
}


def purge(
    store: Store, app: str, spec: RetentionSpec, now: float, actor: str = "retention"
) -> dict[str, int]:
    """Apply every period of ``spec`` to ``app``; the counts are an audit event."""
    counts = {
        kind: _purge_kind(store, app, kind, now - seconds)
        for kind, seconds in spec.periods().items()
    }
    with store.engine.begin() as conn:
        append_audit(conn, actor, "retention.purge", app, counts)
    return counts


def purge_leased(
    store: Store, app: str, spec: RetentionSpec, holder: str, *, keep: bool = True
) -> dict[str, int] | None:
    """One purge if this holder gets the app's lease (None when another replica has it);
    a replica ``keep``s it until its next run, a one-off (the CLI) gives it back."""
    now, name = time.time(), f"retention:{app}"
    with store.engine.begin() as conn:
        if not take_lease(conn, name, holder, now, spec.purge_every_minutes * 60 * 2):
            return None
    try:
        return purge(store, app, spec, now)
    finally:
        if not keep:
            with store.engine.begin() as conn:
                release_lease(conn, name, holder)


async def purge_forever(store: Store, app: str, spec: RetentionSpec) -> None:
    """The schedule a serving replica runs; only the lease holder purges each time."""
    holder = secrets.token_hex(8)
    while True:
        try:
            counts = await store.run(purge_leased, store, app, spec, holder)
            if counts is not None:
                log.info("retention purge for %s: %s", app, counts)
        except Exception:  # one failed purge must not stop the next
            log.exception("retention purge failed")
        await asyncio.sleep(spec.purge_every_minutes * 60)
