"""The container image, run as a cluster would run it: size, start-up time and a first chat.

    bash deploy/image/build.sh                    # builds stanchion:0.1.0
    python bench/image.py [--image stanchion:0.1.0] [--starts 3] [--json FILE]

With podman, each container runs as uid 10001 with ``--read-only`` (only the state folder
and a tmpfs /tmp writable), its port 8000 published on a free local port. The app is
deploy/compose's (the example's prompt and documents, the offline ``local`` responder) on
SQLite in the state folder: the one-shot commands (``db upgrade``, ``ingest --approve``,
``keys create``) run first, each timed from ``podman run`` to its exit; then the image's own
command (``serve``) is started ``--starts`` times and timed to its first 200 on /healthz and
on /readyz, a chat request goes through the ``local`` responder, and the image's
HEALTHCHECK runs (``podman healthcheck run``). Also checked: no pip, no compiler, the root
filesystem refuses writes, the user is 10001. Prints a table; never asserts times. Where
containers cannot run (cgroups, rlimits), the podman error is printed as it came.

``--podman`` adds options to every ``podman run`` (default: ``--runtime runc`` and rlimits
within the host's, which this sandbox's crun and its cgroup v1/v2 hybrid need).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "support-assistant"
PODMAN = "--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
QUESTION = "How long do card refunds take after you receive my return?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_app(folder: Path) -> tuple[Path, Path]:
    app, state = folder / "app", folder / "state"
    app.mkdir()
    shutil.copy(ROOT / "deploy" / "compose" / "app" / "stanchion.yaml", app / "stanchion.yaml")
    shutil.copytree(EXAMPLE / "prompts", app / "prompts")
    shutil.copytree(EXAMPLE / "docs", app / "docs")
    state.mkdir()
    os.chown(state, 10001, 10001)
    return app, state


class Box:
    """``podman run`` with the image's runtime options, the app and state mounted."""

    def __init__(self, image: str, app: Path, state: Path, extra: str) -> None:
        self.image = image
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.env = {
            "STANCHION_ENCRYPTION_KEY": key,
            "STANCHION_DATABASE_URL": "sqlite:////var/lib/stanchion/stanchion.db",
        }
        self.base = ["podman", "run", *shlex.split(extra), "--read-only"]
        self.base += ["-v", f"{app}:/srv/app:ro", "-v", f"{state}:/var/lib/stanchion"]
        for k, v in self.env.items():
            self.base += ["-e", f"{k}={v}"]

    def once(self, *args: str, entrypoint: str | None = None) -> tuple[float, str]:
        """Run a command to its end: (seconds, output); raises with podman's error."""
        cmd = [*self.base, "--rm"] + (["--entrypoint", entrypoint] if entrypoint else [])
        t0 = time.perf_counter()
        done = subprocess.run([*cmd, self.image, *args], capture_output=True, text=True)
        took = time.perf_counter() - t0
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)}: exit {done.returncode}\n{done.stderr.strip()}")
        return took, done.stdout.strip()

    def serve(self, port: int) -> list[str]:
        """The image's own command (serve on :8000), published on ``port``."""
        return [*self.base, "-d", "-p", f"127.0.0.1:{port}:8000", self.image]


def wait(url: str, t0: float, limit: float = 90) -> float:
    while time.perf_counter() - t0 < limit:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.02)
    raise RuntimeError(f"{url} not ready in {limit}s")


def chat(port: int, key: str) -> tuple[float, int, str]:
    body = {"model": "local", "messages": [{"role": "user", "content": QUESTION}]}
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as r:
        answer = json.loads(r.read())
        return time.perf_counter() - t0, r.status, answer["choices"][0]["message"]["content"]


def start_container(box: Box, key: str) -> dict[str, Any]:
    port = free_port()
    t0 = time.perf_counter()
    cid = subprocess.run(box.serve(port), capture_output=True, text=True, check=True).stdout
    cid = cid.strip()
    try:
        row = {"healthz_s": wait(f"http://127.0.0.1:{port}/healthz", t0)}
        row["readyz_s"] = wait(f"http://127.0.0.1:{port}/readyz", t0)
        row["chat_s"], row["chat_status"], row["answer"] = chat(port, key)
        check = subprocess.run(["podman", "healthcheck", "run", cid], capture_output=True)
        row["healthcheck"] = "healthy" if check.returncode == 0 else check.stdout.decode().strip()
        t1 = time.perf_counter()
        subprocess.run(["podman", "stop", "-t", "30", cid], capture_output=True, check=True)
        row["stop_s"] = time.perf_counter() - t1
        return row
    finally:
        subprocess.run(["podman", "rm", "-f", cid], capture_output=True)


def hardening(box: Box) -> dict[str, str]:
    probe = (
        "import os, importlib.util as u, shutil;"
        "w = 'refused'\ntry: open('/usr/x', 'w')\nexcept OSError: pass\nelse: w = 'ALLOWED'\n"
        "print(os.getuid(), u.find_spec('pip') is None and u.find_spec('ensurepip') is None,"
        " [t for t in ('gcc', 'cc', 'make', 'pip', 'pip3') if shutil.which(t)], w)"
    )
    _, out = box.once("-c", probe, entrypoint="python")
    uid, no_pip, tools, write = out.split(" ", 3)
    return {"uid": uid, "no pip": no_pip, "build tools": tools, "write to /usr": write}


def size(image: str) -> int:
    out = subprocess.run(
        ["podman", "image", "inspect", image, "--format", "{{.Size}}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    app, state = make_app(folder)
    box = Box(args.image, app, state, args.podman)
    result: dict[str, Any] = {"image": args.image, "size_mb": round(size(args.image) / 1e6, 1)}
    result["db_upgrade_s"], _ = box.once("db", "upgrade", "--app", "/srv/app")
    result["ingest_s"], _ = box.once("ingest", "--app", "/srv/app", "--approve")
    took, key = box.once(
        "keys", "create", "--app", "/srv/app", "--user", "bench", "--role", "user", "--quiet"
    )
    result["keys_create_s"], key = took, key.splitlines()[-1]
    result["hardening"] = hardening(box)
    result["starts"] = [start_container(box, key) for _ in range(args.starts)]
    return result


def table(r: dict[str, Any]) -> str:
    starts = r["starts"]

    def med(field: str) -> str:
        return f"{median(s[field] for s in starts):.2f}"

    rows = [
        ("image size", f"{r['size_mb']} MB"),
        ("db upgrade / ingest / keys create (podman run to exit)",
         f"{r['db_upgrade_s']:.2f} / {r['ingest_s']:.2f} / {r['keys_create_s']:.2f} s"),
        (f"serve: podman run to /healthz 200 (median of {len(starts)})", f"{med('healthz_s')} s"),
        ("serve: podman run to /readyz 200", f"{med('readyz_s')} s"),
        ("first chat through `local`", f"{med('chat_s')} s, status {starts[0]['chat_status']}"),
        ("HEALTHCHECK", starts[0]["healthcheck"]),
        ("podman stop (drain, traces flushed)", f"{med('stop_s')} s"),
        *((k, v) for k, v in r["hardening"].items()),
    ]  # fmt: skip
    return "\n".join(["| measure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--image", default="stanchion:0.1.0")
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--podman", default=PODMAN, help="options for every podman run")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="stanchion-image-"))
    try:
        result = run(args, folder)
    except RuntimeError as exc:
        sys.exit(f"the image did not run here:\n{exc}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(table(result))
    print(f"answer: {result['starts'][0]['answer'][:160]!r}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
