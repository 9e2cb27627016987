"""Two builds of the gateway side by side in one run: CPU per request and throughput of the
full pipeline (the example app's own knowledge spec: retrieval, glossary, answerability,
grounding, the catalog check, encrypted traces), its model route pointed at the harness's
fast upstream.

    python bench/gateway_ab.py [--base main] [--cases c1,c10] [--modes json,stream]
        [--rounds 5] [--dur 8] [--direct] [--json FILE]

``--base`` is a git ref: its ``src/`` is exported to a temporary folder and served by the
same interpreter (PYTHONPATH), so both builds share every dependency. The other build is
this checkout's ``src/``. Both servers stay up for the whole run, pinned to the gateway CPU;
the load and the upstream run on the other. Each round runs every case in every mode (JSON,
streamed) on both, the order alternating from round to round, so a busy neighbour on a
shared machine weighs on both.
CPU per request is the server process tree's CPU time over the answers it gave (robust to
noise; throughput and latency are not). The table shows the median over rounds and the
ratio of this checkout to the base.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from harness.load import closed_loop, request_bytes  # noqa: E402
from harness.procs import Proc, usage  # noqa: E402
from harness.run import body, fast_upstream, free_port, wait_ready  # noqa: E402
from trees import export_src  # noqa: E402

EXAMPLE = ROOT / "examples" / "support-assistant"
QUESTION = "How long do card refunds take after you receive my return?"


def make_app(folder: Path, env: dict[str, str], upstream_port: int) -> str:
    """The example app with its model route swapped for the mock; returns a user's key."""
    for name in ("prompts", "docs"):
        shutil.copytree(EXAMPLE / name, folder / name)
    shutil.copy(EXAMPLE / "catalog.sql", folder / "catalog.sql")
    spec = yaml.safe_load((EXAMPLE / "stanchion.yaml").read_text())
    route = {
        "name": "mock-gpt",
        "provider": "openai",
        "model": "mock-gpt",
        "base_url": f"http://127.0.0.1:{upstream_port}/v1",
        "price": {"input": 0.15, "output": 0.6},
        "timeout": 30,
        "retries": 0,
    }
    spec["models"] = {"default": "mock-gpt", "routes": [route]}
    spec["limits"] = {"max_body_bytes": 1_000_000}  # no per-minute limit in a load test
    (folder / "stanchion.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    exe = [sys.executable, "-m", "stanchion.cli"]
    run = {"check": True, "env": env, "capture_output": True, "text": True}
    subprocess.run([*exe, "quickstart", "--app", str(folder), "--no-serve"], **run)  # type: ignore[call-overload]
    args = ["keys", "create", "--app", str(folder), "--user", "bench", "--role", "user", "--quiet"]
    out = subprocess.run([*exe, *args], **run)  # type: ignore[call-overload]
    return str(out.stdout.strip())


class System:
    def __init__(self, name: str, src: Path, folder: Path, upstream: int, cpus: str) -> None:
        self.name = name
        self.env = {**os.environ, "PYTHONPATH": str(src)}
        folder.mkdir()
        self.key = make_app(folder, self.env, upstream)
        self.port = free_port()
        serve = [sys.executable, "-m", "stanchion.cli", "serve", "--app", str(folder)]
        serve += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = Proc(serve, folder / "serve.log", cpus=cpus, env={"PYTHONPATH": str(src)})
        wait_ready(f"http://127.0.0.1:{self.port}/healthz", self.proc)

    def request(self, stream: bool) -> bytes:
        headers = {"authorization": f"Bearer {self.key}"}
        return request_bytes("/v1/chat/completions", body("mock-gpt", QUESTION, stream), headers)

    def run(self, case: str, dur: float, stream: bool) -> dict[str, Any]:
        cpu0 = usage(self.proc.pid)[0]
        tally = asyncio.run(closed_loop(self.port, self.request(stream), int(case[1:]), dur))
        cpu1, rss = usage(self.proc.pid)
        s = tally.summary()
        return {
            "system": self.name,
            "case": case + (" stream" if stream else " json"),
            "answered": s["answered"],
            "errors": s["errors"],
            "ok_rps": round(s["ok_rps"], 1),
            "p50_ms": s["ok_ms"].get("p50"),
            "p99_ms": s["ok_ms"].get("p99"),
            "cpu_ms_per_req": round((cpu1 - cpu0) * 1000 / max(s["answered"], 1), 3),
            "rss_mb": round(rss, 1),
        }


def summarise(rows: list[dict[str, Any]], names: list[str], cases: list[str]) -> str:
    out = [
        "| case | figure | " + " | ".join(names) + " | ratio (new/base) |",
        "|---|---|" + "---|" * (len(names) + 1),
    ]
    for case in cases:
        for fig in ("cpu_ms_per_req", "ok_rps", "p50_ms", "p99_ms"):
            meds = [
                median(r[fig] for r in rows if r["system"] == n and r["case"] == case and r[fig])
                for n in names
            ]
            ratio = meds[1] / meds[0] if meds[0] else float("nan")
            cells = " | ".join(f"{m:.3f}" if fig == "cpu_ms_per_req" else f"{m:.1f}" for m in meds)
            out.append(f"| {case} | {fig} (median) | {cells} | {ratio:.2f} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", default="main", help="git ref of the base build")
    ap.add_argument("--cases", default="c1,c10")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--dur", type=float, default=8.0)
    ap.add_argument("--modes", default="json", help="json, stream or both: json,stream")
    ap.add_argument("--direct", action="store_true", help="also load the upstream itself")
    ap.add_argument("--gateway-cpus", default="1")
    ap.add_argument("--other-cpus", default="0")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    os.sched_setaffinity(0, {int(c) for c in args.other_cpus.split(",")})
    tmp = Path(tempfile.mkdtemp(prefix="stanchion-ab-"))
    modes = [m == "stream" for m in args.modes.split(",")]
    systems: list[System] = []
    rows: list[dict[str, Any]] = []
    try:
        with fast_upstream(tmp / "upstream.log", args.other_cpus) as up_port:
            base_src = export_src(args.base, tmp)
            systems = [
                System(f"base ({args.base})", base_src, tmp / "base", up_port, args.gateway_cpus),
                System("this checkout", ROOT / "src", tmp / "new", up_port, args.gateway_cpus),
            ]
            for s in systems:
                for stream in modes:
                    s.run("c4", 2.0, stream)  # warm-up
            if args.direct:
                for stream in modes:
                    plain = body("mock-gpt", QUESTION, stream)
                    direct = request_bytes("/v1/chat/completions", plain, {})
                    p50 = asyncio.run(closed_loop(up_port, direct, 1, args.dur)).summary()["ok_ms"]
                    print(f"direct c1 stream={stream} p50 ms: {p50.get('p50')}")
            for i in range(args.rounds):
                order = systems if i % 2 == 0 else systems[::-1]
                for case in args.cases.split(","):
                    for stream in modes:
                        for s in order:
                            row = s.run(case, args.dur, stream) | {"round": i}
                            rows.append(row)
                            print(json.dumps(row), file=sys.stderr)
    finally:
        for s in systems:
            s.proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    names = [s.name for s in systems]
    print(f"rounds: {args.rounds} x {args.dur:g} s per case, system and mode")
    print(summarise(rows, names, list(dict.fromkeys(r["case"] for r in rows))))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
