"""Instructions per upstream call of the OpenAI provider (aiohttp's client and our plumbing
around it), counted by callgrind: two builds compared by a figure a busy machine does not move.

    python bench/upstream_icount.py [--base main] [--new REF] [--n 300] [--warm 50]

Each build's ``OpenAIProvider`` calls the harness's fast upstream (``harness/upstream.py``,
its own process, not counted) one call at a time, as the gateway does at concurrency 1; the
whole client process is counted while the calls run (the event loop's waits included), so
a figure is what the request path pays for its upstream call. JSON (``complete``), JSON
inside an ``asyncio.timeout`` (as the router bounded every attempt before the providers'
own timeout sufficed) and streaming (``stream``, every chunk read) are counted apart.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from callgrind_client import helper_library, labelled_totals  # noqa: E402
from gateway_ab import export_src  # noqa: E402
from harness.run import fast_upstream  # noqa: E402

CALLS = """
import asyncio, ctypes, sys
import uvloop
from stanchion.providers.base import ChatRequest
from stanchion.providers.openai_http import OpenAIProvider
cg = ctypes.CDLL(sys.argv[1])
port, n, warm = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
MESSAGES = [{"role": "system", "content": "You answer questions about refunds. " * 8},
            {"role": "user", "content": "How long do card refunds take to show up?"}]

async def json_call(p):
    await p.complete(ChatRequest(model="mock-gpt", messages=MESSAGES, params={}))

async def bounded_call(p):
    async with asyncio.timeout(30.0):  # as the router bounds each attempt
        await p.complete(ChatRequest(model="mock-gpt", messages=MESSAGES, params={}))

async def stream_call(p):
    async for _ in p.stream(ChatRequest(model="mock-gpt", messages=MESSAGES, params={})):
        pass

async def main():
    p = OpenAIProvider(base_url=f"http://127.0.0.1:{port}/v1", model="mock-gpt",
                       api_key="sk-test", timeout=30.0, options={})
    modes = (("json", json_call), ("json+timeout", bounded_call), ("stream", stream_call))
    for label, call in modes:
        for _ in range(warm):
            await call(p)
        cg.cg_on()
        for _ in range(n):
            await call(p)
        cg.cg_off(f"{label} {n}".encode())
    await p.aclose()

uvloop.run(main())  # the server's loop
"""


def counted(src: Path, helper: Path, port: int, n: int, warm: int, tmp: Path) -> dict[str, float]:
    args = [str(helper), str(port), str(n), str(warm)]
    found = {}
    for label, total in labelled_totals(CALLS, args, src, tmp / "cg.out"):
        mode = re.fullmatch(r"(\S+) (\d+)", label)
        if mode:
            found[mode.group(1)] = total / int(mode.group(2))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", default="main")
    ap.add_argument("--new", help="a git ref instead of this checkout's src/")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--warm", type=int, default=50)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stanchion-upstream-icount-"))
    try:
        with fast_upstream(tmp / "upstream.log") as port:
            helper = helper_library(tmp)
            (tmp / "b").mkdir()
            (tmp / "n").mkdir()
            base = export_src(args.base, tmp / "b")
            new = export_src(args.new, tmp / "n") if args.new else ROOT / "src"
            before = counted(base, helper, port, args.n, args.warm, tmp)
            after = counted(new, helper, port, args.n, args.warm, tmp)
            print(f"| mode | {args.base} | {args.new or 'this checkout'} | ratio |")
            print("|---|---|---|---|")
            for mode, b in before.items():
                a = after[mode]
                print(f"| {mode} | {b / 1e3:.1f} K | {a / 1e3:.1f} K | {a / b:.3f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
