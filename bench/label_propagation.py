"""Time from a label move to every replica serving it: two `stanchion serve` processes on
one store; the label is moved through replica A, and replica B is polled (a real chat
request every 10 ms) until its answers name the new prompt version.

    python bench/label_propagation.py [--db postgresql://postgres@127.0.0.1:5432/test]
        [--moves 10] [--refresh 1.0]
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "support-assistant"
BIN = Path(sys.executable).parent / "stanchion"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cli(*args: str, env: dict[str, str]) -> str:
    out = subprocess.run([str(BIN), *args], env=env, check=True, capture_output=True, text=True)
    return out.stdout


def setup(app: Path, env: dict[str, str], refresh: float) -> str:
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(".stanchion"))
    with (app / "stanchion.yaml").open("a") as fh:
        fh.write(f"\nregistry:\n  protected: []\n  refresh_seconds: {refresh}\n")
    cli("db", "upgrade", "--app", str(app), env=env)
    cli("ingest", "--app", str(app), "--approve", env=env)
    cli("prompts", "push", "--app", str(app), env=env)
    shutil.copy(app / "prompts" / "system.v2.md", app / "prompts" / "system.md")
    cli("prompts", "push", "--app", str(app), env=env)
    # seed the example's catalog once: two processes seeding it at once collide
    seed = (
        "import asyncio, sys; from stanchion.runtime import build_runtime; "
        "from stanchion.settings import Settings; from pathlib import Path; "
        "asyncio.run(build_runtime(Path(sys.argv[1]), Settings.from_env()).aclose())"
    )
    subprocess.run([sys.executable, "-c", seed, str(app)], env=env, check=True)
    out = cli("keys", "create", "--app", str(app), "--user", "ana", "--role", "admin", env=env)
    return next(w for w in out.split() if w.startswith("sk-stn-"))


def wait_ready(url: str) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(url + "/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} never became ready")


def served(client: httpx.Client, url: str) -> str:
    r = client.post(
        url + "/v1/chat/completions",
        json={
            "model": "support-assistant",
            "messages": [{"role": "user", "content": "How long do refunds take?"}],
        },
    )
    prompt_id: str = r.json()["stanchion"]["prompt_id"]
    return prompt_id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None)
    ap.add_argument("--moves", type=int, default=10)
    ap.add_argument("--refresh", type=float, default=1.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    env = {**os.environ, "STANCHION_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode()}
    if args.db:
        env["STANCHION_DATABASE_URL"] = args.db
    key = setup(tmp / "app", env, args.refresh)
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen([str(BIN), "serve", "--app", str(tmp / "app"), "--port", str(p)], env=env)
        for p in ports
    ]
    a, b = (f"http://127.0.0.1:{p}" for p in ports)
    try:
        for url in (a, b):
            wait_ready(url)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(headers=headers, timeout=10) as c:
            ids = [v["id"] for v in c.get(a + "/admin/registry/prompts/versions").json()["data"]]
            delays = []
            for i in range(args.moves):
                target = ids[i % 2]
                c.put(
                    a + "/admin/registry/prompts/labels/production", json={"version": target}
                ).raise_for_status()
                t0 = time.perf_counter()
                while served(c, b) != target:
                    time.sleep(0.01)
                delays.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.3)
        print(f"store: {args.db or 'sqlite (app folder)'}; refresh_seconds: {args.refresh}")
        print(
            f"moves: {len(delays)}; move -> replica B serving it: "
            f"median {statistics.median(delays):.0f} ms, max {max(delays):.0f} ms, "
            f"min {min(delays):.0f} ms"
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
