"""What the request-head limit costs per request: uvicorn's httptools protocol against
``stanchion.server.protocol:BoundedHttpToolsProtocol``, serving a trivial ASGI app.

    python bench/head_limit_cost.py [--requests 20000] [--rounds 3]

Each round starts one uvicorn process per protocol (uvloop), sends it ``--requests``
keep-alive requests shaped like a chat call (a bearer token, an 80-byte body) one at a time,
and reads the server's CPU time (user + system, from /proc) around them. Prints the CPU
microseconds per request of each. Linux only.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
    b"authorization: Bearer sk-stn-" + b"a" * 43 + b"\r\ncontent-length: 80\r\n\r\n" + b"x" * 80
)
PROTOCOLS = ("httptools", "stanchion.server.protocol:BoundedHttpToolsProtocol")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(folder: str, protocol: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    code = (
        f"import sys; sys.path.insert(0, {folder!r}); import uvicorn; "
        f"uvicorn.run('trivial:app', port={port}, loop='uvloop', http={protocol!r}, "
        "log_level='warning', access_log=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


def measure(folder: str, protocol: str, requests: int) -> float:
    proc, port = serve(folder, protocol)
    try:
        with socket.create_connection(("127.0.0.1", port)) as conn:
            for _ in range(500):
                conn.sendall(REQUEST)
                conn.recv(4096)
            start = cpu_seconds(proc.pid)
            for _ in range(requests):
                conn.sendall(REQUEST)
                conn.recv(4096)
            used = cpu_seconds(proc.pid) - start
    finally:
        proc.terminate()
        proc.wait(30)
    return used / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "trivial.py").write_text(APP)
        for _ in range(args.rounds):
            for protocol in PROTOCOLS:
                us = measure(folder, protocol, args.requests)
                print(f"{protocol.rsplit(':', 1)[-1]:>26}: {us:5.1f} us CPU per request")


if __name__ == "__main__":
    main()
