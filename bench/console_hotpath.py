"""Does the console cost the chat path anything? The gateway bench's app (bench/gateway.py:
the full default pipeline, a mock upstream, encrypted traces in SQLite) loaded through the
same harness, side by side in one run:

    python bench/console_hotpath.py [--rounds 2] [--cases c1,c10] [--dur 10] [--json FILE]

- ``no console``: ``STANCHION_UI=0``, the console not mounted at all;
- ``console idle``: the console mounted, nobody on it (the default);
- ``console in use``: the console mounted while an owner loads the overview and the trace
  list once a second (``--page-rate``) in the same process: what the chat requests share
  the CPU with, not a cost of the chat path itself.

The rounds alternate the systems so that drift in a shared machine's load hits each alike;
compare CPU ms per request (the gateway's own process, pinned to one CPU) before wall time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gateway import QUESTION, make_app, stanchion_bin  # noqa: E402
from harness.run import main as harness_main  # noqa: E402


class PageLoader:
    """Signs in as an owner once the server is up, then loads console pages at a rate."""

    def __init__(self, key: str, rate: float) -> None:
        self.key, self.rate, self.loaded, self.stop = key, rate, 0, threading.Event()
        self.port: int | None = None

    def run(self) -> None:
        while self.port is None and not self.stop.is_set():
            time.sleep(0.05)
        base = f"http://127.0.0.1:{self.port}"
        with httpx.Client(base_url=base, timeout=30) as c:
            while not self.stop.is_set():
                try:
                    pre = re.search(r'name="pre" value="([^"]*)"', c.get("/ui/login").text)
                    if (
                        pre
                        and c.post("/ui/login", data={"pre": pre[1], "key": self.key}).is_redirect
                    ):
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            pages = ("/ui/overview?period=7d", "/ui/traces")
            while not self.stop.wait(1 / self.rate):
                try:
                    c.get(pages[self.loaded % 2]).raise_for_status()
                    self.loaded += 1
                except httpx.HTTPError:
                    pass


def _owner_key(folder: Path) -> str:
    cmd = [stanchion_bin(), "keys", "create", "--app", str(folder), "--user", "olga"]
    made = subprocess.run(
        [*cmd, "--role", "owner", "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.strip()


def _round(
    name: str, env: str, key: str, folder: Path, args: Any, loader: PageLoader | None
) -> list[dict[str, Any]]:
    serve = f"{env}exec {stanchion_bin()} serve --app {folder} --host 127.0.0.1 --port {{port}}"
    if loader is not None:  # learn the port from the target command the harness fills in
        serve = f"echo {{port}} > {folder}/port; {serve}"
        thread = threading.Thread(target=loader.run, daemon=True)
        thread.start()
        watcher = threading.Thread(target=_port_of, args=(folder / "port", loader), daemon=True)
        watcher.start()
    argv = ["--target", f"{serve} # {{upstream}}", "--key", key, "--name", name]
    argv += ["--question", QUESTION, "--cases", args.cases, "--dur", str(args.dur)]
    try:
        return harness_main(argv, upstream_port=args.mock_port)
    finally:
        if loader is not None:
            loader.stop.set()
            (folder / "port").unlink(missing_ok=True)


def _port_of(path: Path, loader: PageLoader) -> None:
    while not loader.stop.is_set():
        if path.exists() and path.read_text().strip():
            loader.port = int(path.read_text())
            return
        time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--cases", default="c1,c10")
    ap.add_argument("--dur", type=float, default=10.0)
    ap.add_argument("--page-rate", type=float, default=1.0, help="console pages a second")
    ap.add_argument("--mock-port", type=int, default=18093)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="stanchion-console-hotpath-"))
    rows: list[dict[str, Any]] = []
    try:
        key = make_app(folder, "openai", True, args.mock_port)
        owner = _owner_key(folder)
        for r in range(args.rounds):
            for name, env, pages in (
                ("no console", "STANCHION_UI=0 ", False),
                ("console idle", "", False),
                ("console in use", "", True),
            ):
                loader = PageLoader(owner, args.page_rate) if pages else None
                for row in _round(name, env, key, folder, args, loader):
                    rows.append({**row, "round": r + 1, "pages": loader.loaded if loader else 0})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\n{'system':16} {'case':5} {'round':>5} {'ok/s':>7} {'p50 ms':>7} {'p99 ms':>7}", end=""
    )
    print(f" {'CPU ms/req':>10} {'pages':>6}")
    for r in sorted(rows, key=lambda r: (r["case"], r["system"], r["round"])):
        ok = r["ok_ms"]
        print(
            f"{r['system']:16} {r['case']:5} {r['round']:5d} {r['ok_rps']:7.0f} "
            f"{ok.get('p50', '-'):>7} {ok.get('p99', '-'):>7} "
            f"{r.get('cpu_ms_per_req', '-'):>10} {r['pages']:6d}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
