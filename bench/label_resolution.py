"""Label resolution cost per request: what the render and generate stages pay to find the
prompt and route version (in-process cache, no database), with and without a canary.

    python bench/label_resolution.py
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from pathlib import Path

from stanchion.registry.cache import LabelCache, Slot
from stanchion.registry.prompts import PromptVersion
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

N = 1_000_000


def per_call_us(fn: object, users: list[str]) -> float:
    call = fn  # type: ignore[assignment]
    t0 = time.perf_counter()
    for i in range(N):
        call("system", users[i & 1023])  # type: ignore[operator]
    return (time.perf_counter() - t0) / N * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'b.db'}")
        p1 = PromptVersion("system", "system@aaaaaaaaaaaa", "You help.")
        p2 = PromptVersion("system", "system@bbbbbbbbbbbb", "You help briefly.")
        cache = LabelCache(
            store,
            Cipher(base64.b64decode(base64.b64encode(os.urandom(32)))),
            "bench",
            "production",
            1.0,
            prompt_files={"system": p1},
            route_files={"system": "system@cccccccccccc"},
        )
        users = [f"user-{i}" for i in range(1024)]
        plain = per_call_us(cache.prompt, users)
        route = per_call_us(cache.model, users)
        cache.prompts["system"] = Slot(p1, p1.id, p2, p2.id, 10)
        canary = per_call_us(cache.prompt, users)
        print(f"prompt label, no canary : {plain:.3f} us/request")
        print(f"route label, no canary  : {route:.3f} us/request")
        print(f"prompt label, 10% canary: {canary:.3f} us/request (CRC32 of the user)")
        store.dispose()


if __name__ == "__main__":
    main()
