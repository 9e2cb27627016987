"""Retention purge throughput: trace rows deleted (and trace contents dropped) per second.

    python bench/retention_purge.py [--rows 100000] [--db postgresql+psycopg://...]

Fills a fresh store with ``rows`` traces of 1 KB sealed content each, half past the trace
period and a quarter more past the content period, then times one purge.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from stanchion.retention import RetentionSpec
from stanchion.retention.purge import purge
from stanchion.store.db import Store
from stanchion.store.schema import traces

DAY = 86400.0


def fill(store: Store, rows: int, now: float) -> None:
    blob = os.urandom(1024)
    batch = []
    for i in range(rows):
        days = 40 if i < rows // 2 else (10 if i < rows * 3 // 4 else 1)
        batch.append(
            {
                "id": f"t{i:09d}",
                "app": "bench",
                "created_at": now - days * DAY,
                "status": 200,
                "decision": "allow",
                "stream": False,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "cost": 0.0,
                "latency_ms": 1.0,
                "timings": "{}",
                "findings": "[]",
                "annotations": "{}",
                "request_enc": blob,
                "response_enc": blob,
            }
        )
        if len(batch) == 5000:
            with store.engine.begin() as conn:
                conn.execute(traces.insert(), batch)
            batch = []
    if batch:
        with store.engine.begin() as conn:
            conn.execute(traces.insert(), batch)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/purge.db"
    store = Store(url)
    store.upgrade()
    now = time.time()
    fill(store, args.rows, now)
    t0 = time.perf_counter()
    counts = purge(store, "bench", RetentionSpec(traces_days=30, content_days=7), now)
    seconds = time.perf_counter() - t0
    print(f"{'kind':<10} {'rows':>9} ")
    for kind, n in counts.items():
        print(f"{kind:<10} {n:>9}")
    total = sum(counts.values())
    print(f"purge took {seconds:.2f}s: {total / seconds:,.0f} rows/s ({url.split(':')[0]})")
    store.dispose()


if __name__ == "__main__":
    main()
