"""bench/answers.py with hybrid retrieval on a local sentence-embedding model (issue 15).

    python bench/answers_semantic.py --model DIR               # the tables of bench/answers.py
    python bench/answers_semantic.py --model DIR --sweep       # and the trade-off curve
    python bench/answers_semantic.py --model DIR --blind       # bench/data/blind (report only)
    python bench/answers_semantic.py --model DIR --fit         # the dense answerability weights
    python bench/answers_semantic.py --model DIR --latency     # embedding cost per query

``DIR`` holds ``model.onnx`` and ``tokenizer.json`` (docs/retrieval.md: exporting
all-MiniLM-L6-v2). The example app is copied as bench/answers.py copies it, the model files
are put in its ``models/`` folder and ``knowledge.retrieval.embeddings`` names them
(provider ``onnx``): ingest embeds every chunk, each question is embedded once, and the
answerability gate uses the similarity (``answerability.DENSE_WEIGHTS``).

``--fit`` follows bench/answerability_fit.py: DEV sources only (clapnq dev, messy-dev,
messy2-dev, messy3-dev, the second app's DEV split), features and L2 chosen by
leave-one-source-out among the subsets of up to three features that include ``dense``, the
threshold on 5-fold out-of-fold scores; it prints the weights to ship, with the intercept
shifted so that threshold lands on THRESHOLD. The held-out splits and the blind set are never
read by it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
import answerability_fit as fitting
import answers
from answers_app import (
    EXAMPLE,
    copy_example,
    open_gate,
    run_rows,
    say,
    serve,
    source_texts,
    temp_folder,
    write_spec,
)
from answers_figures import default_threshold, failure_cause, print_sweep, report, summarize
from answers_figures import sweep as sweep_curve

from stanchion.knowledge import answerability
from stanchion.knowledge.embedders_onnx import OnnxEmbedder
from stanchion.knowledge.query import split_asks
from stanchion.knowledge.spec import Embeddings
from stanchion.store.crypto import Cipher

Names = tuple[str, ...]
Figures = tuple[float, float, float]  # threshold, answerable served, unanswerable declined
BLIND = Path(__file__).parent / "data" / "blind" / "questions.jsonl"
FILES = ("model.onnx", "tokenizer.json")


def install_model(folder: Path, model: Path) -> None:
    """The model files inside the app folder (hard links when the disk allows)."""
    target = folder / "models" / "embedder"
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        try:
            os.link(model / name, target / name)
        except OSError:
            shutil.copy(model / name, target / name)


def embeddings(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "provider": "onnx",
        "model": args.model.name,
        "model_path": "models/embedder/model.onnx",
        "tokenizer_path": "models/embedder/tokenizer.json",
        "min_similarity": args.min_similarity,
        "batch_size": 32,
    }


def with_embeddings(args: argparse.Namespace) -> Any:
    def edit(spec: dict[str, Any]) -> None:
        spec["knowledge"].setdefault("retrieval", {})["embeddings"] = embeddings(args)
        if args.threshold is not None:
            spec["knowledge"].setdefault("answerability", {})["threshold"] = args.threshold

    return edit


async def run_pass(
    args: argparse.Namespace, jobs: list[tuple[dict[str, Any], str, str]], gate_open: bool
) -> tuple[list[answers.Outcome], dict[str, Any], float]:
    """bench/answers.py's pass with the embedder on; also returns the seconds it took."""
    with temp_folder() as folder:
        copy_example(folder, args.app)
        install_model(folder, args.model)
        spec = write_spec(folder, with_embeddings(args))
        if gate_open and open_gate(folder) is None:
            say("could not open the answerability gate")
        say(f"{'gate open: ' if gate_open else ''}{len(jobs)} examples, embedder {args.model}")
        texts = source_texts(folder)
        async with serve(folder) as served:
            started = time.perf_counter()
            outs = await run_rows(served, jobs, args.concurrency)
            seconds = time.perf_counter() - started
    for o in outs:
        o.cause = failure_cause(o, texts)
    return outs, spec, seconds


async def run_sets(args: argparse.Namespace) -> dict[str, Any]:
    jobs = []
    if args.blind:
        rows = [orjson.loads(x) for x in BLIND.read_text().splitlines() if x.strip()]
        jobs = [(row, "blind", "heldout") for row in rows]
    for set_name in [] if args.blind else args.sets:
        for split in args.splits:
            rows = answers.load_rows(set_name, split, args.app / "evals")[: args.limit or None]
            jobs += [(row, set_name, split) for row in rows]
    outs, spec, seconds = await run_pass(args, jobs, gate_open=False)
    ms = sorted(o.ms for o in outs)
    timing = {"seconds": round(seconds, 2), "p50_ms": ms[len(ms) // 2], "n": len(ms)}
    say(f"{len(outs)} asked in {seconds:.1f}s at concurrency {args.concurrency}: {timing}")
    groups = answers.group(outs)
    result: dict[str, Any] = {"summaries": {k: summarize(v) for k, v in groups.items()}}
    result |= {"results": [o.__dict__ for o in outs], "timing": timing}
    if args.sweep:
        defaults = default_threshold(outs, spec)
        opened, _, _ = await run_pass(args, jobs, gate_open=True)
        result["sweep"] = {k: sweep_curve(v, defaults) for k, v in answers.group(opened).items()}
    return result


def embedder(args: argparse.Namespace) -> OnnxEmbedder:
    with tempfile.TemporaryDirectory() as tmp:
        install_model(Path(tmp), args.model)
        return OnnxEmbedder(Embeddings(**embeddings(args)), Path(tmp))


def latency(args: argparse.Namespace) -> None:
    """Per-question embedding cost (one question per call, as a request embeds it), the
    planning stage with and without the embedder (interleaved: the same machine load), and
    the bulk rate (clapnq passages in batches, as ingest embeds them)."""
    emb = embedder(args)
    questions = [
        r.get("question") or r["messages"][-1]["content"]
        for s in ("messy", "messy2")
        for split in ("dev", "heldout")
        for r in answers.load_rows(s, split)
    ]
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        words = asyncio.run(_plan_times(knowledge_for(args, Path(a), False), questions))
        hybrid = asyncio.run(_plan_times(knowledge_for(args, Path(b), True), questions))
    for label, ms in (("words only", words), ("with the embedder", hybrid)):
        print(f"plan a question, {label}: {_percentiles(ms)}, {1000 / statistics.mean(ms):.1f}/s")
    emb.embed_sync(questions[:5])  # warm up
    ms = []
    for q in questions:
        t0 = time.perf_counter()
        emb.embed_sync([q])
        ms.append((time.perf_counter() - t0) * 1000)
    print(f"query embedding: {_percentiles(ms)}")
    corpus = [json.loads(x)["text"] for x in (fitting.CLAPNQ / "corpus.jsonl").open()]
    t0 = time.perf_counter()
    emb.embed_sync(corpus)
    rate = len(corpus) / (time.perf_counter() - t0)
    print(f"bulk embedding: {len(corpus)} clapnq passages, {rate:.1f} passages/s")


def _percentiles(ms: list[float]) -> str:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return f"n={len(ms)} p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms"


async def _plan_times(knowledge: Any, questions: list[str]) -> list[float]:
    await knowledge.start()
    ms = []
    for q in questions:
        t0 = time.perf_counter()
        await knowledge.planner.plan([q], 4)
        ms.append((time.perf_counter() - t0) * 1000)
    knowledge.close()
    return ms


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--model", type=Path, required=True, help="folder with model.onnx")
    ap.add_argument("--min-similarity", type=float, default=0.5)
    ap.add_argument("--threshold", type=float, default=None, help="the app's, with the model")
    for flag in ("--blind", "--fit", "--latency"):
        ap.add_argument(flag, action="store_true")
    ours, rest = ap.parse_known_args(argv)
    args = argparse.Namespace(**vars(answers.parse_args(rest)), **vars(ours))
    args.model = args.model.resolve()
    logging.getLogger("stanchion").setLevel(logging.CRITICAL)
    if args.latency:
        return latency(args)
    if args.fit:
        return fit_dense(args)
    result = asyncio.run(run_sets(args))
    report(result["summaries"])
    for name, curve in (result.get("sweep") or {}).items():
        print_sweep(name, curve)
    if args.json:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))


# --- the fit: bench/answerability_fit.py's rows, with the similarity of each part ---


def knowledge_for(args: argparse.Namespace, tmp: Path, dense: bool, app: Path = EXAMPLE) -> Any:
    """An app's knowledge (documents ingested and approved), in ``tmp``."""
    folder = tmp / "app"
    copy_example(folder, app)
    install_model(folder, args.model)
    raw = write_spec(folder, with_embeddings(args) if dense else lambda _: None)["knowledge"]
    return fitting.knowledge_at(tmp, folder, raw, "support-assistant")


def example_rows(args: argparse.Namespace, tmp: Path) -> list[fitting.Row]:
    """The example app's dev sets, and the second app's DEV split, planned with the embedder
    on: the production path."""
    sets = {n: (EXAMPLE / "evals" / f"{n}-dev.jsonl", None) for n in ("messy", "messy2", "messy3")}
    rows = []
    for app, chosen in ((EXAMPLE, sets), (fitting.APPB, fitting.appb_sets())):
        (tmp / app.name).mkdir()
        knowledge = knowledge_for(args, tmp / app.name, True, app)
        rows += asyncio.run(_plan_all(knowledge, chosen))
        knowledge.close()
    return rows


async def _plan_all(knowledge: Any, sets: dict[str, tuple[Path, str | None]]) -> list[fitting.Row]:
    await knowledge.start()
    rows = []
    for name, (path, split) in sets.items():
        for ex_id, turns, answerable, reply in fitting.questions(path, split):
            plan = await knowledge.planner.plan(turns, 4, reply)
            rows.append(fitting.Row(name, ex_id, answerable, _parts(plan)))
    return rows


def _parts(plan: Any) -> list[dict[str, float] | None]:
    return [
        None if p.assessment.missing or not p.assessment.features else dict(p.assessment.features)
        for p in plan.parts
    ]


def clapnq_rows(args: argparse.Namespace, tmp: Path) -> list[fitting.Row]:
    """clapnq dev: each part's best cosine to a corpus passage, as ``DenseIndex.best``."""
    import numpy as np

    from stanchion.knowledge.plan import Planner
    from stanchion.knowledge.spec import Answerability

    sys.path.insert(0, str(Path(__file__).parent))
    from retrieval_size import beir_index, retriever_over

    from stanchion.knowledge.evaluation import Beir
    from stanchion.knowledge.index_local import beir_words

    beir = Beir.load(fitting.CLAPNQ)
    emb = embedder(args)
    cache = Path(tempfile.gettempdir()) / f"clapnq-{emb.model.rsplit('@', 1)[-1]}.npy"
    if not cache.exists():  # the corpus takes minutes on a busy machine: once per model
        np.save(cache, np.array(emb.embed_sync([d["text"] for d in beir.corpus])))
    corpus = np.load(cache)
    cipher = Cipher(bytes(32))
    index = beir_index(beir, tmp, cipher)
    planner = Planner(retriever_over(index, cipher, beir_words(beir)), Answerability())
    rows = []
    for q in beir.queries:
        if fitting.half(str(q["_id"])) != "dev":
            continue
        asks = split_asks(q["text"])
        plan = planner.plan_sync([q["text"]], asks, 4, [])
        parts = _parts(plan)
        for part, p in zip(parts, plan.parts, strict=True):
            if part is not None:
                sim = float(np.max(corpus @ np.array(emb.embed_sync([p.text])[0])))
                part["dense"] = sim - args.min_similarity
        rows.append(fitting.Row("clapnq", str(q["_id"]), bool(q["answerable"]), parts))
    index.close()
    return rows


def loso(rows: list[fitting.Row], l2: float, names: Names) -> dict[str, Figures]:
    """bench/answerability_fit.py's leave-one-source-out over the sources these rows have."""
    out = {}
    for held in sorted({r.source for r in rows}):
        train = [r for r in rows if r.source != held]
        test = [r for r in rows if r.source == held]
        w = fitting.fit(train, l2, names)
        t = fitting.choose_threshold(train, [fitting.score(w, r, names) for r in train])
        out[held] = (t, *fitting.rates(test, [fitting.score(w, r, names) for r in test], t))
    return out


def choose(rows: list[fitting.Row]) -> tuple[tuple[str, ...], float]:
    """The subsets of up to three features that include ``dense``, each L2, judged by LOSO."""
    best: tuple[float, tuple[str, ...], float] = (-1.0, (), 0.0)
    for size in (0, 1, 2):
        for names in itertools.combinations(fitting.ALL_FEATURES, size):
            for l2 in fitting.L2_GRID:
                value, mean, low = fitting.merit(loso(rows, l2, (*names, "dense")))
                if value > best[0] + 1e-9:
                    best = (value, (*names, "dense"), l2)
                    print(f"  {best[1]} l2={l2}: LOSO mean {mean:.3f}, worst source {low:.3f}")
    return best[1], best[2]


def fit_dense(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        rows = clapnq_rows(args, Path(a)) + example_rows(args, Path(b))
    print(f"{len(rows)} dev questions")
    lexical = (answerability.FEATURES, answerability.L2)
    for label, (names, l2) in (("lexical", lexical), ("dense", choose(rows))):
        for held, (t, a, u) in loso(rows, l2, names).items():
            print(
                f"{label} {names} LOSO held out {held:7}: threshold {t:.2f}, "
                f"answerable served {a:.3f}, unanswerable declined {u:.3f}"
            )
    oof = fitting.out_of_fold(rows, l2, names)
    t = fitting.choose_threshold(rows, oof)
    fitting.report(rows, oof, t, "dense, 5-fold out-of-fold")
    app = [i for i, r in enumerate(rows) if r.source != "clapnq"]
    t_app = fitting.choose_threshold([rows[i] for i in app], [oof[i] for i in app])
    fitting.report(rows, oof, t_app, "the example app's threshold (its own dev sets)")
    w = fitting.fit(rows, l2, names)
    shift = _logit(answerability.THRESHOLD) - _logit(t)
    w[0] += shift
    print(f"DENSE_FEATURES = {names}\nDENSE_FITTED = {tuple(round(v, 3) for v in w)}")
    print(f"DENSE_AT = {answerability.THRESHOLD}  # DENSE_WEIGHTS follows THRESHOLD from here")
    print(f"(L2 {l2}; out-of-fold threshold {t}, moved to {answerability.THRESHOLD})")
    app_t = 1 / (1 + math.exp(-(_logit(t_app) + shift)))
    print(f"example app with this embedder: knowledge.answerability.threshold {app_t:.2f}")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


if __name__ == "__main__":
    main()
