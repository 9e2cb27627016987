"""What the cost optimisations save on a replay of the example app's questions, and whether
accuracy holds: the same traffic through ``stanchion serve`` with each one off and on.

    python bench/cost_replay.py [--requests 600] [--users 20] [--zipf 1.1] [--variants 0.3]

Traffic: the 48 questions of examples/support-assistant/evals/questions.jsonl, drawn with a
Zipf law (exponent ``--zipf``, rank order shuffled with a fixed seed), from ``--users`` users
drawn uniformly; a share ``--variants`` of requests is a surface variant of its question
(lower case, "please" in front, "??" after, or "Hi, " in front). The route is the offline
``local`` responder priced like gpt-4o-mini (0.15 / 0.60 per 1M tokens), so tokens and money
are the pipeline's own counts. Accuracy is scored as ``stanchion eval`` does (the facts an
answer must hold; unanswerable questions must be declined). Prints one table; ``--json``
writes it. ``--report`` also prints ``stanchion report cost`` for the last configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from stanchion.cli.common import load_app
from stanchion.evals.datasets import parse_example
from stanchion.evals.scoring import score
from stanchion.store.keys import create_key
from stanchion.store.opening import open_store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "support-assistant"
PRICE = {"input": 0.15, "output": 0.6}
CONFIGS: dict[str, dict[str, Any]] = {
    "none": {},
    "exact (app)": {"cache": {"exact": True, "scope": "app"}},
    "exact+near (user)": {"cache": {"exact": True, "near": True, "scope": "user"}},
    "exact+near (app)": {"cache": {"exact": True, "near": True, "scope": "app"}},
    "trim 300": {"limits": {"context_tokens": 300}},
    "trim 120": {"limits": {"context_tokens": 120}},
}
VARIANTS = [
    str.lower,
    lambda q: "please " + q,
    lambda q: q.rstrip("?") + "??",
    lambda q: "Hi, " + q,
]


def traffic(n: int, users: int, s: float, share: float) -> list[tuple[int, str, str]]:
    """(question index, user, text) for each request."""
    rng = random.Random(7)
    examples = questions()
    order = list(range(len(examples)))
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** s for rank in range(len(order))]
    out = []
    for _ in range(n):
        i = rng.choices(order, weights)[0]
        text = examples[i][1]
        if rng.random() < share:
            text = rng.choice(VARIANTS)(text)
        out.append((i, f"user{rng.randrange(users)}", text))
    names = sorted({u for _, u, _ in out}, key=lambda u: int(u[4:]))
    rename = {u: f"user{n}" for n, u in enumerate(names)}
    return [(i, rename[u], t) for i, u, t in out]


def questions() -> list[tuple[Any, str]]:
    rows = (EXAMPLE / "evals" / "questions.jsonl").read_text().splitlines()
    out = []
    for n, line in enumerate(rows):
        data = json.loads(line)
        data.setdefault("messages", [{"role": "user", "content": data.pop("question")}])
        ex = parse_example(data, f"questions.jsonl:{n + 1}")
        out.append((ex, ex.messages[-1]["content"]))
    return out


def make_app(folder: Path, extra: dict[str, Any], users: int) -> dict[str, str]:
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".stanchion", "evals"))
    spec = yaml.safe_load((folder / "stanchion.yaml").read_text())
    spec["models"]["routes"][0]["price"] = PRICE
    for section, values in extra.items():
        spec[section] = {**spec.get(section, {}), **values}
    spec.setdefault("roles", {}).setdefault("extra", {})["replay"] = ["chat"]
    (folder / "stanchion.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    exe = str(Path(sys.executable).parent / "stanchion")
    subprocess.run([exe, "quickstart", "--app", str(folder), "--no-serve"], check=True,
                   capture_output=True)  # fmt: skip
    spec_, folder_, settings = load_app(folder)
    store = open_store(spec_, folder_, settings)
    keys = {}
    with store.engine.begin() as conn:
        for n in range(users):
            keys[f"user{n}"] = create_key(
                conn, user=f"user{n}", role="user", actor="bench", app=spec_.app
            )[0]
    store.dispose()
    return keys


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def replay(
    name: str, extra: dict[str, Any], plan: list[tuple[int, str, str]], report: bool
) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="stanchion-replay-")) / "app"
    keys = make_app(folder, extra, len({u for _, u, _ in plan}))
    port = free_port()
    exe = str(Path(sys.executable).parent / "stanchion")
    server = subprocess.Popen(
        [exe, "serve", "--app", str(folder), "--port", str(port)], start_new_session=True
    )
    examples = questions()
    prompt = completion = correct = answered = 0
    answers: list[str] = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/healthz")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as client:
            t0 = time.perf_counter()
            for i, user, text in plan:
                body = {"model": "local", "messages": [{"role": "user", "content": text}]}
                r = client.post("/v1/chat/completions", json=body,
                                headers={"authorization": f"Bearer {keys[user]}"})  # fmt: skip
                data = r.json()
                usage = data.get("usage") or {}
                prompt += usage.get("prompt_tokens", 0)
                completion += usage.get("completion_tokens", 0)
                answer = data["choices"][0]["message"]["content"] or ""
                decision = (data.get("stanchion") or {}).get("decision", "pass")
                correct += not score(examples[i][0], answer, decision)
                answered += 1
                answers.append(answer)
            took = time.perf_counter() - t0
        if report:
            time.sleep(1.0)
            out = subprocess.run([exe, "report", "cost", "--app", str(folder), "--period", "1h"],
                                 capture_output=True, text=True)  # fmt: skip
            print(out.stdout, file=sys.stderr)
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)
        shutil.rmtree(folder.parent, ignore_errors=True)
    return {"config": name, "requests": answered, "tokens": prompt + completion, "answers": answers,
            "money": (prompt * PRICE["input"] + completion * PRICE["output"]) / 1e6,
            "accuracy": correct / max(answered, 1), "seconds": round(took, 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--zipf", type=float, default=1.1)
    ap.add_argument("--variants", type=float, default=0.3)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    plan = traffic(args.requests, min(args.users, 64), args.zipf, args.variants)
    distinct = len({t for _, _, t in plan})
    print(f"{len(plan)} requests, {distinct} distinct texts, {len({i for i, _, _ in plan})} "
          f"distinct questions, {args.users} users, zipf {args.zipf}, variants {args.variants:.0%}",
          file=sys.stderr)  # fmt: skip
    names = args.configs.split(",")
    rows = [replay(n, CONFIGS[n], plan, args.report and n == names[-1]) for n in names]
    base = rows[0]
    print("| configuration | tokens | money (USD) | saved | accuracy | answers changed | s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        money = r["money"]
        changed = sum(a != b for a, b in zip(r["answers"], base["answers"], strict=True))
        saved = 1 - r["money"] / base["money"] if base["money"] else 0.0
        print(f"| {r['config']} | {r['tokens']:,} | {money:.5f} | {saved:.1%} | "
              f"{r['accuracy']:.1%} | {changed} | {r['seconds']} |")  # fmt: skip
    if args.json:
        args.json.write_text(
            json.dumps([{k: v for k, v in r.items() if k != "answers"} for r in rows], indent=1)
        )


if __name__ == "__main__":
    main()
