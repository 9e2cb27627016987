"""A writer process for the rollup buffer's tests: the real ``TraceWriter`` with the
runtime's sink, writing ``rollup_traffic`` traces.

    python -m tests.core.rollup_child URL KEY_HEX START --first 40 --then 60 [--spool DIR]

Writes ``--first`` traces and waits until their rollups are flushed, then ``--then`` traces
with a flush interval of an hour, prints "held" once they are stored and sleeps (for a
kill -9). With ``--close``, writes all with ``--interval`` and closes cleanly instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from stanchion.reports.rollup_buffer import RollupBuffer
from stanchion.reports.rollup_writer import rollup_writer
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.spool import Spool
from stanchion.store.trace_writer import TraceWriter
from tests.core.rollup_traffic import exchange, wait


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("key")
    ap.add_argument("start", type=float)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--then", type=int, default=0)
    ap.add_argument("--tag", default="")
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--spool")
    ap.add_argument("--close", action="store_true")
    args = ap.parse_args()
    store, cipher = Store(args.url), Cipher(bytes.fromhex(args.key))
    sink = rollup_writer(cipher, args.interval)
    assert isinstance(sink, RollupBuffer)
    spool = Spool(Path(args.spool)) if args.spool else None
    writer = TraceWriter(store, cipher, spool=spool, flush_ms=10, store_rows=sink)
    n = args.first + args.then
    for i in range(args.first):
        writer.submit(exchange(i, args.start, args.tag, n=n))
    wait(lambda: writer.written == args.first, 60, "the first traces stored")
    if args.close:
        for i in range(args.first, n):
            writer.submit(exchange(i, args.start, args.tag, n=n))
        writer.close()
        assert writer.written == n, writer.written
        return
    wait(lambda: sink.writer is None, 60, "the first traces' rollups flushed")
    sink.interval = 3600.0  # from here on, held in memory until the kill
    for i in range(args.first, n):
        writer.submit(exchange(i, args.start, args.tag, n=n))
    wait(lambda: writer.written == n, 60, "the held traces stored")
    print("held", sink.buffered, flush=True)
    time.sleep(600)
    sys.exit(1)


if __name__ == "__main__":
    main()
