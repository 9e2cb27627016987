"""Traffic and checks for the rollup buffer's tests (``test_rollup_buffer*.py``) and their
writer processes (``rollup_child.py``): varied traces, the rollup tables read back, and a
full recount of the traces to compare them with."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, select

from stanchion.guards.base import Finding
from stanchion.knowledge.sealed_terms import TermKey
from stanchion.knowledge.text import terms
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest, Completion, Usage
from stanchion.reports.activity import kpi_user_bits
from stanchion.reports.rollup import (
    HOUR,
    kpi_latency,
    kpi_latency_days,
    kpi_rollup,
    kpi_terms,
    kpi_users,
    rebuild,
)
from stanchion.reports.rollup_privacy import UserKey
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

APP = "rolled"
QUESTIONS = (
    "How long do card refunds take?",
    "Can I return a kettle after thirty days?",
    "Where is my parcel?",
)
RECOUNTED = (kpi_rollup, kpi_latency, kpi_latency_days, kpi_users, kpi_user_bits)


def start_of_traffic() -> float:
    """Two hours back, on an hour's edge: the traffic spans two whole hours."""
    return (time.time() // HOUR - 2) * HOUR


def exchange(i: int, start: float, tag: str = "", span: float = 7200.0, n: int = 100) -> Exchange:
    """Trace ``i`` of ``n`` spread over ``span`` seconds from ``start``: six users, two
    routes, two cohorts, answers, blocks, errors and refusals, grounded or not."""
    question = QUESTIONS[i % len(QUESTIONS)]
    ex = Exchange(
        id=f"{tag}{i:08d}-{start:.0f}",
        app=APP,
        started=start + (i % n) * span / n,
        request=ChatRequest("gpt", [{"role": "user", "content": question}]),
        principal=Principal(f"k{i % 6}", f"user-{i % 6}", "user"),
        route=("gpt", "mini")[i % 2],
        prompt_id=f"system@{i % 3}",
    )
    ex.completion = Completion("Five days.", "m", Usage(20 + i % 7, 3 + i % 5))
    ex.timings = {"generate": 3.0 + (i * 37) % 900}
    ex.cost = 1e-5 * (1 + i % 4)
    ex.status = 500 if i % 17 == 0 else 200
    ex.decision = ("pass", "pass", "block", "refuse", "pass")[i % 5]
    if i % 11 == 0:
        ex.findings = [Finding("grounding.unsupported", 0, 4, 0.6, "grounding@5", "output")]
    ex.annotations = {
        "query": question,
        "grounded": i % 3 != 0,
        "model_version": "m@1",
        "cohort": ("pilot", "all")[i % 2],
    }
    return ex


def _table(conn: Connection, table: Table, app: str) -> list[tuple[Any, ...]]:
    """The app's rows, floats rounded: sums added in another order differ in the last bits."""
    rows = conn.execute(select(table).where(table.c.app == app)).all()
    return sorted(tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows)


def snapshot(conn: Connection, app: str = APP) -> dict[str, list[tuple[Any, ...]]]:
    return {t.name: _table(conn, t, app) for t in (*RECOUNTED, kpi_terms)}


def recount(store: Store, cipher: Cipher, app: str = APP) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the rollups as stored, as a full recount of the traces makes them), the recount
    rolled back. Terms are not recounted (sealed traces): ``expected_terms`` gives them."""
    with store.engine.connect() as conn:
        stored = snapshot(conn, app)
        conn.rollback()
        with conn.begin() as tx:
            rebuild(conn, app, user_key=UserKey(cipher))
            recounted = snapshot(conn, app)
            tx.rollback()
    return stored, recounted


def expected_terms(cipher: Cipher, exchanges: list[Exchange]) -> list[tuple[Any, ...]]:
    key = TermKey(cipher)
    counts: Counter[tuple[int, str]] = Counter()
    for ex in exchanges:
        for t in set(terms(ex.annotations["query"])):
            counts[(int(ex.started // HOUR), key(t))] += 1
    return sorted((APP, h, t, n) for (h, t), n in counts.items())


def requests(store: Store, app: str = APP) -> int:
    with store.engine.connect() as conn:
        q = select(kpi_rollup.c.requests).where(kpi_rollup.c.app == app, kpi_rollup.c.dim == "all")
        return int(sum(conn.execute(q).scalars()))


def wait(cond: Callable[[], bool], timeout: float = 30.0, what: str = "") -> float:
    """Seconds until ``cond`` holds; fails after ``timeout``."""
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout, f"timed out: {what}"
        time.sleep(0.02)
    return time.monotonic() - t0
