"""The canary report (``version_report``) reads the hourly rollups, never the traces: its
figures per (prompt, model) version are right on real SQLite and PostgreSQL, and its traffic
figures stay the same after the traces themselves are gone (retention)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import delete

from stanchion.evals.feedback import Rating, record
from stanchion.reports.rollup import HOUR, store_traces
from stanchion.reports.versions import version_report
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import traces


def _row(i: int, at: float, prompt: str, model: str, **kw: Any) -> dict[str, Any]:
    row = {
        "id": f"v{i:05d}",
        "app": "demo",
        "created_at": at,
        "user": f"u{i % 4}",
        "status": 200,
        "decision": "pass",
        "stream": False,
        "prompt_id": prompt,
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "cost": 0.01,
        "latency_ms": 100.0,
        "timings": "{}",
        "findings": "[]",
        "annotations": f'{{"grounded":true,"model_version":"{model}"}}',
    }
    return {**row, **kw}


def test_versions_side_by_side_from_the_rollups(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    now = (time.time() // HOUR) * HOUR + 1800
    old = [_row(i, now - 3 * HOUR + i, "system@v1", "local@a") for i in range(40)]
    new = [
        _row(100 + i, now - 2 * HOUR + i, "system@v2", "local@a", latency_ms=400.0)
        for i in range(10)
    ]
    old[0] |= {"decision": "block"}
    old[1] |= {"annotations": '{"grounded":false,"model_version":"local@a"}'}
    new[0] |= {"status": 502, "decision": "error", "cost": 0.0}
    with store.engine.begin() as conn:
        store_traces(conn, old + new)
        for trace, score in (("v00002", 5), ("v00003", 4), ("v00101", 2)):
            rating = Rating(trace, "demo", "u1", None, score, None, None)
            record(conn, Cipher(b"k" * 32), rating, now=lambda: now - HOUR)
    with store.engine.begin() as conn:
        before = version_report(conn, "demo", now - 24 * HOUR, now + 1)
        conn.execute(delete(traces))  # retention took the traces: the report stands
        after = version_report(conn, "demo", now - 24 * HOUR, now + 1)
        assert version_report(conn, "demo", now - HOUR, now + 1) == []  # outside the period
        assert version_report(conn, "other", now - 24 * HOUR, now + 1) == []
    store.engine.dispose()
    v1, v2 = before
    assert (v1.prompt_version, v1.model_version, v2.prompt_version) == (
        "system@v1",
        "local@a",
        "system@v2",
    )
    assert (v1.requests, v1.ratings, v1.satisfaction) == (40, 2, 4.5)
    assert (v2.requests, v2.ratings, v2.satisfaction) == (10, 1, 2.0)
    assert v1.block_rate == pytest.approx(1 / 40) and v2.block_rate == 0.0
    assert v1.groundedness == pytest.approx(39 / 40)
    assert v2.groundedness == 1.0  # the failed request was never checked
    assert v1.p50_ms == pytest.approx(100, rel=0.03) and v2.p95_ms == pytest.approx(400, rel=0.03)
    assert v1.cost_per_answer == pytest.approx(0.01) and v2.cost_per_answer == pytest.approx(0.01)
    # every figure but the ratings (a rating's version is read from its trace) stands
    drop = ("ratings", "satisfaction")
    kept = [{k: v for k, v in r.to_record().items() if k not in drop} for r in after]
    assert kept == [{k: v for k, v in r.to_record().items() if k not in drop} for r in before]
