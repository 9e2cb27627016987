"""What keeping the rollups costs the trace writer: a batch of traces inserted alone
(``insert_new``) against inserted and rolled up in the batch's transaction
(``store_traces`` with the query term hashes, ``STANCHION_ROLLUP_FLUSH_SECONDS=0``) and
inserted, noted and buffered (``RollupBuffer``, the runtime's default), its flushes once
per ``--flush-every`` traces included, on SQLite and PostgreSQL.

    python bench/rollup_cost.py [--batches 40] [--batch 256] [--flush-every 1000]

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
from stanchion.reports.rollup import Folder, store_traces
from stanchion.reports.rollup_buffer import RollupBuffer
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.schema import traces
from stanchion.store.traces import insert_new

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/stn_rollup_bench"


def run(url: str, batches: int, size: int, every: int) -> tuple[float, float, float]:
    store = Store(url)
    store.upgrade()
    term_hash = TermKey(Cipher(bytes(32)))
    buffer = RollupBuffer(Folder(term_hash), 3600.0)
    rng, start = random.Random(3), time.time() - 7200
    times: dict[str, list[float]] = {"plain": [], "rolled": [], "buffered": []}
    i, held = 0, 0
    for _ in range(batches):
        for label, out in times.items():
            rows = [make_row(rng, i + j, start + (i + j) * 0.5, set()) for j in range(size)]
            i += size
            t0 = time.perf_counter()
            with store.engine.begin() as conn:
                if label == "plain":
                    insert_new(conn, traces, rows)
                elif label == "rolled":
                    store_traces(conn, rows, term_hash)
                else:
                    buffer.write(conn, rows, (), True)
            if label == "buffered":
                buffer.committed()
                held += size
                if held >= every:
                    buffer.flush(store.engine)
                    held = 0
            out.append((time.perf_counter() - t0) / size * 1e6)
    store.dispose()
    plain, rolled = statistics.median(times["plain"]), statistics.median(times["rolled"])
    return plain, rolled, statistics.fmean(times["buffered"])  # the flushes spread over all


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--flush-every", type=int, default=1000, help="traces per buffer flush")
    args = ap.parse_args()
    admin = create_engine(PG.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("DROP DATABASE IF EXISTS stn_rollup_bench WITH (FORCE)"))
        c.execute(text("CREATE DATABASE stn_rollup_bench"))
    folder = Path(tempfile.mkdtemp(prefix="stn-rollup-"))
    head = f"{'store':12} {'insert us/trace':>16} {'+ rollups in batch':>19} {'+ buffered':>11}"
    print(head, f"(flushed per {args.flush_every} traces)")
    try:
        for name, url in (("sqlite", f"sqlite:///{folder}/r.db"), ("postgresql", PG)):
            plain, rolled, held = run(url, args.batches, args.batch, args.flush_every)
            print(f"{name:12} {plain:16.1f} {rolled:19.1f} {held:11.1f}")
    finally:
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS stn_rollup_bench WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
