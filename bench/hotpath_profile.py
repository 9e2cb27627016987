"""The full pipeline in process: CPU per request, the trace writer thread's share, and a
profile of the request path (the example app's knowledge spec, its route pointed at the
harness's fast upstream, requests through the ASGI app without a socket).

    python bench/hotpath_profile.py [--n 2000] [--stream] [--conc 10] [--profile 30]

Prints the process's CPU per request (every thread), the trace writer thread's CPU per trace
(read from /proc, so its 10 ms ticks want a few thousand requests), and with ``--profile N``
the N costliest functions of the event loop's thread by own time (cProfile).
Under callgrind (``--n N`` and ``--n 0``, the difference of the two "Collected" counts over N)
it gives instructions per request, the writer thread's included, robust to a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gateway_ab import QUESTION, make_app  # noqa: E402
from harness.procs import TICK  # noqa: E402
from harness.run import body, fast_upstream  # noqa: E402

from stanchion.server.app import create_app  # noqa: E402
from stanchion.settings import Settings  # noqa: E402


def thread_cpu(native_id: int) -> float:
    raw = Path(f"/proc/self/task/{native_id}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def load(
    client: httpx.AsyncClient, payload: bytes, headers: dict[str, str], n: int, conc: int
) -> int:
    left, ok = n, 0

    async def worker() -> None:
        nonlocal left, ok
        while left > 0:
            left -= 1
            resp = await client.post("/v1/chat/completions", content=payload, headers=headers)
            ok += resp.status_code == 200
            await resp.aread()

    await asyncio.gather(*(worker() for _ in range(conc)))
    return ok


async def run(folder: Path, key: str, args: argparse.Namespace) -> None:
    app = create_app(folder, Settings.from_env())
    payload = body("mock-gpt", QUESTION, args.stream)
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    async with app.router.lifespan_context(app):
        rt = app.state.runtime
        writer = rt.traces
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await load(client, payload, headers, args.warm, args.conc)
            await asyncio.sleep(0.3)
            w0, p0, t0 = thread_cpu(writer._thread.native_id), time.process_time(), writer.written
            prof = cProfile.Profile(time.thread_time) if args.profile else None
            wprof = cProfile.Profile(time.thread_time) if args.writer_profile else None
            if wprof:
                write = writer._write  # the writer thread's flushes, profiled in that thread
                writer._write = lambda items: wprof.runcall(write, items)
            if prof:
                prof.enable()
            ok = await load(client, payload, headers, args.n, args.conc)
            if prof:
                prof.disable()
            while writer.written - t0 < ok:  # noqa: ASYNC110 (a thread's counter)
                await asyncio.sleep(0.05)
            p1, w1 = time.process_time(), thread_cpu(writer._thread.native_id)
    wrote = writer.written - t0
    print(f"{ok}/{args.n} answered, stream={args.stream}, conc={args.conc}")
    print(
        f"process CPU per request (all threads, incl. the in-process client): "
        f"{(p1 - p0) / max(ok, 1) * 1e6:.0f} us"
    )
    print(
        f"trace writer thread CPU per trace: {(w1 - w0) / max(wrote, 1) * 1e6:.0f} us "
        f"({wrote} traces)"
    )
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)
        if args.dump:
            prof.dump_stats(args.dump)
    if wprof:
        print("--- the trace writer thread ---")
        pstats.Stats(wprof).sort_stats("tottime").print_stats(args.writer_profile)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--conc", type=int, default=10)
    ap.add_argument("--warm", type=int, default=300, help="requests before the measured ones")
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--profile", type=int, default=0)
    ap.add_argument("--writer-profile", type=int, default=0)
    ap.add_argument("--dump", help="write the request path's profile here (pstats)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stanchion-hotpath-"))
    try:
        with fast_upstream(tmp / "upstream.log") as port:
            folder = tmp / "app"
            folder.mkdir()
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
            key = make_app(folder, env, port)
            os.chdir(folder)
            asyncio.run(run(folder, key, args))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
