"""Gateway overhead and throughput through the project's own harness (bench/harness/), with
LiteLLM's proxy side by side when a venv with it is given.

    python bench/gateway.py [--cases c1,c10,half,overload] [--dur 10] [--stream] [--direct]
        [--workers 2] [--limits 'max_queue: 64'] [--litellm VENV] [--json FILE]
        [--versus /work/main/.venv --rounds 3]   # another build side by side, alternating
    python bench/gateway.py --compare [compare.py options]   # ../shared/bench, the reference

Builds a throw-away app whose one route, ``mock-gpt``, points at a mock upstream on
127.0.0.1:18080 (the harness's; compare.py's with ``--compare``), with the full default
pipeline of the day (keys, admission, input and output guards, retrieval over the
example's approved documents, prompt rendering, the grounding check of the answer,
encrypted traces in SQLite). With documents, every request
asks a question the documents answer (the harness's default "Say hello" would be refused by
the no-evidence policy without reaching the model); ``--no-docs`` keeps the harness's prompt
and serves without retrieval. Then it loads ``stanchion serve`` (one worker unless
``--workers``) through ``bench/harness/run.py``; any option it does not know goes there (or
to compare.py with ``--compare``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from harness.run import main as harness_main  # noqa: E402

SHARED = Path(os.environ.get("STANCHION_SHARED", ROOT.parent / "shared"))
EXAMPLE = ROOT / "examples" / "support-assistant"

SPEC = """\
app: bench
goal: {{statement: measure the gateway}}
owners: {{business: bench@example.com}}
human_cost: {{per_task: 4.5, minutes: 6}}
models:
  default: mock-gpt
  routes:
    - name: mock-gpt
      provider: {kind}
      model: mock-gpt
      base_url: {url}
      price: {{input: 0.15, output: 0.6}}
      timeout: 30
      retries: 0
prompts:
  system:
    file: prompts/system.md
    variables: {{company: Lumen Home, tone: brief}}
{docs}limits: {{max_body_bytes: 1000000{limits}}}
{extra}"""


QUESTION = "How long do card refunds take after you receive my return?"
KNOWLEDGE = """\
knowledge:
  sources: [{files: ["docs/*.md"]}]
"""


def stanchion_bin() -> str:
    here = Path(sys.executable).parent / "stanchion"
    return str(here) if here.exists() else "stanchion"


def make_app(
    folder: Path, kind: str, docs: bool, mock_port: int, limits: str = "", extra: str = ""
) -> str:
    """Write the bench app, its key file and database; return an API key."""
    shutil.copytree(EXAMPLE / "prompts", folder / "prompts")
    if docs:
        shutil.copytree(EXAMPLE / "docs", folder / "docs")
    url = f"http://127.0.0.1:{mock_port}" + ("/v1" if kind == "openai" else "")
    (folder / "stanchion.yaml").write_text(
        SPEC.format(
            kind=kind,
            url=url,
            docs=KNOWLEDGE if docs else "",
            limits=f", {limits}" if limits else "",
            extra=extra + "\n" if extra else "",
        )
    )
    exe = stanchion_bin()
    subprocess.run(
        [exe, "quickstart", "--app", str(folder), "--no-serve"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    warm_prefilter(folder)
    out = subprocess.run(
        [
            exe,
            "keys",
            "create",
            "--app",
            str(folder),
            "--user",
            "bench",
            "--role",
            "user",
            "--quiet",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


WARM = """
import sys
from pathlib import Path
from stanchion.guards.engine import build_guard_engine
from stanchion.guards.prefilter import wait_shared
from stanchion.runtime import load_spec
folder = Path(sys.argv[1])
build_guard_engine(load_spec(folder / "stanchion.yaml").guards, folder)
wait_shared()
"""


def warm_prefilter(folder: Path) -> None:
    """Build the injection prefilter's database into the app's state folder, as a deployed
    app's first minutes of traffic do once (``guards/prefilter_cache.py``): the measured
    cases then see the steady state, not a ~1.8 s compile on the gateway's one core."""
    subprocess.run([sys.executable, "-c", WARM, str(folder)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--upstream-kind", default="openai", choices=["openai", "anthropic"])
    ap.add_argument("--no-docs", action="store_true", help="serve without the retrieve stage")
    ap.add_argument("--mock-port", type=int, default=18080)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--limits", default="", help="extra spec limits: 'max_queue: 64, ...'")
    ap.add_argument(
        "--spec", default="", help="a top-level spec line: 'retention: {subject_keys: true}'"
    )
    ap.add_argument(
        "--compare", action="store_true", help="run ../shared/bench/compare.py (the reference)"
    )
    ap.add_argument(
        "--versus", type=Path, help="a venv with another build (main's): served side by side"
    )
    ap.add_argument("--versus-name", default="main")
    args, rest = ap.parse_known_args()
    folder = Path(tempfile.mkdtemp(prefix="stanchion-bench-"))
    try:
        key = make_app(
            folder, args.upstream_kind, not args.no_docs, args.mock_port, args.limits, args.spec
        )
        serve = f"exec {stanchion_bin()} serve --app {folder} --host 127.0.0.1 --port {{port}}"
        serve += f" --workers {args.workers}"
        if args.compare:
            sys.exit(_compare(folder, key, serve, args, rest))
        question = [] if args.no_docs else ["--question", QUESTION]
        # The harness's upstream answers on any port: the spec names it, so it is fixed here.
        target = f"{serve} # {{upstream}}"
        if args.versus:
            other = target.replace(stanchion_bin(), str(args.versus / "bin" / "stanchion"), 1)
            rest = ["--also", f"{args.versus_name}={other}", *rest]
        harness_main(
            ["--target", target, "--key", key, "--name", "stanchion", *question, *rest],
            upstream_port=args.mock_port,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _compare(folder: Path, key: str, target: str, args: argparse.Namespace, rest: list[str]) -> int:
    compare = SHARED / "bench" / "compare.py"
    if not compare.exists():
        sys.exit(f"no harness at {compare}: set STANCHION_SHARED to the shared folder")
    if not args.no_docs and "--prompt-file" not in rest:
        # The harness's default prompt ("Say hello...") has no answer in the documents,
        # so the app would refuse it without calling the model; ask what it can answer.
        question = folder / "question.txt"
        question.write_text(QUESTION)
        rest = ["--prompt-file", str(question), *rest]
    cmd = [sys.executable, str(compare), "--target", target, "--target-key", key]
    cmd += ["--target-name", "stanchion", "--target-model", "mock-gpt"]
    cmd += ["--upstream-kind", args.upstream_kind, "--mock-port", str(args.mock_port), *rest]
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    main()
