"""A real ``stanchion serve --workers 2``: every scrape adds up both workers exactly, and
its log lines (ours and uvicorn's access lines) are JSON with the trace id, no content and
no key."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import openai_route
from tests.core.test_cli import free_port
from tests.upstream import Upstream

SECRET_WORDS = "PURPLE-ELEPHANT-4711"
PLAIN = 30
STREAMED = 10


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def total(parsed: dict[str, list[tuple[dict[str, str], float]]], name: str, **match: str) -> float:
    return sum(
        v
        for labels, v in parsed.get(name, [])
        if all(labels.get(k) == want for k, want in match.items())
    )


class Served:
    def __init__(self, gw: Any, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env |= {
            "STANCHION_DATABASE_URL": gw.settings.database_url,
            "STANCHION_ENCRYPTION_KEY": gw.key,
            "STANCHION_LOG_FORMAT": "json",
            "STANCHION_ACCESS_LOG": "true",
            "STANCHION_LOG_LEVEL": "info",
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "stanchion.cli", "serve", "--app", str(gw.folder)]
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port), "--workers", "2"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers are killed with it, whatever happens here
        )
        try:
            self._wait_ready(log)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, log: Path) -> None:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(self.url + "/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None, log.read_text()
            assert time.time() < deadline, "the server did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        """Drain as a SIGTERM asks; a server that has not stopped in 30 s is killed with its
        workers (the process group), so that a failed test never leaves one serving."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


@pytest.fixture()
def served(gateway_factory: Any, sqlite_url: str, up: Upstream, tmp_path: Path) -> Iterator[Any]:
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    gw.user, gw.admin = gw.make_key(), gw.make_key(role="admin", user="ops")
    s = Served(gw, tmp_path / "server.log")
    s.gw = gw
    yield s
    s.stop()


def _load(url: str, key: str) -> list[str]:
    client = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0)
    msgs: Any = [{"role": "user", "content": f"tell me about {SECRET_WORDS}"}]

    def plain(_: int) -> str:
        raw = client.chat.completions.with_raw_response.create(model="gpt", messages=msgs)
        return raw.headers["x-stanchion-trace-id"]

    def streamed(_: int) -> str:
        with client.chat.completions.with_streaming_response.create(
            model="gpt", messages=msgs, stream=True
        ) as raw:
            for _line in raw.iter_lines():
                pass
            return raw.headers["x-stanchion-trace-id"]

    with client, ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(plain, range(PLAIN)))
        ids += list(pool.map(streamed, range(STREAMED)))
    return ids


def test_two_workers_add_up_and_log_json(served: Any, up: Upstream, tmp_path: Path) -> None:
    up.reset()
    up.script({"status": 503}, {"status": 503}, {"status": 503})  # one request fails, logged
    with (
        openai.OpenAI(base_url=served.url + "/v1", api_key=served.gw.user, max_retries=0) as c,
        pytest.raises(openai.APIStatusError) as failed,
    ):
        c.chat.completions.create(model="gpt", messages=[{"role": "user", "content": SECRET_WORDS}])
    found = re.search(r"trace ([0-9a-f]{32})", failed.value.message)
    assert found, failed.value.message
    failed_id = found.group(1)
    ids = _load(served.url, served.gw.user)
    n = PLAIN + STREAMED + 1
    auth = {"authorization": f"Bearer {served.gw.admin}"}
    for _ in range(6):  # whichever worker answers the scrape, it sees both workers' counts
        parsed = samples(httpx.get(served.url + "/metrics", headers=auth).text)
        assert total(parsed, "stanchion_requests_total") == n
        assert total(parsed, "stanchion_requests_total", status="200", decision="pass") == n - 1
        assert total(parsed, "stanchion_errors_total", status="502") == 1
        assert total(parsed, "stanchion_request_duration_seconds_count") == n
        assert total(parsed, "stanchion_stage_seconds_count", stage="authenticate") == n
        assert total(parsed, "stanchion_time_to_first_token_seconds_count") == STREAMED
        assert total(parsed, "stanchion_upstream_retries_total", route="gpt") == 2
        assert total(parsed, "stanchion_upstream_circuit_state", route="gpt") == 0
    served.stop()
    lines = (tmp_path / "server.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    text = "\n".join(lines)
    assert SECRET_WORDS not in text
    assert served.gw.user not in text and served.gw.user[:20] not in text
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    chat = [r for r in access if r["http.path"] == "/v1/chat/completions"]
    assert sorted(r["trace_id"] for r in chat) == sorted([failed_id, *ids])
    upstream = [r for r in records if r["logger"] == "stanchion.upstream"]
    assert [r["trace_id"] for r in upstream] == [failed_id]
    assert all({"ts", "level", "logger", "msg"} <= r.keys() for r in records)
