"""The ``local`` responder alone, replayed on the requests the pipeline handed it (issue 15).

    python bench/responder_replay.py capture [--open]   # DEV sets of the apps -> requests
    python bench/responder_replay.py score [--failures] # replay them with the working tree
    python bench/responder_replay.py score --against P  # gained / lost against passes P
    python bench/responder_replay.py loso               # fit the sentence ranker per source
    python bench/responder_replay.py cost               # CPU per request (PYTHONPATH: another tree)

``capture`` serves each app (as ``bench/answers.py`` does) with the ``local`` provider
re-registered, through the real registry, as a recording subclass: every request the
pipeline sends the responder (question, parts, passages, titles, sources, the
answerability decisions, the conversation, the glossary) is written with its example's
facts. Examples the gate refuses never reach the responder and are not recorded.

``score`` answers every recorded request again with the working tree's responder and
checks the facts (``stanchion.evals.scoring.score``; a refused answer counts as the
decision ``refuse``), per source: what the responder alone is responsible for, in
milliseconds instead of a served run. ``loso`` fits the ranker's weights (ranker.py)
leaving each source out in turn, and reports each left-out source with the weights fitted
on the others. DEV splits only: held-out rows are never captured.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from answers import load_rows
from answers_app import (
    EXAMPLE,
    ROOT,
    copy_example,
    open_gate,
    run_one,
    say,
    serve,
    temp_folder,
    write_spec,
)

from stanchion.evals.datasets import parse_example
from stanchion.evals.scoring import norm, score
from stanchion.providers.base import ChatRequest, Completion
from stanchion.providers.local import LocalProvider
from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer
from stanchion.providers.options import LocalOptions
from stanchion.providers.registry import register_provider

APPB = ROOT / "bench" / "data" / "appb"
APPC = ROOT / "bench" / "data" / "appc"
APPF = ROOT / "bench" / "data" / "appf"
APPG = ROOT / "bench" / "data" / "appg"
# appd and appe are read whole (their failures were read, both splits: answers_all.READ_WHOLE)
WHOLE = ("appd", "appe")
SOURCES = (
    ("messy", EXAMPLE, "messy"),
    ("messy2", EXAMPLE, "messy2"),
    ("messy3", EXAMPLE, "messy3"),
    ("messy4", EXAMPLE, "messy4"),
    ("appb", APPB, "questions"),
    ("appc", APPC, "questions"),
    ("appf", APPF, "questions"),
    ("appg", APPG, "questions"),
    *((name, ROOT / "bench" / "data" / name, "questions") for name in WHOLE),
)
# one file per checkout: two worktrees capturing at once must not overwrite each other's
OUT = Path(tempfile.gettempdir()) / (
    f"stanchion-responder-requests-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}.json"
)
L2 = 0.3
_SEEN: list[dict[str, Any]] = []
_CURRENT = [""]  # the example being asked (examples are asked one at a time)


class Recording(LocalProvider):
    async def complete(self, request: ChatRequest) -> Completion:
        _SEEN.append(
            {
                "id": _CURRENT[0],
                "messages": request.messages,
                "question": request.question,
                "context": request.context,
                "parts": request.parts,
                "titles": request.titles,
                "sources": request.sources,
                "decisions": request.part_decisions,
                "glossary": request.glossary,
            }
        )
        return await super().complete(request)


async def capture(gate_open: bool = False) -> list[dict[str, Any]]:
    register_provider("local", Recording, needs_url=False, options=LocalOptions)
    records = []
    for source, app, set_name in SOURCES:
        splits = ("dev", "heldout") if source in WHOLE else ("dev",)
        rows = [r for split in splits for r in load_rows(set_name, split, app / "evals")]
        with temp_folder() as folder:
            copy_example(folder, app)
            write_spec(folder, lambda _: None)
            if gate_open and open_gate(folder) is None:
                say(f"{source}: could not open the answerability gate")
            async with serve(folder) as served:
                _SEEN.clear()
                outs = []
                for row in rows:
                    _CURRENT[0] = row["id"]
                    outs.append(await run_one(served, row, set_name, "dev"))
        say(f"{source}: {len(_SEEN)} requests reached the responder")
        by_id = {r["id"]: r for r in _SEEN}
        for row, o in zip(rows, outs, strict=True):
            req = by_id.get(row["id"])
            if req is not None:
                records.append({"source": source, "id": row["id"], "row": row, "request": req})
                req["online"] = {"passed": o.passed, "decision": o.decision}
    return records


def replay(record: dict[str, Any], analyzer: Analyzer) -> tuple[list[str], str]:
    req = record["request"]
    turns = _turns(req)
    last = max(i for i, t in enumerate(turns) if t[0] == "user")
    got = answer(
        req["question"] or turns[last][1],
        req["context"],
        parts=req["parts"] or None,
        titles=req["titles"] or None,
        sources=req["sources"] or None,
        decisions=req["decisions"] or None,
        history=turns[:last] or None,
        glossary=req["glossary"] or None,
        analyzer=analyzer,
    )
    example = parse_example(record["row"], record["id"])
    return score(example, got.text, "refuse" if got.refused else "pass"), got.text


def held(record: dict[str, Any]) -> bool:
    """Do the passages the responder was given hold every fact (a sentence to find)?"""
    text = norm(" ".join(record["request"]["context"]))
    return all(norm(f) in text for f in record["row"].get("facts", []))


def score_all(
    records: list[dict[str, Any]],
    failures: bool,
    diff: Path | None = None,
    against: Path | None = None,
) -> dict[str, list[int]]:
    """Per source: [passed, requests, passed online, facts held in the passages but missed].
    ``against``: which requests passed, written when missing, else compared (gained, lost)."""
    analyzer = Analyzer()
    table: dict[str, list[int]] = {}
    before = orjson.loads(diff.read_bytes()) if diff and diff.exists() else None
    texts: dict[str, str] = {}
    passed: dict[str, bool] = {}
    started = time.process_time()
    for record in records:
        reasons, text = replay(record, analyzer)
        key = f"{record['source']}/{record['id']}"
        texts[key] = text
        passed[key] = not reasons
        if before is not None and before.get(key) != text:
            print(f"  CHANGED {key} {'fails' if reasons else 'passes'}\n    was: {before.get(key)}")
            print(f"    now: {text}")
        row = table.setdefault(record["source"], [0, 0, 0, 0])
        row[0] += not reasons
        row[1] += 1
        row[2] += bool(record["request"]["online"]["passed"])
        missed = bool(reasons) and record["row"].get("answerable", True) and held(record)
        row[3] += missed
        if failures and reasons:
            q = parse_example(record["row"], record["id"]).messages[-1]["content"]
            tag = "HELD " if missed else ""
            print(f"  {tag}{record['source']}/{record['id']} {'; '.join(reasons)}")
            print(f"    Q: {q}\n    A: {text}")
    if diff and before is None:
        diff.write_bytes(orjson.dumps(texts))
    if against is not None:
        _compare(passed, against)
    cpu = (time.process_time() - started) * 1000 / max(1, len(records))
    print(f"{'source':<8} {'passed':>7} {'of':>4} {'online':>7} {'missed':>7}", end="")
    print(f"   ({cpu:.2f} ms CPU per request)")
    for source, (ok, n, online, missed) in table.items():
        print(f"{source:<8} {ok:>7} {n:>4} {online:>7} {missed:>7}")
    return table


def _compare(passed: dict[str, bool], against: Path) -> None:
    """Write which requests passed, or say which pass and fail now that did not before (the
    same keys: replay the same capture, or one captured with another window)."""
    if not against.exists():
        against.write_bytes(orjson.dumps(passed))
        return
    was: dict[str, bool] = orjson.loads(against.read_bytes())
    gained = [k for k, ok in passed.items() if ok and not was.get(k, False)]
    lost = [k for k, ok in passed.items() if not ok and was.get(k, False)]
    print(f"against {against}: gained {len(gained)} {gained}, lost {len(lost)} {lost}")


def groups(records: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    """Per answerable part: (source, its candidates' features, which hold a fact). Only
    parts with both a sentence that holds a fact and one that does not teach a ranking."""
    from stanchion.providers.local.answer import pool_of, request_context
    from stanchion.providers.local.part import read_part

    analyzer = Analyzer()
    out = []
    for record in records:
        req = record["request"]
        facts = [norm(f) for f in record["row"].get("facts", [])]
        if not facts or not record["row"].get("answerable", True):
            continue
        turns = _turns(req)
        last = max(i for i, t in enumerate(turns) if t[0] == "user")
        ctx, candidates = request_context(
            req["context"],
            req["titles"] or None,
            req["sources"] or None,
            req["decisions"] or None,
            turns[:last] or None,
            req["glossary"] or None,
            analyzer,
        )
        for question in req["parts"] or [req["question"] or turns[last][1]]:
            part = read_part(question, candidates, analyzer, ctx)
            pool = [c for c in pool_of(part, question, candidates, ctx) if part.cover(c[1]) > 0]
            labels = [any(f in norm(c[1].text) for f in facts) for c in pool]
            if any(labels) and not all(labels):
                features = np.array([part.features(c) for c in pool])
                out.append((record["source"], features, np.array(labels, dtype=float)))
    return out


def fit(train: list[tuple[str, Any, Any]], l2: float = L2, steps: int = 3000) -> tuple[float, ...]:
    """Weights that put a sentence holding a fact first in its part (a softmax over each
    part's candidates, gradient descent, drawn towards the hand-set weights by ``l2``),
    scaled so that ``cover`` weighs 1 as in the hand-set weights (the score's thresholds
    are ratios of it)."""
    prior = np.array(_part_module().WEIGHTS, dtype=float)
    w = prior.copy()
    for _ in range(steps):
        grad = l2 * (w - prior)
        for _, x, y in train:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            target = y / y.sum()
            grad += x.T @ (p - target) / len(train)
        w -= 0.5 * grad
    return tuple(float(round(v / w[0], 3)) for v in w)


def loso(records: list[dict[str, Any]], l2: float) -> None:
    """Each source answered with the weights fitted on the others, beside the hand weights."""
    part_module = _part_module()
    data = groups(records)
    hand = part_module.WEIGHTS
    print(f"{len(data)} parts to learn from; features: {', '.join(part_module.FEATURES)}")
    rows = []
    for source, _, _ in SOURCES:
        weights = fit([g for g in data if g[0] != source], l2)
        mine = [r for r in records if r["source"] == source]
        part_module.WEIGHTS = hand
        before = _quiet_score(mine)
        part_module.WEIGHTS = weights
        after = _quiet_score(mine)
        part_module.WEIGHTS = hand
        rows.append((source, before, after, weights))
    print(f"{'left out':<8} {'hand':>5} {'fitted':>7} {'of':>4}  weights fitted on the others")
    for source, before, after, weights in rows:
        print(f"{source:<8} {before[0]:>5} {after[0]:>7} {before[1]:>4}  {weights}")
    print(f"all sources: {fit(data, l2)}")


def _part_module() -> Any:
    """The module whose ``WEIGHTS`` the score reads (set here to replay fitted weights)."""
    return importlib.import_module("stanchion.providers.local.part")


def cost(records: list[dict[str, Any]], rounds: int = 9) -> None:
    """CPU time per request, warm caches (passages analysed once), the least of ``rounds``
    passes: run it again with ``PYTHONPATH=<another tree>/src`` for that tree's figure."""
    analyzer = Analyzer()
    for record in records:
        replay(record, analyzer)
    best = min(_cpu(records, analyzer) for _ in range(rounds))
    print(f"{len(records)} requests: {best * 1e6:.1f} us CPU per request (least of {rounds})")


def _cpu(records: list[dict[str, Any]], analyzer: Analyzer) -> float:
    started = time.process_time()
    for record in records:
        replay(record, analyzer)
    return (time.process_time() - started) / len(records)


def _quiet_score(records: list[dict[str, Any]]) -> tuple[int, int]:
    analyzer = Analyzer()
    passed = sum(not replay(r, analyzer)[0] for r in records)
    return passed, len(records)


def _turns(req: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (m["role"], m["content"]) for m in req["messages"] if m["role"] in ("user", "assistant")
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("command", choices=("capture", "score", "loso", "cost"))
    ap.add_argument("--requests", type=Path, default=OUT)
    ap.add_argument("--failures", action="store_true")
    ap.add_argument("--open", action="store_true", help="capture: with the gate opened")
    ap.add_argument("--l2", type=float, default=L2, help="loso: pull towards the hand weights")
    ap.add_argument("--diff", type=Path, help="answers to compare with (written if missing)")
    ap.add_argument("--against", type=Path, help="passes to compare with (written if missing)")
    args = ap.parse_args()
    logging.getLogger("stanchion").setLevel(logging.CRITICAL)
    if args.command == "capture":
        records = asyncio.run(capture(args.open))
        args.requests.write_bytes(orjson.dumps(records))
        print(f"{len(records)} requests recorded to {args.requests}")
    elif args.command == "cost":
        cost(orjson.loads(args.requests.read_bytes()))
    elif args.command == "loso":
        loso(orjson.loads(args.requests.read_bytes()), args.l2)
    else:
        records = orjson.loads(args.requests.read_bytes())
        score_all(records, args.failures, args.diff, args.against)


if __name__ == "__main__":
    main()
