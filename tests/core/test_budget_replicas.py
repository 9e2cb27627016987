"""Budgets and rate limits across replicas: three real `stanchion serve` processes share one
PostgreSQL and one Redis, and 200 concurrent clients spread their calls over them.

The figures the hardening issue asks for are printed (pytest -s shows them) and bounded:
- budget: admitted answers against the answers the daily budget pays for (an overrun of
  about 5x before reservations);
- rate: admitted requests against the per-key limit in one minute.

The clients retry what the gateway says is worth retrying soon, after its Retry-After: a
replica at capacity (``overloaded``) and a budget held by requests in flight
(``budget_reserved``). Without that, how many of the paid answers were answered depended
on how fast the 301 requests ran out on a loaded machine (28 to 30).
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from stanchion.store.db import Store
from stanchion.store.keys import create_key
from tests.conftest import _pg_database
from tests.core.test_cli import free_port
from tests.upstream import Upstream

REDIS_URL = os.environ.get("STANCHION_TEST_REDIS", "redis://127.0.0.1:6379/0")
ANSWER_COST = (11 + 7) * 1000 / 1_000_000  # the upstream's usage at 1000 per 1M tokens
PAID_ANSWERS = 30
pytestmark = pytest.mark.slow


@pytest.fixture()
def pg_url() -> Iterator[str]:
    yield from _pg_database()


def _spec(app: str, up: Upstream, limits: dict[str, Any]) -> dict[str, Any]:
    route = {
        "name": "gpt",
        "provider": "openai",
        "model": "up-model",
        "base_url": up.base_url,
        "price": {"input": 1000, "output": 1000},
        "timeout": 10,
        "retries": 0,
    }
    return {
        "app": app,
        "goal": {"statement": "answer", "kpis": {"satisfaction": 4.2}},
        "human_cost": {"per_task": 3.0, "minutes": 5},
        "owners": {"business": "biz@example.com"},
        "models": {"default": "gpt", "routes": [route]},
        "prompts": {"system": {"file": "system.md", "variables": {}}},
        "limits": {"redis_url": REDIS_URL, **limits},
    }


class Replicas:
    def __init__(self, folder: Path, db_url: str, n: int) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
        self.env |= {
            "STANCHION_DATABASE_URL": db_url,
            "STANCHION_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        self.ports = [free_port() for _ in range(n)]
        self.procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "stanchion.cli",
                    "serve",
                    "--app",
                    str(folder),
                    "--port",
                    str(port),
                ],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in self.ports
        ]
        deadline = time.time() + 60
        for port in self.ports:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.time() < deadline, "a replica did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait(10)


def _setup(tmp_path: Path, pg_url: str, up: Upstream, limits: dict[str, Any]) -> tuple[Path, str]:
    app = f"replicas-{secrets.token_hex(4)}"  # fresh Redis keys for every run
    folder = tmp_path / app
    folder.mkdir()
    (folder / "system.md").write_text("You are a helpful assistant.")
    (folder / "stanchion.yaml").write_text(yaml.safe_dump(_spec(app, up, limits)))
    store = Store(pg_url)
    store.upgrade()
    with store.engine.begin() as conn:
        key, _ = create_key(conn, user="load", role="user", actor="test", app=app)
    store.dispose()
    return folder, key


RETRIED = {"overloaded", "budget_reserved"}


async def _load(ports: list[int], key: str, total: int, clients: int) -> list[int]:
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 7}
    headers = {"authorization": f"Bearer {key}"}
    statuses: list[int] = []
    queue = iter(range(total))
    # a fresh connection per request: no race with the server closing an idle keep-alive one
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def worker() -> None:
            for i in queue:
                port = ports[i % len(ports)]
                while True:
                    r = await client.post(
                        f"http://127.0.0.1:{port}/v1/chat/completions", json=body, headers=headers
                    )
                    if r.status_code != 429 or r.json()["error"]["code"] not in RETRIED:
                        break
                    await asyncio.sleep(float(r.headers["retry-after"]))
                statuses.append(r.status_code)

        await asyncio.gather(*(worker() for _ in range(clients)))
    return statuses


def test_budget_holds_across_three_replicas(
    tmp_path: Path, pg_url: str, upstream: Upstream
) -> None:
    upstream.reset()
    budget = PAID_ANSWERS * ANSWER_COST
    folder, key = _setup(tmp_path, pg_url, upstream, {"daily_budget": budget})
    replicas = Replicas(folder, pg_url, 3)
    try:
        statuses = asyncio.run(_load(replicas.ports, key, 301, 200))
    finally:
        replicas.stop()
    answered = statuses.count(200)
    other = len(statuses) - answered - statuses.count(429)
    print(
        f"\nbudget worth {PAID_ANSWERS} answers, 3 replicas, 200 clients, 301 requests: "
        f"{answered} answered ({answered / PAID_ANSWERS - 1:+.0%}), "
        f"{statuses.count(429)} refused (429), other {other}"
    )
    assert set(statuses) <= {200, 429}
    assert answered == PAID_ANSWERS


def test_rate_limit_holds_across_three_replicas(
    tmp_path: Path, pg_url: str, upstream: Upstream
) -> None:
    upstream.reset()
    folder, key = _setup(tmp_path, pg_url, upstream, {"requests_per_minute": 50})
    replicas = Replicas(folder, pg_url, 3)
    try:
        t0 = time.perf_counter()
        statuses = asyncio.run(_load(replicas.ports, key, 301, 200))
        took = time.perf_counter() - t0
    finally:
        replicas.stop()
    admitted = statuses.count(200)
    print(
        f"\nlimit 50/min, 3 replicas, 200 clients, 301 requests in {took:.2f} s: "
        f"{admitted} admitted, {statuses.count(429)} refused (429)"
    )
    assert set(statuses) <= {200, 429}
    assert admitted == 50
