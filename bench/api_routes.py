"""Added latency of the translated routes against chat completions, on the local responder
(no network upstream, so the gateway's own work is what is measured), in one run.

    python bench/api_routes.py [--n 300]

A gateway on a real socket (SQLite store, a ``local`` route, default guards) answers the
same question as ``/v1/chat/completions``, ``/v1/responses`` and ``/v1/messages``, JSON and
streamed, and ``/v1/embeddings`` (the offline hashing embedder) for the same text; requests
go one at a time over one keep-alive connection. Prints p50 / p95 in milliseconds and the
p50 difference from chat completions of the same mode; then, in process, the microseconds
of edge work each translated route adds (its own shape validated and translated, the answer
shaped back). Never asserts times.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml

from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import ChatRequest, Completion, Usage
from stanchion.server.app import create_app
from stanchion.server.replies import answer_of, messages_json, response_json
from stanchion.server.shapes import (
    EmbeddingsRequest,
    MessagesRequest,
    ResponsesRequest,
    parse_open,
)
from stanchion.server.translate import messages_to_chat, responses_to_chat
from stanchion.settings import Settings
from stanchion.store.db import Store
from stanchion.store.keys import create_key

QUESTION = "How long do card refunds take after the return arrives?"
SPEC = {
    "app": "bench",
    "goal": {"statement": "answer questions"},
    "owners": {"business": "b@example.com"},
    "models": {"default": "local", "routes": [{"name": "local", "provider": "local"}]},
}
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "chat": (
        "/v1/chat/completions",
        {"model": "local", "messages": [{"role": "user", "content": QUESTION}]},
    ),
    "responses": ("/v1/responses", {"model": "local", "input": QUESTION}),
    "messages": (
        "/v1/messages",
        {"model": "local", "max_tokens": 256, "messages": [{"role": "user", "content": QUESTION}]},
    ),
}


def serve(folder: Path) -> tuple[uvicorn.Server, str, str]:
    (folder / "stanchion.yaml").write_text(yaml.safe_dump(SPEC))
    url = f"sqlite:///{folder}/stanchion.db"
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    settings = Settings(encryption_key=key, database_url=url)
    store = Store(url)
    store.upgrade()
    with store.engine.begin() as conn:
        secret, _ = create_key(conn, user="bench", role="user", actor="bench", app="bench")
    store.dispose()
    app = create_app(folder / "stanchion.yaml", settings)
    server = uvicorn.Server(uvicorn.Config(app, port=0, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", secret


def once(client: httpx.Client, path: str, body: dict[str, Any]) -> float:
    t0 = time.perf_counter()
    if body.get("stream"):
        with client.stream("POST", path, json=body) as r:
            for _ in r.iter_bytes():
                pass
    else:
        r = client.post(path, json=body)
    if r.status_code != 200:
        raise SystemExit(f"{path}: {r.status_code} {r.read()[:300]!r}")
    return (time.perf_counter() - t0) * 1000


def measure(client: httpx.Client, cases: list[tuple[str, str, dict[str, Any]]], n: int) -> Any:
    """Round robin over the cases, so that every row sees the same machine load."""
    times: list[list[float]] = [[] for _ in cases]
    for i in range(n + 20):
        for j, (_, path, body) in enumerate(cases):
            took = once(client, path, body)
            if i >= 20:  # warm-up excluded
                times[j].append(took)
    return times


def edge_costs(n: int) -> list[tuple[str, float]]:
    """Microseconds per request of the work the translated routes add, in process: the
    request validated in its own shape and translated, and the answer shaped back (the chat
    body is then validated by ``parse_chat`` as for chat completions)."""
    ex = Exchange(id="b", app="bench", started=0.0, request=ChatRequest("m", []))
    ex.completion = Completion("Card refunds take 5 to 7 business days. [1]", "m", Usage(40, 12))
    answer = answer_of(ex, [])
    _, responses_body = CALLS["responses"]
    _, messages_body = CALLS["messages"]

    def responses() -> None:
        req = parse_open(ResponsesRequest, responses_body)
        responses_to_chat(req)
        response_json(ex, "local", 0, {}, answer)

    def messages() -> None:
        messages_to_chat(parse_open(MessagesRequest, messages_body))
        messages_json(ex, "local", answer)

    def embeddings() -> None:
        parse_open(EmbeddingsRequest, {"model": "local", "input": QUESTION})

    out = []
    for name, fn in (("responses", responses), ("messages", messages), ("embeddings", embeddings)):
        fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((name, (time.perf_counter() - t0) / n * 1e6))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        server, url, key = serve(Path(tmp))
        headers = {"authorization": f"Bearer {key}"}
        cases = [
            (f"{name} {mode}", path, {**body, "stream": mode == "stream"})
            for mode in ("json", "stream")
            for name, (path, body) in CALLS.items()
        ]
        cases.append(("embeddings json", "/v1/embeddings", {"model": "local", "input": QUESTION}))
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            times = measure(client, cases, n)
        server.should_exit = True
    rows = [(*label.split(), t) for (label, _, _), t in zip(cases, times, strict=True)]
    base = {mode: statistics.median(t) for name, mode, t in rows if name == "chat"}
    print(f"{'route':<12} {'mode':<7} {'p50 ms':>8} {'p95 ms':>8} {'p50 vs chat':>12}")
    for name, mode, t in rows:
        p50, p95 = statistics.median(t), statistics.quantiles(t, n=20)[18]
        delta = f"{p50 - base[mode]:+.2f}" if name != "embeddings" else "-"
        print(f"{name:<12} {mode:<7} {p50:>8.2f} {p95:>8.2f} {delta:>12}")
    print(f"\n{n} requests per row, round robin after 20 warm-up rounds, one connection")
    print(f"\n{'edge work':<12} {'us/request':>10}")
    for name, us in edge_costs(20 * n):
        print(f"{name:<12} {us:>10.1f}")


if __name__ == "__main__":
    main()
