"""Instructions per request of the full pipeline, counted by callgrind: two builds compared
by a figure that a busy neighbour on a shared machine does not move.

    python bench/gateway_icount.py [--base main] [--new REF] [--modes json,stream] [--n 200]

Each build (``--base``'s ``src/`` exported by ``git archive``, and this checkout's, or
``--new``'s) serves the example app, as ``gateway_ab.py`` sets it up, under
``valgrind --tool=callgrind`` with instrumentation off (start-up runs near native speed).
After a warm-up instrumentation is switched on, the counters are zeroed, ``--n`` requests
are sent with ``--c`` connections, and the counters are dumped: instructions over the
requests answered are the server's whole cost per request (every thread: the event loop,
the trace writer, the database threads). Wall-clock work (the trace writer's polling)
weighs more under valgrind's slowdown, so read the ratio between builds, not the absolute
figure alone.

Each thread is counted apart (``--separate-threads``), and the event loop's thread (the
first) is given on its own: at concurrency 1 it is what a request waits for. The rest is
mostly the trace writer, whose time-driven work (a batch per ``STANCHION_TRACE_FLUSH_MS``,
the rollups added per ``STANCHION_ROLLUP_FLUSH_SECONDS``) callgrind's slowdown spreads over
far fewer requests than a native run does: at c=1 it counted 1.04 M per trace with the
defaults, 0.75 M with 1 s batches and 0.22 M with the rollups also flushed every 120 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gateway import WARM  # noqa: E402
from gateway_ab import QUESTION, export_src, make_app  # noqa: E402
from harness.load import closed_loop, request_bytes  # noqa: E402
from harness.procs import Proc  # noqa: E402
from harness.run import body, fast_upstream, free_port, wait_ready  # noqa: E402

TOTALS = re.compile(rb"^(?:summary|totals): (\d+)", re.M)
DUMP = re.compile(r"callgrind\.out\.(\d+)-(\d+)")


def _total(dump: Path) -> int:
    found = TOTALS.findall(dump.read_bytes())
    return int(found[0]) if found else 0


class Counted:
    """One build's server under callgrind, collection off until ``measure``."""

    def __init__(self, name: str, src: Path, folder: Path, upstream: int) -> None:
        self.name, self.folder = name, folder
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
        folder.mkdir()
        self.key = make_app(folder, env, upstream)
        # the injection prefilter's database built into the app's state folder first, as
        # gateway.py does: its ~1.8 s compile (minutes under valgrind) then lands in no
        # build's measured window
        subprocess.run([sys.executable, "-c", WARM, str(folder)], check=True, env=env)
        self.port = free_port()
        self.out = folder / "callgrind.out"
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes"]
        argv += [f"--callgrind-out-file={self.out}", sys.executable, "-m", "stanchion.cli"]
        argv += ["serve", "--app", str(folder), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = Proc(argv, folder / "serve.log", env={"PYTHONPATH": str(src)})
        wait_ready(f"http://127.0.0.1:{self.port}/healthz", self.proc, timeout=900)

    def load(self, n: int, c: int, stream: bool) -> int:
        headers = {"authorization": f"Bearer {self.key}"}
        raw = request_bytes("/v1/chat/completions", body("mock-gpt", QUESTION, stream), headers)
        tally = asyncio.run(closed_loop(self.port, raw, c, 3600.0, total=n))
        return int(tally.summary()["ok"])

    def _control(self, *args: str) -> None:
        subprocess.run(
            ["callgrind_control", *args, str(self.proc.pid)], check=True, capture_output=True
        )

    def measure(self, n: int, c: int, stream: bool) -> tuple[float, float]:
        """Instructions per answered request over ``n`` requests: every thread's, and the
        event loop's (the first thread's)."""
        for old in self.folder.glob("callgrind.out.*"):
            old.unlink()
        self._control("-i", "on")
        self._control("-z")
        ok = self.load(n, c, stream)
        time.sleep(3)  # the trace writer's last batch (it writes after the answers leave)
        self._control("-d")
        self._control("-i", "off")
        time.sleep(0.5)
        # one file per thread and dump (callgrind.out.<dump>-<thread>): the last dump's
        dumps = [
            (int(m.group(1)), int(m.group(2)), p)
            for p in self.folder.iterdir()
            if (m := DUMP.fullmatch(p.name))
        ]
        last = max(d for d, _, _ in dumps)
        threads = {t: _total(p) for d, t, p in dumps if d == last}
        return sum(threads.values()) / max(ok, 1), threads[min(threads)] / max(ok, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", default="main")
    ap.add_argument("--new", help="a git ref instead of this checkout's src/")
    ap.add_argument("--modes", default="json,stream")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--c", type=int, default=10)
    ap.add_argument("--warm", type=int, default=40)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stanchion-icount-"))
    (tmp / "b").mkdir()
    (tmp / "n").mkdir()
    servers: list[Counted] = []
    try:
        with fast_upstream(tmp / "upstream.log") as up_port:
            base_src = export_src(args.base, tmp / "b")
            new_src = export_src(args.new, tmp / "n") if args.new else ROOT / "src"
            servers = [
                Counted(f"base ({args.base})", base_src, tmp / "base", up_port),
                Counted(args.new or "this checkout", new_src, tmp / "new", up_port),
            ]
            names = " | ".join(s.name for s in servers)
            print(f"| mode | {names} | ratio | event loop: {names} | ratio |")
            print("|---|" + "---|" * 6)
            for mode in args.modes.split(","):
                stream = mode == "stream"
                for s in servers:
                    s.load(args.warm, args.c, stream)
                (all0, loop0), (all1, loop1) = (s.measure(args.n, args.c, stream) for s in servers)
                print(
                    f"| {mode} | {all0 / 1e6:.2f} M | {all1 / 1e6:.2f} M | {all1 / all0:.3f} "
                    f"| {loop0 / 1e6:.2f} M | {loop1 / 1e6:.2f} M | {loop1 / loop0:.3f} |",
                    flush=True,
                )
    finally:
        for s in servers:
            s.proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
