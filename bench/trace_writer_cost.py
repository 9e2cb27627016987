"""What a trace costs: on the request path (the row sealed, the spool append) and on the
writer thread (the insert and the rollups, per batch size), SQLite, in this one thread.

    python bench/trace_writer_cost.py [--n 2000] [--batches 5,25,100] [--flush-every 1000]
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/trace_writer_cost.py --icount N --batches 25 [--flush-every 0]

The writer's figure is given twice: with the rollups added in each batch's transaction
(``STANCHION_ROLLUP_FLUSH_SECONDS=0``) and buffered, flushed once per ``--flush-every``
traces (the default 1,000: the 2 s default interval at 500 req/s), the flushes' cost
included. ``--icount`` uses the buffer unless ``--flush-every 0``.

The exchanges are the example app's (one question, two passages, a grounding finding, the
answerability plan in the annotations), each with its own id, from ``--users`` users (40;
``bench/gateway_ab.py`` sends all as one) over 2 hours.
Timed mode prints CPU microseconds per trace (``time.thread_time``, median of 5 runs);
``--icount N`` submits and writes N traces, so two runs (N and 0) under callgrind give
instructions per trace: ``(Collected(N) - Collected(0)) / N``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from stanchion.guards.base import Finding
from stanchion.knowledge.base import Passage
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest, Completion, Usage
from stanchion.reports.rollup_buffer import RollupBuffer
from stanchion.reports.rollup_writer import rollup_writer
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.spool import Spool
from stanchion.store.trace_writer import Pending, TraceWriter
from stanchion.store.traces import noted_row, seal_record

QUESTION = "How long do card refunds take after you receive my return?"
ANSWER = (
    "Card refunds are issued within 5 business days of the return being received at our "
    "warehouse; the bank may take a few more days to show it."
)
STAGES = ("authenticate", "authorize", "admit", "guard_input", "retrieve", "render")
FEATURES = ("coverage", "sentence", "rarest", "novelty", "unmatched", "size", "matched")


def exchange(i: int, start: float, users: int = 40) -> Exchange:
    ex = Exchange(
        id=f"{i:032x}",
        app="support-assistant",
        started=start + i * 3.6,
        request=ChatRequest("mock-gpt", [{"role": "user", "content": QUESTION}]),
        principal=Principal(f"k{i % users:015d}", f"user-{i % users}", "user"),
    )
    ex.messages = ex.request.messages
    ex.passages = [
        Passage(
            "docs/refund-policy.md",
            1,
            "Refund policy",
            "How refunds are paid",
            244,
            435,
            ANSWER,
            0.75,
            "docs/refund-policy.md",
        ),
        Passage(
            "docs/returns-process.md",
            1,
            "Returning a product",
            "After we receive it",
            382,
            503,
            ANSWER,
            0.42,
            "docs/returns-process.md",
        ),
    ]
    ex.prompt_id, ex.route = "system@c85de32ff674", "mock-gpt"
    ex.completion = Completion(ANSWER, "mock-gpt", Usage(60, 30), provider="openai")
    ex.findings = [Finding("grounding.unsupported", 94, 139, 0.667, "grounding@5", "output")]
    ex.timings = {s: 0.01 * (k + 1) for k, s in enumerate(STAGES)} | {"generate": 3.0 + i % 7}
    ex.cost = 2.7e-05
    ex.annotations = {
        "answerability": {
            "score": 0.787,
            "decision": "answer",
            "features": dict.fromkeys(FEATURES, 0.5),
            "threshold": 0.45,
            "question": QUESTION,
        },
        "guards.canary": f"sc-{i:016x}",
        "model_version": "mock-gpt@e25cef91c55f",
        "groundedness": 0.34,
        "grounded": i % 3 != 0,
        "query": QUESTION,
        "parts": [QUESTION],
    }
    return ex


def submit(writer: TraceWriter, ex: Exchange) -> Pending:
    """``TraceWriter.submit`` without its queue: the request path's share."""
    sealer = writer.cipher.cached_for(ex.principal.user if ex.principal else None)
    row, notes = noted_row(ex, sealer)
    assert writer.spool is not None
    segment, _ = writer.spool.append(seal_record(row, sealer))
    return Pending(row, segment, notes=notes)


def setup(folder: Path, buffered: bool) -> TraceWriter:
    store = Store(f"sqlite:///{folder}/t.db")
    store.upgrade()
    cipher = Cipher(bytes(range(32)))
    spool = Spool(folder / "spool")
    # intervals far longer than the run: its thread never takes a batch nor flushes here
    sink = rollup_writer(cipher, 3600.0 if buffered else 0.0)
    return TraceWriter(store, cipher, spool=spool, flush_ms=3_600_000, store_rows=sink)


def write(writer: TraceWriter, items: list[Pending], size: int, every: int) -> None:
    """Batches of ``size``, and a flush of the buffer once per ``every`` traces and last."""
    sink = writer.sink
    flushed = 0
    for i in range(0, len(items), size):
        writer._write(items[i : i + size])
        if isinstance(sink, RollupBuffer) and (
            i + size - flushed >= every or i + size >= len(items)
        ):
            sink.flush(writer.store.engine)
            flushed = i + size


def timed(n: int, size: int, users: int, every: int) -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp(prefix="stn-trace-cost-"))
    writer = setup(folder, every > 0)
    start = time.time() - 7200
    exchanges = [exchange(i, start, users) for i in range(n)]
    for i, ex in enumerate(exchanges):
        ex.started = start + i * 7200 / n
    t0 = time.thread_time()
    items = [submit(writer, ex) for ex in exchanges]
    t1 = time.thread_time()
    write(writer, items, size, every)
    t2 = time.thread_time()
    assert writer.written == n, writer.written
    writer.store.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return (t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6


def icount(n: int, size: int, every: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="stn-trace-icount-"))
    writer = setup(folder, every > 0)
    warm = [submit(writer, exchange(i, time.time() - 7200)) for i in range(size)]
    write(writer, warm, size, size)  # statements compiled, tables created, caches warm
    start = time.time() - 7200
    items = [submit(writer, exchange(size + i, start)) for i in range(n)]
    write(writer, items, size, every)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--batches", default="5,25,100")
    ap.add_argument("--icount", type=int)
    ap.add_argument("--users", type=int, default=40, help="distinct users in the traffic")
    ap.add_argument("--flush-every", type=int, default=1000, help="traces per buffer flush")
    args = ap.parse_args()
    sizes = [int(b) for b in args.batches.split(",")]
    if args.icount is not None:
        icount(args.icount, sizes[0], args.flush_every)
        return
    every = args.flush_every
    head = f"writer, buffered per {every}"
    print(f"{'batch':>6} {'request path us/trace':>22} {'writer, in batch':>17} {head:>26}")
    for size in sizes:
        runs = [timed(args.n, size, args.users, 0) for _ in range(5)]
        held = [timed(args.n, size, args.users, every) for _ in range(5)]
        req = statistics.median(r[0] for r in runs + held)
        wrt = statistics.median(r[1] for r in runs)
        buf = statistics.median(r[1] for r in held)
        print(f"{size:>6} {req:>22.1f} {wrt:>17.1f} {buf:>26.1f}")


if __name__ == "__main__":
    main()
