"""Tool calls: the latency a tool-call round trip adds, and what the guards flag in the
arguments of a tool-heavy replay.

    python bench/tools.py latency [--n 300] [--litellm /tmp/bench-litellm-venv] [--json FILE]
    python bench/tools.py replay [--directions input,context] [--json FILE]

``latency`` starts the tests' local upstream (tests/upstream.py) in its own process,
answering every call with two parallel tool calls (arguments streamed in 3-character
fragments), and ``stanchion serve`` (one worker) with an app whose one route points at it.
It sends the same requests, one at a time, to the upstream directly and through the
gateway, as JSON and as streams (time to the last byte), and prints p50/p90/p99 and the
added latency. The gateway runs its full pipeline for these: keys, admission, input guards,
the tool policy (offer, schema check, argument scan), output guards, encrypted traces.
With ``--litellm VENV`` (a venv with LiteLLM's proxy, e.g. the one
``../shared/bench/compare.py --litellm --install-only`` makes), LiteLLM's proxy (one
worker, no database, no retries) is measured the same way in the same run.

``replay`` runs the tool policy (``agents/calls.py``, default ``tools:`` and guards) over a
replay of 600 tool calls built from the shared datasets: knowledge-base searches with real
user questions (clapnq), e-mails whose bodies are synthetic PII texts (presidio synth v2),
tickets with task instructions (self-instruct, benign) and document summaries whose text
is a third-party e-mail or table from BIPIA, with an injected instruction
(``summary+inj``) or without (``summary``). It prints the share
flagged per kind and per finding type, with examples. Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("STANCHION_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "datasets"

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
                "required": ["city"],
            },
        },
    }
]
CALLS = [
    {"id": "call_a", "name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}},
    {"id": "call_b", "name": "get_weather", "arguments": {"city": "Oslo", "unit": "c"}},
]
CASES = [
    ("text json (no tools, baseline)", False, {}),
    ("tool calls json", False, {"tools": TOOLS}),
    ("text stream (no tools, baseline)", True, {}),
    ("tool calls stream", True, {"tools": TOOLS}),
]
UPSTREAM = """
import sys, uvicorn
sys.path.insert(0, {root!r})
from tests.upstream import Upstream
up = Upstream()
up.default = {{"tool_calls": {calls!r}, "fragment": 3}}
plain = up._prepare
async def prepare(request):  # no tools offered: a plain echo, the baseline
    body, step, failure = await plain(request)
    return body, (step if body.get("tools") else {{}}), failure
up._prepare = prepare
uvicorn.run(up.app(), host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def one(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> float:
    t0 = time.perf_counter()
    if body.get("stream"):
        with client.stream("POST", url, json=body, headers=headers) as r:
            for _ in r.iter_bytes():
                pass
            assert r.status_code == 200, r.status_code
    else:
        r = client.post(url, json=body, headers=headers)
        assert r.status_code == 200, r.text
        assert bool(r.json()["choices"][0]["message"].get("tool_calls")) == bool(body.get("tools"))
    return (time.perf_counter() - t0) * 1000


def measure(url: str, body: dict[str, Any], headers: dict[str, str], n: int) -> list[float]:
    with httpx.Client(timeout=30) as client:
        for _ in range(max(n // 10, 10)):
            one(client, url, body, headers)
        return [one(client, url, body, headers) for _ in range(n)]


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]


LITELLM_KEY = "sk-bench-litellm"


def start_litellm(venv: Path, folder: Path, up_port: int) -> tuple[subprocess.Popen[bytes], int]:
    """LiteLLM's proxy, one route to the same upstream, no database, callbacks or retries."""
    port = free_port()
    config = folder / "litellm.yaml"
    config.write_text(
        "model_list:\n  - model_name: mock-gpt\n    litellm_params:\n"
        f"      model: openai/up-model\n      api_base: http://127.0.0.1:{up_port}/v1\n"
        "      api_key: sk-mock\nlitellm_settings:\n  num_retries: 0\n  telemetry: false\n"
        "general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n"
    )
    env = dict(os.environ, LITELLM_MASTER_KEY=LITELLM_KEY, LITELLM_LOCAL_MODEL_COST_MAP="True")
    env["LITELLM_LOG"] = "ERROR"
    env.pop("DATABASE_URL", None)
    cmd = [str(venv / "bin" / "litellm"), "--config", str(config), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--num_workers", "1"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/health/liveliness", timeout=120)
    return proc, port


def latency(n: int, litellm: Path | None = None) -> dict[str, Any]:
    from bench.gateway import make_app, stanchion_bin

    up_port, gw_port = free_port(), free_port()
    folder = Path(tempfile.mkdtemp(prefix="stanchion-tools-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        code = UPSTREAM.format(root=str(ROOT), calls=CALLS, port=up_port)
        procs.append(subprocess.Popen([sys.executable, "-c", code], start_new_session=True))
        key = make_app(folder, "openai", False, up_port)
        serve = [stanchion_bin(), "serve", "--app", str(folder), "--host", "127.0.0.1"]
        procs.append(subprocess.Popen([*serve, "--port", str(gw_port)], start_new_session=True))
        wait_up(f"http://127.0.0.1:{up_port}/")
        wait_up(f"http://127.0.0.1:{gw_port}/healthz")
        lite_port = 0
        if litellm is not None:
            proc, lite_port = start_litellm(litellm, folder, up_port)
            procs.append(proc)
        ask = [{"role": "user", "content": "Weather in Paris and Oslo?"}]
        results: dict[str, Any] = {}
        for case, stream, tools in CASES:
            body = {"model": "mock-gpt", "messages": ask, "stream": stream, **tools}
            direct = measure(f"http://127.0.0.1:{up_port}/v1/chat/completions", body, {}, n)
            via = measure(
                f"http://127.0.0.1:{gw_port}/v1/chat/completions",
                body,
                {"authorization": f"Bearer {key}"},
                n,
            )
            results[case] = {"direct": direct, "gateway": via}
            if lite_port:
                lite = f"http://127.0.0.1:{lite_port}/v1/chat/completions"
                auth = {"authorization": f"Bearer {LITELLM_KEY}"}
                results[case]["litellm"] = measure(lite, body, auth, n)
        return results
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def print_latency(results: dict[str, Any], n: int) -> None:
    print(f"\n### Tool-call round trip, {n} sequential requests each (ms, client to last byte)\n")
    print("| case | system | p50 | p90 | p99 | mean | added p50 | added p90 |")
    print("|---|---|---|---|---|---|---|---|")
    names = {"direct": "direct", "gateway": "stanchion", "litellm": "LiteLLM proxy"}
    for case, got in results.items():
        d = got["direct"]
        for key, xs in got.items():
            name = names[key]
            added = (
                (f"{pct(xs, 0.5) - pct(d, 0.5):.2f}", f"{pct(xs, 0.9) - pct(d, 0.9):.2f}")
                if key != "direct"
                else ("", "")
            )
            print(
                f"| {case} | {name} | {pct(xs, 0.5):.2f} | {pct(xs, 0.9):.2f} | "
                f"{pct(xs, 0.99):.2f} | {statistics.fmean(xs):.2f} | {added[0]} | {added[1]} |"
            )


def _lines(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def replay_calls(seed: int = 16) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, tool, arguments) for 600 calls, drawn with a fixed seed."""
    rnd = random.Random(seed)
    questions = rnd.sample(_lines("injection/clapnq_questions.jsonl"), 200)
    pii = rnd.sample(_lines("pii/presidio_synth_v2.jsonl"), 200)
    tasks = rnd.sample(_lines("injection/self_instruct.jsonl"), 100)
    docs = rnd.sample(_lines("injection/bipia.jsonl"), 100)
    out: list[tuple[str, str, dict[str, Any]]] = []
    out += [("search", "search_kb", {"query": q["text"]}) for q in questions]
    out += [
        ("email", "send_email", {"customer": f"C-{i:04d}", "body": p["text"]})
        for i, p in enumerate(pii)
    ]
    out += [("ticket", "create_ticket", {"summary": t["text"][:500]}) for t in tasks]
    out += [
        ("summary+inj" if d["label"] else "summary", "summarize_document", {"text": d["text"]})
        for d in docs
    ]
    return out


def replay(directions: list[str]) -> dict[str, Any]:
    from stanchion.agents.calls import CallChecker
    from stanchion.agents.policy import ToolPolicy, ToolsSpec
    from stanchion.guards import GuardPolicySpec, build_guard_engine
    from stanchion.pipeline.exchange import Exchange
    from stanchion.providers.base import ChatRequest

    engine = build_guard_engine(GuardPolicySpec(), ROOT)
    spec = ToolsSpec.model_validate({"scan_directions": directions})
    checker = CallChecker(ToolPolicy(spec), engine)
    per_kind: dict[str, list[int]] = {}
    per_type: dict[str, int] = {}
    actions: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    calls = replay_calls()
    t0 = time.perf_counter()
    for i, (kind, tool, args) in enumerate(calls):
        ex = Exchange(id=str(i), app="bench", started=0.0, request=ChatRequest("m", []))
        call = {
            "id": f"c{i}",
            "type": "function",
            "function": {"name": tool, "arguments": json.dumps(args)},
        }
        got = checker.check(call, {tool: {"name": tool}}, ex)
        seen = per_kind.setdefault(kind, [0, 0, 0])
        seen[0] += 1
        seen[1] += bool(got.findings)
        seen[2] += any(f.type.startswith("injection") for f in got.findings)
        actions[got.action] = actions.get(got.action, 0) + 1
        for f in {f.type for f in got.findings}:
            per_type[f] = per_type.get(f, 0) + 1
            if len(examples.setdefault(f, [])) < 2:
                text = json.dumps(args)[:110].replace("|", "/").replace("\n", " ")
                examples[f].append(f"{tool}: {text}")
    ms = (time.perf_counter() - t0) * 1000 / len(calls)
    return {
        "calls": len(calls),
        "per_kind": per_kind,
        "per_type": per_type,
        "actions": actions,
        "examples": examples,
        "ms_per_call": ms,
        "directions": directions,
    }


def print_replay(r: dict[str, Any]) -> None:
    total = r["calls"]
    flagged = sum(v[1] for v in r["per_kind"].values())
    where = "+".join(r["directions"])
    print(f"\n### Tool-heavy replay: {total} calls, default guards, arguments scanned as {where}")
    print(f"\nflagged (any finding): {flagged}/{total} = {flagged / total:.1%}; ", end="")
    print(f"scan cost {r['ms_per_call']:.2f} ms per call (one core)\n")
    print("| kind | calls | flagged (any) | share | injection findings |")
    print("|---|---|---|---|---|")
    for kind, (n, f, inj) in r["per_kind"].items():
        print(f"| {kind} | {n} | {f} | {f / n:.1%} | {inj} ({inj / n:.1%}) |")
    print("\n| resulting action | calls |\n|---|---|")
    for action, n in sorted(r["actions"].items()):
        print(f"| {action} | {n} |")
    print("\n| finding type | calls | examples |\n|---|---|---|")
    for kind, n in sorted(r["per_type"].items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {n} | {' <br> '.join(r['examples'][kind])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("what", choices=["latency", "replay"])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--litellm", type=Path, help="latency: a venv with LiteLLM's proxy")
    ap.add_argument(
        "--directions", default="input", help="replay: scan_directions, e.g. input,context"
    )
    args = ap.parse_args()
    if args.what == "latency":
        results: dict[str, Any] = latency(args.n, args.litellm)
        print_latency(results, args.n)
    else:
        results = replay(args.directions.split(","))
        print_replay(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
