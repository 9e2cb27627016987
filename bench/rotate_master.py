"""Master-key rotation while the gateway serves: data keys re-wrapped per second, and the
p50/p99 of chat before and during the rotation.

    python bench/rotate_master.py [--subjects 20000] [--db postgresql+psycopg://...] [--clients 4]

The gateway runs on a real socket in this process (with the local test upstream); the
rotation runs as `stanchion keys rotate-master` in a separate process, as an operator would.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import BASE_SPEC, Gateway, openai_route
from tests.upstream import Upstream

from stanchion.store.keyring import LocalMasterKey, subject_key


def load(url: str, key: str, stop: threading.Event, out: list[float]) -> None:
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hello"}]}
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            t0 = time.perf_counter()
            r = client.post(
                "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}
            )
            out.append((time.perf_counter() - t0) * 1000 if r.status_code == 200 else -1.0)


def window(url: str, key: str, clients: int, run: object) -> list[float]:
    stop, out = threading.Event(), []  # type: ignore[var-annotated]
    threads = [threading.Thread(target=load, args=(url, key, stop, out)) for _ in range(clients)]
    for t in threads:
        t.start()
    run()  # type: ignore[operator]
    stop.set()
    for t in threads:
        t.join()
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=20000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="stn-rotate-"))
    db = args.db or f"sqlite:///{folder}/bench.db"
    up = Upstream()
    up.start()
    spec = {
        **BASE_SPEC,
        "models": {"default": "gpt", "routes": [openai_route(up)]},
        "retention": {"subject_keys": True},
    }
    gw = Gateway(folder, db, spec)
    gw.start()
    key = gw.make_key("admin")
    master = LocalMasterKey(base64.b64decode(gw.key))
    with gw.store.engine.begin() as conn:
        for i in range(args.subjects):
            subject_key(conn, master, "demo", f"user-{i}", create=True)
    new_key = folder / "new.key"
    new_key.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    new_key.chmod(0o600)
    baseline = window(gw.url, key, args.clients, lambda: time.sleep(5))
    env = {**os.environ, "STANCHION_ENCRYPTION_KEY": gw.key, "STANCHION_DATABASE_URL": db}
    cmd = [
        sys.executable,
        "-m",
        "stanchion.cli",
        "keys",
        "rotate-master",
        "--app",
        str(folder),
        "--new-key-file",
        str(new_key),
    ]
    result: list[str] = []
    during = window(
        gw.url,
        key,
        args.clients,
        lambda: result.append(
            subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        ),
    )
    gw.stop()
    up.stop()
    print(result[0].strip())
    print(f"{'window':<18} {'requests':>9} {'failed':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for name, xs in (("before rotation", baseline), ("during rotation", during)):
        ok = [x for x in xs if x >= 0]
        print(
            f"{name:<18} {len(xs):>9} {len(xs) - len(ok):>7} "
            f"{statistics.median(ok):>8.1f} {pct(ok, 0.99):>8.1f}"
        )


if __name__ == "__main__":
    main()
