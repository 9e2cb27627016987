"""Grounding and retrieval figures on the public sets in ../shared/datasets.

    python bench/knowledge.py grounding [--fit]   # dev/test halves per set, threshold on dev
    python bench/knowledge.py retrieval           # clapnq recall@5/10, MRR@10, latency, refusals
    python bench/knowledge.py speed               # validate() on a 300-word answer, 5 passages
    python bench/knowledge.py query-speed         # retrieval + answerability per request
    python bench/knowledge.py answerability [--fit]   # = bench/answerability_fit.py

Every file is split in two halves by sha256 of the example id: weights (with --fit), their
regularisation (cross-validated) and the threshold are chosen on the pooled DEV halves,
figures are reported on the TEST halves with a bootstrap 95% interval for balanced accuracy.
"""

from __future__ import annotations

import hashlib
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from stanchion.knowledge import grounding, support
from stanchion.knowledge.evaluation import binary_metrics, percentile, read_jsonl
from stanchion.knowledge.grounding import split_claims
from stanchion.knowledge.sources import Source
from stanchion.knowledge.spec import Grounding
from stanchion.knowledge.support import aggregate, claim_features, vetoed

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
if not DATA.exists():
    DATA = Path("/work/shared/datasets")
SETS = ["begin_dev", "halueval_qa_one_turn", "frank_valid", "wice_dev", "summedits_evaluation"]
# Issue 4: balanced accuracy of a plain lexical-overlap score, one threshold on pooled dev.
ANCHORS = dict(zip(SETS, (0.85, 0.78, 0.69, 0.70, 0.47), strict=True))
C_GRID = (0.03, 0.1, 0.3, 1.0)
# The kind of answer each source is, as its app would declare it (``knowledge.grounding.kind``).
KINDS = {
    "begin_dev": "dialogue",
    "halueval_qa_one_turn": "qa",
    "frank_valid": "summary",
    "summedits_evaluation": "summary",
    "wice_dev": "claim",
}


def half(row_id: str) -> str:
    return "dev" if hashlib.sha256(row_id.encode()).digest()[0] < 128 else "test"


def features(row: dict, kind: str = "qa") -> tuple[list[float], bool]:
    """The answer's features (as ``Validator.validate`` computes them) and its veto."""
    source = Source.of(list(row["sources"]))
    answer = row["response"]
    per, veto = [], False
    for s, e in split_claims(answer):
        feats, marks = claim_features(answer[s:e], source)
        per.append(feats)
        veto = veto or vetoed(marks, kind)
    return aggregate(per, source), veto


def _sample_weights(ys: list[int], sets: list[str]) -> list[float]:
    """Every set and, within it, each label weighs the same: the big sets do not decide
    alone where one threshold sits."""
    count: dict[tuple[str, int], int] = {}
    for s, y in zip(sets, ys, strict=True):
        count[s, y] = count.get((s, y), 0) + 1
    return [len(ys) / (len(count) * count[s, y]) for s, y in zip(sets, ys, strict=True)]


def fit_grounding(xs: list[list[float]], ys: list[int], sets: list[str], c: float) -> list[float]:
    """L2 logistic regression (scikit-learn, bench only), sets and labels weighted equally."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(xs, ys, sample_weight=_sample_weights(ys, sets))
    return [float(model.intercept_[0]), *(float(c) for c in model.coef_[0])]


def cross_validate(xs: list[list[float]], ys: list[int], sets: list[str], c: float) -> float:
    """Worst margin over the anchors of the per-set balanced accuracy of out-of-fold scores
    (5 folds stratified by set and label, twice), at one threshold chosen on them."""
    from sklearn.model_selection import StratifiedKFold

    scores = [0.0] * len(ys)
    strata = [f"{s}:{y}" for s, y in zip(sets, ys, strict=True)]
    for seed in (0, 1):
        for train, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(xs, strata):
            w = fit_grounding(
                [xs[i] for i in train], [ys[i] for i in train], [sets[i] for i in train], c
            )
            for i in held:
                scores[i] += _score(w, xs[i]) / 2
    t = best_threshold(scores, ys)
    margins = []
    for name in SETS:
        idx = [i for i, s in enumerate(sets) if s == name]
        pred = [int(scores[i] >= t) for i in idx]
        m = binary_metrics([ys[i] for i in idx], pred, [float(p) for p in pred])
        margins.append(m["balanced_accuracy"] - ANCHORS[name])
    return min(margins)


def _score(w: list[float], x: list[float]) -> float:
    return 1.0 / (1.0 + math.exp(-(w[0] + sum(a * b for a, b in zip(w[1:], x, strict=True)))))


def bootstrap_ba(ys: list[int], pred: list[int], rounds: int = 1000) -> tuple[float, float]:
    """95% percentile interval of balanced accuracy, resampling examples (seeded)."""
    rng = random.Random(4)
    values = []
    for _ in range(rounds):
        idx = [rng.randrange(len(ys)) for _ in ys]
        sample_y = [ys[i] for i in idx]
        if 0 < sum(sample_y) < len(sample_y):
            sample_p = [pred[i] for i in idx]
            m = binary_metrics(sample_y, sample_p, [float(p) for p in sample_p])
            values.append(m["balanced_accuracy"])
    return percentile(values, 2.5), percentile(values, 97.5)


def fit(xs: list[list[float]], ys: list[int], epochs: int = 400, lr: float = 0.5) -> list[float]:
    """Class-balanced logistic regression by full-batch gradient descent (pure Python)."""
    w = [0.0] * (len(xs[0]) + 1)
    pos = sum(ys)
    cw = {1: len(ys) / (2 * pos), 0: len(ys) / (2 * (len(ys) - pos))}
    for _ in range(epochs):
        grad = [0.0] * len(w)
        for x, y in zip(xs, ys, strict=True):
            z = w[0] + sum(a * b for a, b in zip(w[1:], x, strict=True))
            err = (1 / (1 + math.exp(-z)) - y) * cw[y]
            grad[0] += err
            for i, v in enumerate(x):
                grad[i + 1] += err * v
        w = [a - lr * g / len(xs) for a, g in zip(w, grad, strict=True)]
    return w


def best_threshold(scores: list[float], ys: list[int]) -> float:
    best, best_t = -1.0, 0.5
    for t in sorted(set(round(s, 3) for s in scores)):
        pred = [int(s >= t) for s in scores]
        ba = binary_metrics(ys, pred, scores)["balanced_accuracy"]
        if ba > best:
            best, best_t = ba, t
    return best_t


def run_grounding(refit: bool) -> None:
    data = {name: list(read_jsonl(DATA / "grounding" / f"{name}.jsonl")) for name in SETS}
    both = {name: [features(r, KINDS[name]) for r in rows] for name, rows in data.items()}
    feats = {name: [f for f, _ in pairs] for name, pairs in both.items()}
    scale = {
        name: [grounding.VETO if veto else 1.0 for _, veto in pairs] for name, pairs in both.items()
    }
    dev_x, dev_y, dev_set, dev_scale = [], [], [], []
    for name, rows in data.items():
        for r, f, k in zip(rows, feats[name], scale[name], strict=True):
            if half(r["id"]) == "dev":
                dev_x.append(f)
                dev_y.append(int(r["label"]))
                dev_set.append(name)
                dev_scale.append(k)
    if refit:
        cv = {c: cross_validate(dev_x, dev_y, dev_set, c) for c in C_GRID}
        print("cross-validated worst margin over anchors by C:", cv)
        w = fit_grounding(dev_x, dev_y, dev_set, max(C_GRID, key=cv.__getitem__))
        print("fitted WEIGHTS =", tuple(round(v, 3) for v in w))
        support.WEIGHTS = tuple(w)
    score = support.support
    chosen = best_threshold([score(x) * k for x, k in zip(dev_x, dev_scale, strict=True)], dev_y)
    threshold = chosen if refit else Grounding().threshold
    print(f"threshold chosen on pooled dev halves: {chosen}; reported at {threshold}")
    print(f"{'set (test half)':24} {'n':>4} {'BA':>6} {'95% CI':>13} {'F1':>6} {'AUROC':>6} anchor")
    for name, rows in data.items():
        pairs = [
            (score(f) * k, int(r["label"]))
            for r, f, k in zip(rows, feats[name], scale[name], strict=True)
            if half(r["id"]) == "test"
        ]
        scores = [s for s, _ in pairs]
        ys = [y for _, y in pairs]
        pred = [int(s >= threshold) for s in scores]
        m = binary_metrics(ys, pred, scores)
        lo, hi = bootstrap_ba(ys, pred)
        ok = "ok" if m["balanced_accuracy"] > ANCHORS[name] else "SHORT"
        print(
            f"{name:24} {m['n']:>4} {m['balanced_accuracy']:6.3f}  [{lo:.3f}, {hi:.3f}]"
            f" {m['f1']:6.3f} {m['auroc']:6.3f} {ANCHORS[name]:.2f} {ok}"
        )


def run_speed() -> None:
    rng = random.Random(7)
    vocab = [f"word{i}" for i in range(3000)] + ["the", "a", "of", "and", "in", "to"]
    passages = [" ".join(rng.choice(vocab) for _ in range(200)) + "." for _ in range(5)]
    answer = ". ".join(" ".join(rng.choice(vocab) for _ in range(15)) for _ in range(20)) + "."
    validator = grounding.Validator(Grounding())
    times = []
    for _ in range(300):
        started = time.perf_counter()
        validator.validate(answer, passages)
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"validate 300-word answer vs 5x200-word passages: p50 {percentile(times, 50):.2f} ms"
        f"  p95 {percentile(times, 95):.2f} ms  mean {statistics.mean(times):.2f} ms"
    )


def run_example() -> None:
    """The example app end to end: ingest + approve, retrieve, local answer, facts present."""
    import asyncio

    from stanchion.knowledge.build import build_knowledge
    from stanchion.knowledge.ingest import ingest
    from stanchion.knowledge.spec import KnowledgeSpec
    from stanchion.providers.local import answer_from_passages
    from stanchion.store.crypto import Cipher
    from stanchion.store.db import Store

    app = Path(__file__).resolve().parents[1] / "examples" / "support-assistant"
    questions = list(read_jsonl(app / "evals" / "questions.jsonl"))
    spec = KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": {"index_path": "index.sqlite"}}
    )

    async def main(tmp: Path) -> None:
        store = Store(f"sqlite:///{tmp / 'kn.db'}")
        store.upgrade()
        cipher = Cipher(bytes(32))
        ingest(spec, app, store, cipher, "support-assistant", approve_as="bench")
        knowledge = build_knowledge(spec, tmp, store, cipher, app="support-assistant")
        await knowledge.start()
        right = refused_ok = answered_bad = 0
        for q in questions:
            passages = await knowledge.retriever.search(q["question"], spec.retrieval.k)
            answer = (
                answer_from_passages(q["question"], [p.text for p in passages])
                if (passages)
                else knowledge.no_evidence_reply
            )
            refused = answer == knowledge.no_evidence_reply
            if q["answerable"]:
                ok = all(f.lower() in answer.lower() for f in q["facts"])
                right += ok
                if not ok:
                    print(f"  miss {q['id']}: {q['question']} -> {answer[:120]}")
            else:
                refused_ok += refused
                answered_bad += not refused
        n_ans = sum(q["answerable"] for q in questions)
        n_un = len(questions) - n_ans
        print(
            f"example app: answer accuracy {right}/{n_ans} = {right / n_ans:.3f}; "
            f"correct refusals {refused_ok}/{n_un}"
        )
        knowledge.close()

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp)))


def run_query_speed(rounds: int = 20) -> None:
    """Per-request cost of retrieval + answerability on the example app's DEV questions (the
    messy sets' user turns): ``Knowledge.plan`` where it exists (issue 15: parts, follow-ups,
    spelling, glossary, per-part answerability), else ``retriever.search`` (the code before).
    Run it against another checkout's package with PYTHONPATH=<that>/src for a side by side."""
    import asyncio
    import json

    import yaml

    from stanchion.knowledge.build import build_knowledge
    from stanchion.knowledge.ingest import ingest
    from stanchion.knowledge.spec import KnowledgeSpec
    from stanchion.store.crypto import Cipher
    from stanchion.store.db import Store

    app = Path(__file__).resolve().parents[1] / "examples" / "support-assistant"
    turns = []
    for name in ("messy-dev", "messy2-dev", "questions"):
        for line in (app / "evals" / f"{name}.jsonl").read_text().splitlines():
            e = json.loads(line)
            msgs = e.get("messages") or [{"role": "user", "content": e["question"]}]
            turns.append([m["content"] for m in msgs if m["role"] == "user"])

    async def main(tmp: Path) -> None:
        raw = yaml.safe_load((app / "stanchion.yaml").read_text())["knowledge"]
        raw["retrieval"]["index_path"] = str(tmp / "index.sqlite")
        raw.pop("catalog", None)
        known = set(KnowledgeSpec.model_fields)
        spec = KnowledgeSpec.model_validate({k: v for k, v in raw.items() if k in known})
        store = Store(f"sqlite:///{tmp / 'kn.db'}")
        store.upgrade()
        cipher = Cipher(bytes(32))
        ingest(spec, app, store, cipher, "support-assistant", approve_as="bench")
        knowledge = build_knowledge(spec, app, store, cipher, app="support-assistant")
        await knowledge.start()
        plan = getattr(knowledge, "plan", None)
        what = "Knowledge.plan" if plan is not None else "retriever.search"
        for label, n in (("first sight", 1), ("asked again", rounds)):
            times = []
            for _ in range(n):
                for t in turns:
                    started = time.perf_counter()
                    if plan is not None:
                        await plan(t, spec.retrieval.k)
                    else:
                        await knowledge.retriever.search(t[-1], spec.retrieval.k)
                    times.append((time.perf_counter() - started) * 1e6)
            print(
                f"{what}, {len(turns)} questions x {n} ({label}): mean "
                f"{statistics.mean(times):.0f} us  p50 {percentile(times, 50):.0f} us"
                f"  p95 {percentile(times, 95):.0f} us"
            )
        knowledge.close()

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp)))


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "grounding"
    if what == "grounding":
        run_grounding("--fit" in sys.argv)
    elif what == "speed":
        run_speed()
    elif what == "retrieval":
        from retrieval_size import run_clapnq

        run_clapnq()
    elif what == "answerability":
        from answerability_fit import main as fit_answerability

        fit_answerability("--fit" in sys.argv, [])
    elif what == "example":
        run_example()
    elif what == "query-speed":
        run_query_speed()
