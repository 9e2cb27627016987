"""kill -9 under steady load: every answer a client received completely has its trace once
the server is started again (SQLite and PostgreSQL, a real `stanchion serve` process)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from stanchion.store.schema import traces
from tests.conftest import openai_route
from tests.upstream import Upstream

CLIENTS = 16
KILL_AFTER = 150  # acknowledged answers: the kill comes under steady load, however slow the machine
AFTER_KILL = 1.0  # seconds the clients keep sending once the server is gone
DEADLINE = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(folder: Path, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "stanchion"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--app", str(folder), "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start: " + log.read_text()[-3000:])


async def _one(client: httpx.AsyncClient, stream: bool) -> str | None:
    """The trace id of a complete answer, or None if the answer did not arrive whole."""
    body = {"model": "gpt", "messages": [{"role": "user", "content": "how long?"}]}
    if not stream:
        r = await client.post("/v1/chat/completions", json=body)
        if r.status_code != 200 or "choices" not in r.json():
            return None
        return r.headers["x-stanchion-trace-id"]
    async with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
        if r.status_code != 200:
            return None
        done = False
        async for line in r.aiter_lines():
            done = done or line == "data: [DONE]"
        return r.headers["x-stanchion-trace-id"] if done else None


async def _load(url: str, key: str, proc: subprocess.Popen[bytes]) -> tuple[list[str], int]:
    acked: list[str] = []
    sent = 0
    killed = asyncio.Event()
    stop_at = time.monotonic() + DEADLINE
    headers = {"authorization": f"Bearer {key}"}

    async def client_loop(n: int) -> None:
        nonlocal sent, stop_at
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
            i = 0
            while time.monotonic() < stop_at:
                i += 1
                sent += 1
                try:
                    trace_id = await _one(client, stream=(i + n) % 3 == 0)
                except (httpx.HTTPError, ValueError):
                    await asyncio.sleep(0.01)
                    continue
                if trace_id:
                    acked.append(trace_id)
                if len(acked) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    os.kill(proc.pid, signal.SIGKILL)
                    stop_at = time.monotonic() + AFTER_KILL

    await asyncio.gather(*(client_loop(n) for n in range(CLIENTS)))
    return acked, sent


def _stored(gw: Any, ids: list[str]) -> set[str]:
    found: set[str] = set()
    with gw.store.engine.connect() as conn:
        for i in range(0, len(ids), 500):
            rows = conn.execute(select(traces.c.id).where(traces.c.id.in_(ids[i : i + 500])))
            found.update(r[0] for r in rows)
    return found


@pytest.mark.slow
def test_kill_9_under_load_loses_no_acknowledged_answer(
    gateway_factory: Any, db_url: str, up: Upstream, tmp_path: Path
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], start=False)
    key = gw.make_key()
    env = {
        **os.environ,
        "STANCHION_DATABASE_URL": db_url,
        "STANCHION_ENCRYPTION_KEY": gw.key,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    port, log = _free_port(), tmp_path / "serve.log"
    proc = _serve(gw.folder, env, port, log)
    try:
        acked, sent = asyncio.run(_load(f"http://127.0.0.1:{port}", key, proc))
        if proc.poll() is None:  # too few answers before the deadline: fail below, clearly
            proc.kill()
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        assert len(acked) >= KILL_AFTER, (len(acked), sent)
        missing_at_kill = len(acked) - len(_stored(gw, acked))
        proc = _serve(gw.folder, env, port, log)
        deadline = time.monotonic() + 60
        while len(_stored(gw, acked)) < len(acked) and time.monotonic() < deadline:
            time.sleep(0.2)
        stored = _stored(gw, acked)
        print(
            f"\n{db_url.split(':')[0]}: sent {sent}, acknowledged {len(acked)}, "
            f"not in the store at the kill {missing_at_kill}, stored after replay {len(stored)}"
        )
        assert len(set(acked)) == len(acked)
        assert stored == set(acked)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
