"""Per-request cost of the local responder and the catalog check, before and after issue 15,
side by side in one run on the example app's questions.

    python bench/responder.py [--rounds 200] [--before c648a4c]

"before" is the code at a git revision (the old single-module responder and catalog check,
loaded from ``git show``); "after" is the working tree. Both answer the same questions from
the same retrieved passages (warm caches: passages are analysed once per text in both) and
check the same answers against the example catalog. Figures: microseconds per call.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from stanchion.knowledge.build import build_knowledge
from stanchion.knowledge.catalog import load_catalog
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "examples" / "support-assistant"


def old_module(name: str, path: str, rev: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, path, "exec"), module.__dict__)  # our own file, at a revision
    return module


def per_call(fn: Callable[[Any], Any], items: list[Any], rounds: int) -> tuple[float, float]:
    """(mean, p95) microseconds per call over ``rounds`` passes of ``items``."""
    times = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter_ns()
            fn(item)
            times.append((time.perf_counter_ns() - started) / 1000)
    times.sort()
    return statistics.mean(times), times[int(0.95 * (len(times) - 1))]


async def retrieved(tmp: Path) -> tuple[list[tuple[str, list[str], list[str]]], Any]:
    spec_yaml = yaml.safe_load((APP / "stanchion.yaml").read_text())["knowledge"]
    spec_yaml["catalog"]["url"] = f"sqlite:///{tmp / 'catalog.db'}"
    spec = KnowledgeSpec.model_validate(spec_yaml)
    store = Store(f"sqlite:///{tmp / 'kn.db'}")
    store.upgrade()
    cipher = Cipher(bytes(32))
    ingest(spec, APP, store, cipher, "support-assistant", approve_as="bench")
    knowledge = build_knowledge(spec, APP, store, cipher, app="support-assistant")
    await knowledge.start()
    rows = [json.loads(line) for line in (APP / "evals" / "questions.jsonl").open()]
    out = []
    for row in rows:
        hits = await knowledge.retriever.search(row["question"], spec.retrieval.k)
        hits += knowledge.validator.catalog.passages_for(row["question"])  # type: ignore[union-attr]
        if hits:
            out.append((row["question"], [h.text for h in hits], [h.source for h in hits]))
    catalog = load_catalog(spec.catalog, store, APP)  # type: ignore[arg-type]
    knowledge.close()
    return out, (catalog, spec, store)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--before", default="c648a4c")
    args = parser.parse_args()
    old_local = old_module("old_local", "src/stanchion/providers/local.py", args.before)
    old_catalog = old_module("old_catalog", "src/stanchion/knowledge/catalog.py", args.before)
    with tempfile.TemporaryDirectory() as folder:
        items, (catalog, spec, store) = asyncio.run(retrieved(Path(folder)))
        before_catalog = old_catalog.load_catalog(spec.catalog, store, APP)
        store.dispose()
    analyzer = Analyzer()
    new_answers = [answer(q, p, sources=s, analyzer=analyzer).text for q, p, s in items]
    rounds = args.rounds
    rows = [
        (
            "responder",
            per_call(lambda it: old_local.answer_from_passages(it[0], it[1]), items, rounds),
            per_call(
                lambda it: answer(it[0], it[1], sources=it[2], analyzer=analyzer), items, rounds
            ),
        ),
        (
            "catalog check",
            per_call(before_catalog.check, new_answers, rounds),
            per_call(catalog.check, new_answers, rounds),
        ),
        (
            "catalog passages_for",
            (0.0, 0.0),
            per_call(catalog.passages_for, [q for q, _, _ in items], rounds),
        ),
    ]
    print(f"{len(items)} questions x {rounds} rounds; microseconds per call (mean / p95)")
    print(f"{'step':<22} {'before':>16} {'after':>16}")
    for name, (b_mean, b_p95), (a_mean, a_p95) in rows:
        before = f"{b_mean:7.1f} / {b_p95:6.1f}" if b_mean else "-"
        print(f"{name:<22} {before:>16} {a_mean:7.1f} / {a_p95:6.1f}")


if __name__ == "__main__":
    main()
