"""The app under test for bench/answers.py: copied, set up with the public CLI, served in
process; one example asked, scored and its trace's annotations read."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from stanchion.evals.datasets import Example, parse_example
from stanchion.evals.scoring import score
from stanchion.server.app import create_app
from stanchion.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "support-assistant"


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def stanchion_bin() -> str:
    here = Path(sys.executable).parent / "stanchion"
    return str(here) if here.exists() else "stanchion"


def spec_values(spec: dict[str, Any], path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every setting whose path mentions answerability."""
    for key, value in spec.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict):
            yield from spec_values(value, where)
        elif "answerab" in where:
            yield where, value


def write_spec(folder: Path, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    spec_file = folder / "stanchion.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec.setdefault("limits", {})["requests_per_minute"] = 1_000_000
    edit(spec)
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
    return spec


# Ways to say "never refuse on answerability", newest spec schema first: the first one the
# app's `stanchion spec check` accepts is used.
GATE_OPEN = (
    {"answerability": {"threshold": 0.0, "borderline": 0.0}},
    {"retrieval": {"min_answerability": 0.0}},
)


def open_gate(folder: Path) -> dict[str, Any] | None:
    """Open the answerability gate in the app's spec; returns the settings used."""
    original = (folder / "stanchion.yaml").read_text()
    for patch in GATE_OPEN:

        def edit(spec: dict[str, Any], patch: dict[str, Any] = patch) -> None:
            knowledge = spec.setdefault("knowledge", {})
            for section, values in patch.items():
                knowledge[section] = {**(knowledge.get(section) or {}), **values}

        write_spec(folder, edit)
        check = [stanchion_bin(), "spec", "check", "--app", str(folder)]
        if subprocess.run(check, capture_output=True).returncode == 0:
            return patch
        (folder / "stanchion.yaml").write_text(original)
    return None


def setup_app(folder: Path) -> str:
    """Migrate, ingest and approve with the public CLI; return a user key."""
    exe = stanchion_bin()
    quick = [exe, "quickstart", "--app", str(folder), "--no-serve"]
    subprocess.run(quick, check=True, stdout=subprocess.DEVNULL)
    key = [exe, "keys", "create", "--app", str(folder), "--user", "bench", "--role", "user"]
    out = subprocess.run([*key, "--quiet"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def copy_example(folder: Path, source: Path = EXAMPLE) -> None:
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns(".stanchion", "evals"))


@dataclass
class Served:
    client: httpx.AsyncClient
    key: str
    model: str


@asynccontextmanager
async def serve(folder: Path) -> Any:
    """The app set up (``setup_app``) and served in process, with a user key."""
    key = setup_app(folder)
    spec = yaml.safe_load((folder / "stanchion.yaml").read_text())
    app = create_app(folder / "stanchion.yaml", Settings.from_env({}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield Served(client, key, spec["app"])


@dataclass
class Outcome:
    id: str
    set: str
    split: str
    category: str
    answerable: bool
    passed: bool
    reasons: list[str]
    decision: str
    answer: str
    cited: list[str]
    trace_id: str | None
    ms: float
    annotations: dict[str, Any] = field(default_factory=dict)
    cause: str = ""
    # the passages handed to the responder: [doc_id, start, end] (the citations' spans)
    spans: list[list[Any]] = field(default_factory=list)

    def evidence(self, name: str) -> float | None:
        """A number of the trace's answerability evidence: ``score``, ``threshold``."""
        found = self.annotations.get("answerability")
        value = found.get(name) if isinstance(found, dict) else None
        return float(value) if isinstance(value, int | float) else None

    @property
    def answerability(self) -> float | None:
        return self.evidence("score")


async def ask(served: Served, messages: list[dict[str, Any]]) -> tuple[dict[str, Any], float]:
    t0 = time.perf_counter()
    r = await served.client.post(
        "/v1/chat/completions",
        json={"model": served.model, "messages": messages},
        headers={"Authorization": f"Bearer {served.key}"},
    )
    ms = (time.perf_counter() - t0) * 1000
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    if r.status_code != 200:
        err = (body.get("error") or {}).get("message", r.text[:200])
        return {"decision": "error", "answer": f"{r.status_code}: {err}", "cited": []}, ms
    ext = body.get("stanchion") or {}
    found = ext.get("citations", [])
    return {
        "decision": ext.get("decision", "pass"),
        "answer": body["choices"][0]["message"]["content"] or "",
        "cited": [c.get("doc_id", "") for c in found],
        "spans": [[c.get("doc_id", ""), c.get("start", 0), c.get("end", 0)] for c in found],
        "trace_id": ext.get("trace_id"),
    }, ms


async def annotations(served: Served, trace_id: str | None) -> dict[str, Any]:
    """The trace's annotations; traces are written in batches, so wait for it a little."""
    if not trace_id:
        return {}
    for attempt in range(40):
        r = await served.client.get(
            f"/v1/traces/{trace_id}", headers={"Authorization": f"Bearer {served.key}"}
        )
        if r.status_code == 200:
            found = r.json().get("annotations")
            return found if isinstance(found, dict) else {}
        if r.status_code != 404:
            return {"trace_error": r.status_code}
        await asyncio.sleep(0.05 * (attempt + 1))
    return {}


async def run_one(served: Served, row: dict[str, Any], set_name: str, split: str) -> Outcome:
    example: Example = parse_example(row, row.get("id", "?"))
    got, ms = await ask(served, example.messages)
    answer = "" if got["decision"] == "hold" else got["answer"]
    reasons = score(example, answer, got["decision"])
    return Outcome(
        example.id,
        set_name,
        split,
        row.get("category") or (example.tags[0] if example.tags else "plain"),
        example.answerable,
        not reasons,
        reasons,
        got["decision"],
        got["answer"],
        got["cited"],
        got.get("trace_id"),
        round(ms, 2),
        spans=got.get("spans", []),
    )


async def run_rows(
    served: Served, jobs: list[tuple[dict[str, Any], str, str]], concurrency: int
) -> list[Outcome]:
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(row: dict[str, Any], set_name: str, split: str) -> Outcome:
        nonlocal done
        async with gate:
            out = await run_one(served, row, set_name, split)
        done += 1
        if done % 25 == 0 or done == len(jobs):
            say(f"  {done}/{len(jobs)} asked")
        return out

    outcomes = list(await asyncio.gather(*(one(*job) for job in jobs)))
    for out in outcomes:
        out.annotations = await annotations(served, out.trace_id)
    return outcomes


@contextmanager
def temp_folder() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="stanchion-answers-"))
    try:
        yield tmp / "app"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def source_texts(folder: Path) -> dict[str, str]:
    """What a citation's ``doc_id`` points at, to tell a retrieval miss from a wrong
    sentence: documents by their path in the app, catalog rows by ``catalog:<key>``."""
    texts = {
        str(p.relative_to(folder)): p.read_text(errors="replace")
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".md", ".txt") and ".stanchion" not in p.parts
    }
    for sql in folder.glob("*.sql"):
        for line in sql.read_text().splitlines():
            for key in re.findall(r"\('[^']*', '([^']*)'", line):
                texts[f"catalog:{key}"] = line
    return texts
