"""What keeping the rollups costs the trace writer: a batch of traces inserted alone
(``insert_new``, as before) against inserted and rolled up (``store_traces`` with the
query term hashes, as the runtime's writer does now), on SQLite and PostgreSQL.

    python bench/rollup_cost.py [--batches 40] [--batch 256]

Traces: 60 users, one route, one prompt version, a templated support question each (the
replayed traffic of tests/telemetry/traffic.py), spread over 2 hours. The figure is the
writer thread's time per trace (median over batches): it never runs on the request path,
but it shares the process (and the GIL) with it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.telemetry.traffic import make_row

from stanchion.knowledge.sealed_terms import TermKey
from stanchion.reports.rollup import store_traces
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import traces
from stanchion.store.traces import insert_new

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/stn_rollup_bench"


def run(url: str, batches: int, size: int) -> tuple[float, float]:
    store = Store(url)
    store.upgrade()
    term_hash = TermKey(Cipher(bytes(32)))
    rng, start = random.Random(3), time.time() - 7200
    plain, rolled, i = [], [], 0
    for _ in range(batches):
        for label, out in (("plain", plain), ("rolled", rolled)):
            rows = [make_row(rng, i + j, start + (i + j) * 0.5, set()) for j in range(size)]
            i += size
            t0 = time.perf_counter()
            with store.engine.begin() as conn:
                if label == "plain":
                    insert_new(conn, traces, rows)
                else:
                    store_traces(conn, rows, term_hash)
            out.append((time.perf_counter() - t0) / size * 1e6)
    store.dispose()
    return statistics.median(plain), statistics.median(rolled)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    admin = create_engine(PG.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("DROP DATABASE IF EXISTS stn_rollup_bench WITH (FORCE)"))
        c.execute(text("CREATE DATABASE stn_rollup_bench"))
    folder = Path(tempfile.mkdtemp(prefix="stn-rollup-"))
    print(f"{'store':12} {'insert us/trace':>16} {'+ rollups us/trace':>19} {'added':>8}")
    try:
        for name, url in (("sqlite", f"sqlite:///{folder}/r.db"), ("postgresql", PG)):
            plain, rolled = run(url, args.batches, args.batch)
            print(f"{name:12} {plain:16.1f} {rolled:19.1f} {rolled - plain:8.1f}")
    finally:
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS stn_rollup_bench WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
