"""Hot-path cost of metrics and spans: the same bench app, served three ways, alternated.

    python bench/telemetry.py [--reps 3] [--base REF] [--concs 1,10] [--dur 8] [--rate 0]

- ``base``: the code at ``--base`` (default: this branch's fork point from main: hand-written
  in-process metrics, no spans), run from an unpacked copy of its ``src``;
- ``metrics``: this checkout, prometheus_client metrics, no OTLP endpoint (no spans);
- ``spans``: this checkout with ``STANCHION_OTLP_ENDPOINT`` set to a local OTLP/HTTP sink
  started here (it answers 200 and counts the bytes), so every request's span tree is
  built, encoded and exported.

Each repetition runs the three in a rotated order through ``../shared/bench/compare.py``
(pinned, one worker, wrk); the figure to trust on a loaded machine is the gateway's CPU ms
per request. The last lines print the median of each across repetitions.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway import QUESTION, ROOT, SHARED, make_app


class Sink:
    """An OTLP/HTTP endpoint that accepts everything and counts what it got."""

    def __init__(self) -> None:
        self.bytes = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                sink.bytes += len(self.rfile.read(int(self.headers["content-length"])))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def git(*argv: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *argv], check=True, capture_output=True, text=True
    ).stdout.strip()


def base_tree(ref: str, into: Path) -> Path:
    """The package source at ``ref``, unpacked (no worktree, no checkout)."""
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run(config: str, cmd: str, key: str, question: Path, out: Path, rest: list[str]) -> None:
    argv = [
        sys.executable,
        str(SHARED / "bench" / "compare.py"),
        "--target",
        cmd,
        "--target-key",
        key,
        "--target-name",
        config,
        "--target-model",
        "mock-gpt",
        "--prompt-file",
        str(question),
        "--json",
        str(out),
        *rest,
    ]
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def figures(out: Path) -> dict[str, tuple[float, float]]:
    """case -> (req/s, CPU ms per request) of the target."""
    data = json.loads(out.read_text())
    got: dict[str, tuple[float, float]] = {}
    for case in data["cases"]:
        row = case["results"].get("target")
        if row and row.get("cpu_ms_per_req") is not None:
            got[case["case"]] = (row["rps"], row["cpu_ms_per_req"])
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--base", help="a git ref (default: where this branch left main)")
    args, rest = ap.parse_known_args()
    work = Path(tempfile.mkdtemp(prefix="stanchion-telemetry-bench-"))
    try:
        measure(args.reps, args.base, rest, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(reps: int, ref: str | None, rest: list[str], work: Path) -> None:
    folder = work / "app"
    folder.mkdir()
    key = make_app(folder, "openai", True, 18080)
    question = work / "question.txt"
    question.write_text(QUESTION)
    base = ref or git("merge-base", "HEAD", "main")
    base_src = base_tree(base, work / "base")
    sink = Sink()
    serve = f"serve --app {folder} --host 127.0.0.1 --port {{port}}"
    py = sys.executable
    configs = {
        "base": f"PYTHONPATH={base_src} exec {py} -m stanchion.cli {serve}",
        "metrics": f"exec {py} -m stanchion.cli {serve}",
        "spans": f"STANCHION_OTLP_ENDPOINT={sink.url} exec {py} -m stanchion.cli {serve}",
    }
    names = list(configs)
    table: dict[str, dict[str, list[tuple[float, float]]]] = {n: {} for n in names}
    for rep in range(reps):
        order = names[rep % 3 :] + names[: rep % 3]
        for name in order:
            out = work / f"{name}-{rep}.json"
            run(name, configs[name], key, question, out, rest)
            for case, fig in figures(out).items():
                table[name].setdefault(case, []).append(fig)
                print(
                    f"rep {rep} {name:>8} {case:>10}: {fig[0]:8.1f} req/s {fig[1]:6.2f} CPU ms/req"
                )
    print(f"\nmedians over {reps} alternating runs (OTLP sink got {sink.bytes:,} bytes)")
    for name in names:
        for case, figs in sorted(table[name].items()):
            rps = statistics.median(f[0] for f in figs)
            cpu = statistics.median(f[1] for f in figs)
            print(f"{name:>8} {case:>10}: {rps:8.1f} req/s {cpu:6.2f} CPU ms/req")


if __name__ == "__main__":
    main()
