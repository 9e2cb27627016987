"""Admission cost per request: today's counters against another revision's, side by side.

    python bench/admission.py [--baseline c648a4c] [--n 5000] [--redis redis://127.0.0.1:6379/0]

Prints microseconds per admitted request (the rate check plus the budget check, and the
budget settlement where the revision has one) for the in-process and the Redis counters.
The old module is loaded from git, so both run in this one process on this one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any


def load_revision(rev: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:src/stanchion/limits.py"], capture_output=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "limits_baseline.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("limits_baseline", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def one_request(c: Any) -> None:
    if hasattr(c, "reserve"):
        got = await c.admit("rpm:k", 10**9, 60, 1e-6, 1e9, 86_400)
        await c.settle(got.reservation, 1e-6)
    else:  # the fixed window and the cached spend read of before
        await c.hit("rpm:k", 60)
        await c.total("spend", 86_400)
        await c.add("spend", 1e-6, 86_400)


async def timed(c: Any, n: int) -> float:
    for _ in range(50):
        await one_request(c)
    t0 = time.perf_counter()
    for _ in range(n):
        await one_request(c)
    return (time.perf_counter() - t0) / n * 1e6


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default="c648a4c")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
    from stanchion import limits as now

    old = load_revision(args.baseline)
    rows = []
    for name, mod in (("baseline " + args.baseline, old), ("this tree", now)):
        local = await timed(mod.LocalCounters(), args.n)
        prefix = f"stn-bench-{secrets.token_hex(4)}"
        rc = mod.RedisCounters(args.redis, prefix)
        try:
            redis = await timed(rc, args.n // 5)
        finally:
            keys = [k async for k in rc.redis.scan_iter(match=f"{prefix}:*")]
            if keys:
                await rc.redis.delete(*keys)
            await rc.aclose()
        rows.append((name, local, redis))
    print(f"{'counters':<20} {'in process µs/req':>18} {'Redis µs/req':>14}")
    for name, local, redis in rows:
        print(f"{name:<20} {local:>18.1f} {redis:>14.1f}")


if __name__ == "__main__":
    asyncio.run(main())
