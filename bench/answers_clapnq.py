"""``bench/answers.py --clapnq``: the clapnq-derived set through the whole pipeline.

The app is the example app with its documents replaced by the clapnq passages (one file
per passage, approved) and without its catalog and app glossary. Each question is asked
twice, in its original and its messy wording (``bench/data/clapnq``). The answers are long
free text, so the relevant passage of the qrels is the evidence of a right answer:

- recall: the share of the relevant passages among the passages the answer cites;
- answered: an answerable question not refused; with evidence: answered and citing a
  relevant passage (the pass criterion of the tables and the sweep);
- declined: an unanswerable question refused.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import orjson
from answers_app import (
    EXAMPLE,
    Outcome,
    Served,
    annotations,
    ask,
    open_gate,
    say,
    serve,
    stanchion_bin,
    temp_folder,
    write_spec,
)
from answers_figures import default_threshold, print_table, shares, summarize, sweep

DATA = Path(__file__).resolve().parent / "data" / "clapnq"
APP_ONLY = ("catalog", "glossary", "synonyms")  # what belongs to the example app's domain


def strip_app_knowledge(spec: dict[str, Any]) -> None:
    spec["app"] = "clapnq"
    knowledge = spec.setdefault("knowledge", {})
    knowledge["sources"] = [{"files": ["docs/*.md"]}]
    for key in [k for k in knowledge if any(word in k for word in APP_ONLY)]:
        del knowledge[key]
    gate = knowledge.get("answerability")
    if isinstance(gate, dict):  # a threshold fitted on the example's questions is not for this
        gate.pop("threshold", None)


def build_app(folder: Path) -> None:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    (folder / "prompts").mkdir()
    (folder / "prompts" / "system.md").write_text((EXAMPLE / "prompts" / "system.md").read_text())
    (folder / "stanchion.yaml").write_text((EXAMPLE / "stanchion.yaml").read_text())
    for line in (DATA / "corpus.jsonl").read_text().splitlines():
        doc = orjson.loads(line)
        (docs / f"{doc['_id']}.md").write_text(f"# {doc['title']}\n\n{doc['text']}\n")


def load(split: str, limit: int) -> list[dict[str, Any]]:
    lines = (DATA / f"queries-{split}.jsonl").read_text().splitlines()
    rows = [orjson.loads(line) for line in lines if line.strip()]
    return rows[:limit] if limit else rows


async def ask_one(served: Served, row: dict[str, Any], split: str, variant: str) -> Outcome:
    text = row["text"] if variant == "messy" else row["original"]
    got, ms = await ask(served, [{"role": "user", "content": text}])
    cited = {Path(d).stem for d in got["cited"]}
    relevant = set(row["relevant"])
    recall = len(relevant & cited) / len(relevant) if relevant else None
    answered = got["decision"] in ("pass", "redact")
    passed = bool(answered and recall) if row["answerable"] else got["decision"] == "refuse"
    kind = "joined" if row["id"].startswith("cj") else "single"
    out = Outcome(
        f"{row['id']}:{variant}",
        "clapnq",
        split,
        f"{variant}/{kind}",
        bool(row["answerable"]),
        passed,
        [] if passed else [got["decision"]],
        got["decision"],
        got["answer"][:300],
        sorted(cited),
        got.get("trace_id"),
        round(ms, 2),
    )
    out.annotations = {"recall": recall}
    out.cause = (
        "passed"
        if passed
        else "unanswerable answered"
        if not row["answerable"]
        else "answerable refused"
        if not answered
        else "answered without the relevant passage"
    )
    return out


async def ask_all(served: Served, jobs: list[tuple[dict[str, Any], str, str]], conc: int) -> Any:
    gate = asyncio.Semaphore(conc)
    done = 0

    async def one(row: dict[str, Any], split: str, variant: str) -> Outcome:
        nonlocal done
        async with gate:
            out = await ask_one(served, row, split, variant)
        done += 1
        if done % 50 == 0 or done == len(jobs):
            say(f"  {done}/{len(jobs)} asked")
        return out

    outs = list(await asyncio.gather(*(one(*job) for job in jobs)))
    for o in outs:
        o.annotations.update(await annotations(served, o.trace_id))
    return outs


def retriever_recall(jobs: list[tuple[dict[str, Any], str, str]]) -> dict[str, Any]:
    """recall@5/10 of the retriever alone (``stanchion retrieval eval``), per split and wording."""
    out: dict[str, Any] = {}
    for split in sorted({s for _, s, _ in jobs}):
        rows = [r for r, s, v in jobs if s == split and v == "original"]
        for variant, field in (("original", "original"), ("messy", "text")):
            with tempfile.TemporaryDirectory() as tmp:
                beir = Path(tmp) / f"{split}-{variant}"
                beir.mkdir()
                shutil.copyfile(DATA / "corpus.jsonl", beir / "corpus.jsonl")
                queries = [{"_id": r["id"], "text": r[field]} for r in rows]
                (beir / "queries.jsonl").write_bytes(b"\n".join(map(orjson.dumps, queries)))
                qrels = [f"{r['id']}\t{doc}\t1" for r in rows for doc in r["relevant"]]
                (beir / "qrels.tsv").write_text("\n".join(["query-id\tcorpus-id\tscore", *qrels]))
                cmd = [stanchion_bin(), "retrieval", "eval", str(beir), "--json"]
                done = subprocess.run(cmd, capture_output=True, text=True)
                found = orjson.loads(done.stdout) if done.returncode == 0 else {}
                out[f"{split}/{variant}"] = found.get(beir.name, {"error": done.stderr[-300:]})
    heads = ["split/wording", "recall@5", "recall@10", "mrr@10"]
    rows_out = [[k, *(v.get(h) for h in heads[1:])] for k, v in out.items()]
    print_table("clapnq, the retriever alone (stanchion retrieval eval)", rows_out, heads)
    return out


def figures(outs: list[Outcome]) -> dict[str, Any]:
    recalls = [o.annotations["recall"] for o in outs if o.annotations.get("recall") is not None]
    ans = [o for o in outs if o.answerable]
    una = [o for o in outs if not o.answerable]
    answered = sum(o.decision in ("pass", "redact") for o in ans)
    declined = sum(o.decision == "refuse" for o in una)
    return {
        **shares(outs),
        "recall_cited": round(sum(recalls) / len(recalls), 4) if recalls else None,
        "answered": round(answered / len(ans), 4) if ans else None,
        "declined": round(declined / len(una), 4) if una else None,
        "decision_accuracy": round((answered + declined) / len(outs), 4) if outs else None,
    }


def report(groups: dict[str, list[Outcome]]) -> dict[str, Any]:
    table = {key: figures(v) for key, v in groups.items()}
    cols = ["n", "recall_cited", "answered", "answerable_correct", "declined"]
    rows = [[k, *(f[c] for c in cols), f["decision_accuracy"]] for k, f in table.items()]
    heads = ["split/wording/kind", "n", "recall (cited)", "answered", "with evidence"]
    print_table("clapnq through the pipeline", rows, [*heads, "declined", "decision acc"])
    return table


async def clapnq_pass(
    args: argparse.Namespace, jobs: list[tuple[dict[str, Any], str, str]], gate_open: bool
) -> tuple[list[Outcome], dict[str, Any]]:
    with temp_folder() as folder:
        build_app(folder)
        spec = write_spec(folder, strip_app_knowledge)
        if gate_open and open_gate(folder) is None:
            say("could not open the answerability gate")
        say(f"{'gate open: ' if gate_open else ''}593 passages, {len(jobs)} questions")
        async with serve(folder) as served:
            return await ask_all(served, jobs, args.concurrency), spec


def by_wording(outs: list[Outcome], kinds: bool) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = {}
    for o in outs:
        variant, kind = o.category.split("/")
        groups.setdefault(f"{o.split}/{variant}", []).append(o)
        if kinds:
            groups.setdefault(f"{o.split}/{variant}/{kind}", []).append(o)
    return dict(sorted(groups.items()))


async def run_clapnq(args: argparse.Namespace) -> dict[str, Any]:
    jobs = [
        (row, split, variant)
        for split in args.splits
        for row in load(split, args.limit)
        for variant in ("original", "messy")
    ]
    outs, spec = await clapnq_pass(args, jobs, gate_open=False)
    result: dict[str, Any] = {"clapnq": report(by_wording(outs, kinds=True))}
    result["retriever"] = retriever_recall(jobs)
    result["summaries"] = {k: summarize(v) for k, v in by_wording(outs, kinds=False).items()}
    result["results"] = [o.__dict__ for o in outs]
    if args.sweep:
        defaults = default_threshold(outs, spec)
        opened, _ = await clapnq_pass(args, jobs, gate_open=True)
        result["sweep"] = {k: sweep(v, defaults) for k, v in by_wording(opened, False).items()}
        result["opened"] = [o.__dict__ for o in opened]  # per question, gate open
    return result
