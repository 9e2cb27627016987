"""Scoring for ``stanchion ground eval`` and ``stanchion retrieval eval`` (and the bench).

Grounding files: one JSON object a line with ``id``, ``sources`` (list of str),
``response``, ``label`` (1 supported, 0 not) and optionally ``question``. The positive class
for precision/recall/F1 is the UNSUPPORTED one (label 0), as the scorer in
../shared/datasets reports it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stanchion.knowledge.grounding import Validator


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def auroc(scores: list[float], positives: list[bool]) -> float:
    """Probability that a positive outranks a negative (ties count half)."""
    pairs = sorted(zip(scores, positives, strict=True))
    n_pos = sum(positives)
    n_neg = len(positives) - n_pos
    if not n_pos or not n_neg:
        return 0.5
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        avg_rank = (i + j + 1) / 2
        rank_sum += avg_rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def binary_metrics(gold: list[int], predicted: list[int], scores: list[float]) -> dict[str, float]:
    """Metrics with 'unsupported' (label 0) as the positive class; scores: high = supported."""
    tp = sum(g == 0 and p == 0 for g, p in zip(gold, predicted, strict=True))
    fp = sum(g == 1 and p == 0 for g, p in zip(gold, predicted, strict=True))
    fn = sum(g == 0 and p == 1 for g, p in zip(gold, predicted, strict=True))
    tn = sum(g == 1 and p == 1 for g, p in zip(gold, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    specificity = tn / (tn + fp) if tn + fp else 0.0
    return {
        "n": len(gold),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "balanced_accuracy": (recall + specificity) / 2,
        "auroc": auroc([-s for s in scores], [g == 0 for g in gold]),
    }


@dataclass(slots=True)
class Prediction:
    id: str
    score: float
    label: int
    ms: float


def predict_grounding(rows: Iterable[dict[str, Any]], validator: Validator) -> list[Prediction]:
    out = []
    for row in rows:
        started = time.perf_counter()
        v = validator.validate(row["response"], list(row["sources"]), row.get("question") or "")
        ms = (time.perf_counter() - started) * 1000
        out.append(Prediction(str(row["id"]), v.score, int(v.grounded), ms))
    return out


def grounding_report(rows: list[dict[str, Any]], preds: list[Prediction]) -> dict[str, float]:
    gold = [int(r["label"]) for r in rows]
    report = binary_metrics(gold, [p.label for p in preds], [p.score for p in preds])
    ms = [p.ms for p in preds]
    return {**report, "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95)}


@dataclass(slots=True)
class Beir:
    corpus: list[dict[str, Any]]
    queries: list[dict[str, Any]]
    qrels: dict[str, set[str]]

    @classmethod
    def load(cls, folder: Path) -> Beir:
        qrels: dict[str, set[str]] = {}
        lines = (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines()
        for line in lines[1:]:
            parts = line.split("\t")
            if len(parts) >= 3 and float(parts[2]) > 0:
                qrels.setdefault(parts[0], set()).add(parts[1])
        return cls(
            list(read_jsonl(folder / "corpus.jsonl")),
            list(read_jsonl(folder / "queries.jsonl")),
            qrels,
        )


def retrieval_metrics(ranked: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """recall@5, recall@10 and MRR@10 over the queries that have a relevant id."""
    judged = [q for q in ranked if qrels.get(q)]
    if not judged:
        return {"queries": 0, "recall@5": 0.0, "recall@10": 0.0, "mrr@10": 0.0}
    r5 = r10 = mrr = 0.0
    for q in judged:
        rel, ids = qrels[q], ranked[q]
        r5 += len(rel & set(ids[:5])) / len(rel)
        r10 += len(rel & set(ids[:10])) / len(rel)
        mrr += next((1 / (i + 1) for i, d in enumerate(ids[:10]) if d in rel), 0.0)
    n = len(judged)
    return {"queries": n, "recall@5": r5 / n, "recall@10": r10 / n, "mrr@10": mrr / n}


def grounding_groups(
    rows: list[dict[str, Any]], validator: Validator, by: str, leave_one_out: bool
) -> dict[str, dict[str, float]]:
    """Balanced accuracy per group of the checker and of the lexical-overlap baseline.

    Without ``leave_one_out`` the checker decides at its own threshold and the baseline at the
    one threshold best on all rows pooled (sources weighed equally); with it, each is decided
    at the threshold best on the other groups (``evals/protocol.py``)."""
    from stanchion.evals.protocol import (
        balanced_accuracy,
        best_mean_ba,
        group_rows,
        leave_one_out_binary,
    )
    from stanchion.knowledge.checkers import lexical_overlap

    labels = [int(r["label"]) for r in rows]
    checker = [p.score for p in predict_grounding(rows, validator)]
    lexical = [lexical_overlap(r["response"], list(r["sources"])) for r in rows]
    groups = group_rows(rows, by)
    if leave_one_out:
        fitted = {
            name: leave_one_out_binary(labels, scores, groups)
            for name, scores in (("checker", checker), ("lexical", lexical))
        }
        return {
            g: {
                "n": len(idx),
                "checker": fitted["checker"][g]["balanced_accuracy"],
                "lexical": fitted["lexical"][g]["balanced_accuracy"],
                "checker_threshold": fitted["checker"][g]["threshold"],
                "lexical_threshold": fitted["lexical"][g]["threshold"],
            }
            for g, idx in groups.items()
        }
    every = list(range(len(rows)))
    lex_t = best_mean_ba(labels, lexical, groups, every)
    own_t = validator.policy.threshold
    out = {}
    for g, idx in groups.items():
        ys = [labels[i] for i in idx]
        out[g] = {
            "n": len(idx),
            "checker": balanced_accuracy(ys, [int(checker[i] >= own_t) for i in idx]),
            "lexical": balanced_accuracy(ys, [int(lexical[i] >= lex_t) for i in idx]),
            "checker_threshold": own_t,
            "lexical_threshold": lex_t,
        }
    return out
