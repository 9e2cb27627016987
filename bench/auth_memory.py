"""Memory a caller without a key can make `stanchion serve` hold (issue 8, item 2).

    python bench/auth_memory.py [--requests 200] [--token-mb 1] [--header-mb 8]

Sets up the example app in a temporary folder (quickstart, offline), serves it with
``stanchion serve`` and reads the server's resident memory (VmRSS) before and after:
``--requests`` requests whose bearer tokens are distinct ``--token-mb`` MB strings, then
``--requests`` / 4 requests carrying one ``--header-mb`` MB header. It prints what each
answered and how far the process grew. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "support-assistant"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def send(port: int, head: bytes) -> str:
    """One request on a fresh connection; the status it got, or how it ended."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        try:
            s.sendall(head)
            answer = s.recv(65536)
        except OSError as exc:
            return f"closed ({type(exc).__name__})"
    return answer.split(b"\r\n", 1)[0].decode("latin-1")[9:12] or "closed"


def request(token: str = "sk-stn-x", pad: bytes = b"") -> bytes:
    body = b'{"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}'
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"authorization: Bearer " + token.encode() + b"\r\n"
    )
    if pad:
        head += b"x-pad: " + pad + b"\r\n"
    return head + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body


def serve(app: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    cmd = [sys.executable, "-m", "stanchion.cli"]
    subprocess.run(
        [*cmd, "quickstart", "--no-serve", "--app", str(app)],
        env=env,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen([*cmd, "serve", "--app", str(app), "--port", str(port)], env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--token-mb", type=float, default=1.0)
    parser.add_argument("--header-mb", type=float, default=8.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app"
        shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(".stanchion"))
        port = free_port()
        proc = serve(app, port)
        try:
            send(port, request())
            start = rss_mb(proc.pid)
            filler = "a" * int(args.token_mb * 1_000_000)
            tokens = Counter(
                send(port, request("sk-stn-" + secrets.token_hex(8) + filler))
                for _ in range(args.requests)
            )
            after_tokens = rss_mb(proc.pid)
            pad = b"p" * int(args.header_mb * 1_000_000)
            headers = Counter(send(port, request(pad=pad)) for _ in range(args.requests // 4))
            time.sleep(0.5)
            end = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"server RSS at start: {start:.0f} MB")
    print(
        f"{args.requests} distinct {args.token_mb:g} MB tokens: {dict(tokens)}; "
        f"RSS {after_tokens:.0f} MB ({after_tokens - start:+.0f})"
    )
    print(
        f"{args.requests // 4} requests with a {args.header_mb:g} MB header: {dict(headers)}; "
        f"RSS {end:.0f} MB ({end - start:+.0f} from start)"
    )


if __name__ == "__main__":
    main()
