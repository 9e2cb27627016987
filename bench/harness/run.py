"""The driver: start the fast upstream and a gateway, run load cases, print a table and
write JSON.

    python bench/harness/run.py --target 'exec my-gateway --port {port} --upstream {upstream}' \
        --key sk-... [--cases c1,c10,250/s,overload] [--dur 10] [--stream] [--json FILE]
        [--litellm /path/to/venv]

Cases: ``cN`` closed loop with N connections; ``R/s`` open loop at R requests a second;
``half`` open loop at half the last ``c10``'s throughput (``0.66x`` at that share of it);
``overload`` open loop at three times it (share answered, p99 of those answered, the latency
of the 429s). A non-2xx answer is counted by its status and error code ("429 overloaded").
``direct`` runs the same cases against the upstream itself: the floor the gateway's latency adds to.
The gateway's process tree is pinned to CPU ``--gateway-cpus`` (default 1), the load and
upstream to the others, and measured: CPU ms per request and peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.load import Tally, closed_loop, open_loop, request_bytes
from harness.procs import Proc, usage

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: Proc, timeout: float = 180) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.popen.poll() is not None:
            sys.exit(f"{url} exited:\n{proc.tail()}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer in {timeout}s:\n{proc.tail()}")


@contextmanager
def fast_upstream(log: Path, cpus: str | None = None) -> Iterator[int]:
    """The harness's fast upstream on a free port (on ``cpus``), ready; its port. Stopped
    on leaving."""
    port = free_port()
    proc = Proc([sys.executable, str(HERE / "upstream.py"), "--port", str(port)], log, cpus)
    try:
        wait_ready(f"http://127.0.0.1:{port}/health", proc)
        yield port
    finally:
        proc.stop()


def body(model: str, question: str, stream: bool) -> bytes:
    msg: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": question}]}
    if stream:
        msg |= {"stream": True, "stream_options": {"include_usage": True}}
    return json.dumps(msg).encode()


RELATIVE = {"half": 0.5, "overload": 3.0}  # rates relative to the system's own c10


def share(case: str) -> float | None:
    """The share of the c10 throughput a relative case offers: ``half``, ``overload``,
    ``0.66x``; None for an absolute case."""
    if case in RELATIVE:
        return RELATIVE[case]
    return float(case[:-1]) if case.endswith("x") else None


async def run_case(case: str, port: int, request: bytes, dur: float, base: float) -> Tally:
    if case.startswith("c"):
        return await closed_loop(port, request, int(case[1:]), dur)
    part = share(case)
    rate = base * part if part is not None else float(case.removesuffix("/s"))
    return await open_loop(port, request, rate, dur)


def measure(
    name: str, root: int | None, port: int, request: bytes, args: Any, shared: float = 0.0
) -> list[dict[str, Any]]:
    """The cases against one system; ``shared`` (when given) is the c10 the relative rates
    are taken from, so systems side by side in one round get the same offered load."""
    rows, base = [], shared
    asyncio.run(closed_loop(port, request, 4, 2.0))  # warm-up
    for case in args.cases.split(","):
        if root is None and share(case) is not None:
            continue  # the upstream's own capacity is the load generator's, not a figure
        cpu0 = usage(root)[0] if root else 0.0
        tally = asyncio.run(run_case(case, port, request, args.dur, base))
        row = {"system": name, "case": case, **tally.summary()}
        if case == "c10" and not shared:
            base = row["ok_rps"]
        if (part := share(case)) is not None:
            row["rate"] = round(base * part, 1)
        if root:
            cpu, rss = usage(root)
            row["cpu_ms_per_req"] = round((cpu - cpu0) * 1000 / max(row["answered"], 1), 3)
            row["rss_mb"] = round(rss, 1)
        rows.append(row)
        print(f"  {name} {case}: {row['ok_rps']:.0f} ok/s {row['ok_ms']}", file=sys.stderr)
        if row["refusals"] or row["failed"]:
            print(f"    not 2xx: {row['refusals']} failed: {row['failed']}", file=sys.stderr)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    out = [
        "| system | case | ok/s | ok share | p50 ms | p99 ms | 429 p50/p99 ms | CPU ms/req "
        "| RSS MB | round |",
        "|" + "---|" * 10,
    ]
    for r in rows:
        ok, r429 = r["ok_ms"], r.get("ms_429", {})
        refused = f"{r429.get('p50', '-')}/{r429.get('p99', '-')}" if r429 else "-"
        case = r["case"] + (f" ({r['rate']}/s)" if "rate" in r else "")
        out.append(
            f"| {r['system']} | {case} | {r['ok_rps']:.0f} | {r['ok_share']:.1%} | "
            f"{ok.get('p50', '-')} | {ok.get('p99', '-')} | {refused} | "
            f"{r.get('cpu_ms_per_req', '-')} | {r.get('rss_mb', '-')} | {r.get('round', 1)} |"
        )
    return "\n".join(out)


def rounds(args: Any, upstream: str, folder: Path) -> list[dict[str, Any]]:
    """The target and each ``--also`` build, ``--rounds`` times, in alternating order; in a
    round the relative rates (half, overload) come from the first system's c10."""
    systems = [(args.name, args.target)] + [tuple(a.split("=", 1)) for a in args.also]
    rows: list[dict[str, Any]] = []
    for r in range(args.rounds):
        base = 0.0
        for name, target in systems if r % 2 == 0 else systems[::-1]:
            got = run_system(name, target, args.key, upstream, args, folder, base)
            base = base or next((x["ok_rps"] for x in got if x["case"] == "c10"), 0.0)
            rows += [{**x, "round": r + 1} for x in got]
    return rows


def summary(rows: list[dict[str, Any]]) -> str:
    """Medians over the rounds, per system and case."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["system"], r["case"]), []).append(r)

    def med(v: list[float]) -> str:
        v = sorted(x for x in v if x is not None)
        return f"{v[len(v) // 2]:g}" if v else "-"

    out = [
        "| system | case | rounds | ok/s | ok share | ok p50 | ok p99 | 429 p50 | 429 p99 |",
        "|" + "---|" * 9,
    ]
    for (system, case), rs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        share = [round(r["ok_share"] * 100, 1) for r in rs]
        p = {
            k: [r.get(f, {}).get(q) for r in rs]
            for k, f, q in (
                ("o50", "ok_ms", "p50"), ("o99", "ok_ms", "p99"),
                ("r50", "ms_429", "p50"), ("r99", "ms_429", "p99"),
            )
        }  # fmt: skip
        out.append(
            f"| {system} | {case} | {len(rs)} | {med([round(r['ok_rps']) for r in rs])} | "
            f"{med(share)}% | {med(p['o50'])} | {med(p['o99'])} | {med(p['r50'])} | "
            f"{med(p['r99'])} |"
        )
    return "median over rounds\n" + "\n".join(out)


def litellm_target(venv: Path, upstream: str, folder: Path) -> str:
    config = folder / "litellm.yaml"
    config.write_text(
        "model_list:\n  - model_name: mock-gpt\n    litellm_params:\n"
        f"      model: openai/mock-gpt\n      api_base: {upstream}\n      api_key: sk-mock\n"
        "general_settings:\n  master_key: sk-bench\n"
    )
    return f"exec {venv}/bin/litellm --config {config} --host 127.0.0.1 --port {{port}}"


def run_system(
    name: str, target: str, key: str, upstream: str, args: Any, folder: Path, base: float = 0.0
) -> list[dict[str, Any]]:
    port = free_port()
    proc = Proc(
        ["sh", "-c", target.format(port=port, upstream=upstream)],
        folder / f"{name}.log",
        cpus=args.gateway_cpus,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}{args.ready_path}", proc)
        headers = {"authorization": f"Bearer {key}"}
        request = request_bytes(
            "/v1/chat/completions", body(args.model, args.question, args.stream), headers
        )
        return measure(name, proc.pid, port, request, args, base)
    finally:
        proc.stop()


def main(argv: list[str] | None = None, upstream_port: int | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--target", required=True, help="shell command; {port} and {upstream} filled in"
    )
    ap.add_argument("--key", default=os.environ.get("BENCH_KEY", "sk-test"))
    ap.add_argument("--name", default="target")
    ap.add_argument("--model", default="mock-gpt")
    ap.add_argument(
        "--question", default="How long do card refunds take after you receive my return?"
    )
    ap.add_argument("--cases", default="c1,c10,half,overload")
    ap.add_argument("--dur", type=float, default=10.0)
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--direct", action="store_true", help="also load the upstream itself")
    ap.add_argument("--litellm", type=Path, help="a venv with litellm[proxy]: run it side by side")
    ap.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="NAME=TARGET",
        help="another build of the target (same key), run side by side in each round",
    )
    ap.add_argument(
        "--rounds", type=int, default=1, help="rounds of every system, alternating their order"
    )
    ap.add_argument("--gateway-cpus", default="1")
    ap.add_argument("--other-cpus", default="0")
    ap.add_argument("--ready-path", default="/healthz")
    ap.add_argument("--delay-ms", type=float, default=0.0, help="the upstream's answer time")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.other_cpus:
        os.sched_setaffinity(0, {int(c) for c in args.other_cpus.split(",")})
    folder = Path(tempfile.mkdtemp(prefix="stanchion-load-"))
    up_port = upstream_port or free_port()
    up = Proc(
        [
            sys.executable,
            str(HERE / "upstream.py"),
            "--port",
            str(up_port),
            "--delay-ms",
            str(args.delay_ms),
        ],
        folder / "upstream.log",
        cpus=args.other_cpus,
    )
    upstream = f"http://127.0.0.1:{up_port}/v1"
    rows: list[dict[str, Any]] = []
    done = False
    try:
        wait_ready(f"http://127.0.0.1:{up_port}/health", up)
        if args.direct:
            request = request_bytes(
                "/v1/chat/completions", body(args.model, args.question, args.stream), {}
            )
            rows += measure("direct", None, up_port, request, args)
        rows += rounds(args, upstream, folder)
        if args.litellm:
            lite = litellm_target(args.litellm, upstream, folder)
            args.ready_path = "/health/liveliness"
            rows += run_system("litellm", lite, "sk-bench", upstream, args, folder)
        done = True
    finally:
        up.stop()
        if done:  # the state folders and logs of a run that finished are not needed again
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"logs and state kept in {folder}", file=sys.stderr)
    print(table(rows))
    if args.rounds > 1:
        print(summary(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
