"""Measure an engine on labelled JSONL (the normalised formats of the shared datasets).

Three shapes, told apart by their fields (``kind_of``):

- pii: ``{id, text, spans: [{type, start, end}]}``; a predicted span counts when its type
  matches (after ``TYPE_NAMES``/``SYNONYMS``) and it covers at least half of a gold span;
- injection: ``{id, text, label: 0|1, context?}``; rows with ``context`` are retrieved content
  and are scanned in the ``context`` direction;
- toxicity: ``{id, text, label: hate|offensive|neither}``; scored toxic vs not, plus hate recall.

The rules match ``shared/datasets/score.py`` so ``--predictions`` files score the same there.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stanchion.guards.base import Direction, Finding
from stanchion.guards.engine import GuardEngine

TYPE_NAMES = {
    "pii.email": "EMAIL_ADDRESS", "pii.phone": "PHONE_NUMBER", "pii.credit_card": "CREDIT_CARD",
    "pii.iban": "IBAN_CODE", "pii.us_ssn": "US_SSN", "pii.ip_address": "IP_ADDRESS",
    "pii.date_of_birth": "DATE_TIME", "pii.address": "LOCATION", "pii.person": "PERSON",
    "pii.date_time": "DATE_TIME", "pii.age": "AGE", "pii.location": "LOCATION",
    "pii.organization": "ORGANIZATION", "pii.nrp": "NRP", "pii.title": "TITLE",
    "pii.zip_code": "ZIP_CODE", "pii.url": "DOMAIN_NAME",
}  # fmt: skip
SYNONYMS = {"STREET_ADDRESS": "LOCATION", "GPE": "LOCATION", "ADDRESS": "LOCATION"}
PATTERN_TYPES = (
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
)
ATTACK_PREFIXES = ("injection.", "jailbreak")
Row = dict[str, Any]


@dataclass(slots=True)
class Run:
    """Predictions (one JSON-able dict per example) and the latency of each scan."""

    predictions: list[Row] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


def read_jsonl(path: Path) -> list[Row]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def kind_of(rows: list[Row]) -> str:
    first = rows[0]
    if "spans" in first:
        return "pii"
    return "toxicity" if isinstance(first.get("label"), str) else "injection"


def norm_type(name: str) -> str:
    upper = name.upper().replace("-", "_").replace(" ", "_")
    return SYNONYMS.get(upper, upper)


def _timed(engine: GuardEngine, text: str, direction: Direction, run: Run) -> list[Finding]:
    started = time.perf_counter()
    found = engine.detect(text, direction, None)
    run.latencies_ms.append((time.perf_counter() - started) * 1000)
    return found


def predict_pii(engine: GuardEngine, rows: Iterable[Row]) -> Run:
    run = Run()
    for row in rows:
        found = [f for f in _timed(engine, row["text"], "input", run) if f.type in TYPE_NAMES]
        spans = [
            {"type": TYPE_NAMES[f.type], "start": f.start, "end": f.end, "score": round(f.score, 4)}
            for f in found
        ]
        run.predictions.append({"id": row["id"], "spans": spans})
    return run


def predict_injection(engine: GuardEngine, rows: Iterable[Row]) -> Run:
    run = Run()
    for row in rows:
        direction: Direction = "context" if row.get("context") else "input"
        found = [
            f
            for f in _timed(engine, row["text"], direction, run)
            if f.type.startswith(ATTACK_PREFIXES)
        ]
        score = max((f.score for f in found), default=0.0)
        types = sorted({f.type for f in found})
        run.predictions.append(
            {"id": row["id"], "label": int(bool(found)), "score": round(score, 4), "types": types}
        )
    return run


def predict_toxicity(engine: GuardEngine, rows: Iterable[Row]) -> Run:
    run = Run()
    for row in rows:
        found = [
            f for f in _timed(engine, row["text"], "output", run) if f.type.startswith("toxicity.")
        ]
        label = "neither"
        if found:
            label = "hate" if any(f.type == "toxicity.hate" for f in found) else "offensive"
        score = max((f.score for f in found), default=0.0)
        run.predictions.append({"id": row["id"], "label": label, "score": round(score, 4)})
    return run


PREDICTORS: dict[str, Callable[[GuardEngine, Iterable[Row]], Run]] = {
    "pii": predict_pii,
    "injection": predict_injection,
    "toxicity": predict_toxicity,
}


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def score_pii(gold: list[Row], predictions: list[Row]) -> dict[str, Any]:
    by_id = {str(p["id"]): p for p in predictions}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g in gold:
        gspans = [(norm_type(s["type"]), int(s["start"]), int(s["end"])) for s in g["spans"]]
        used = [False] * len(gspans)
        for s in by_id.get(str(g["id"]), {}).get("spans", []):
            pt, ps, pe = norm_type(s["type"]), int(s["start"]), int(s["end"])
            hit = next(
                (i for i, (gt, gs, ge) in enumerate(gspans)
                 if not used[i] and gt == pt and min(pe, ge) - max(ps, gs) > 0
                 and 2 * (min(pe, ge) - max(ps, gs)) >= ge - gs),
                None,
            )  # fmt: skip
            if hit is None:
                counts[pt][1] += 1
            else:
                used[hit] = True
                counts[pt][0] += 1
        for i, (gt, _, _) in enumerate(gspans):
            counts[gt][2] += not used[i]
    total = [sum(c[k] for c in counts.values()) for k in range(3)]
    pattern = [sum(counts[t][k] for t in PATTERN_TYPES) for k in range(3)]
    out: dict[str, Any] = prf(*total)
    out["pattern_types"] = prf(*pattern)
    out["per_type"] = {t: prf(*c) for t, c in sorted(counts.items())}
    return out


def score_binary(gold_labels: list[int], predicted: list[int]) -> dict[str, Any]:
    tp = sum(g and p for g, p in zip(gold_labels, predicted, strict=True))
    fp = sum(p and not g for g, p in zip(gold_labels, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold_labels, predicted, strict=True))
    tn = len(gold_labels) - tp - fp - fn
    out: dict[str, Any] = prf(tp, fp, fn)
    out["false_positive_rate"] = fp / (fp + tn) if fp + tn else 0.0
    out["tn"] = tn
    return out


def score_injection(gold: list[Row], predictions: list[Row]) -> dict[str, Any]:
    by_id = {str(p["id"]): p for p in predictions}
    labels = [int(g["label"]) for g in gold]
    predicted = [int(by_id.get(str(g["id"]), {}).get("label", 0)) for g in gold]
    out = score_binary(labels, predicted)
    per: dict[str, Any] = {}
    for kind in sorted({str(g.get("kind", "attack" if g["label"] else "benign")) for g in gold}):
        idx = [
            i
            for i, g in enumerate(gold)
            if str(g.get("kind", "attack" if g["label"] else "benign")) == kind
        ]
        per[kind] = score_binary([labels[i] for i in idx], [predicted[i] for i in idx])
    out["per_type"] = per
    return out


def score_toxicity(gold: list[Row], predictions: list[Row]) -> dict[str, Any]:
    by_id = {str(p["id"]): p for p in predictions}
    labels = [int(g["label"] != "neither") for g in gold]
    predicted = [
        int(by_id.get(str(g["id"]), {}).get("label", "neither") != "neither") for g in gold
    ]
    out = score_binary(labels, predicted)
    hate = [p for g, p in zip(gold, predicted, strict=True) if g["label"] == "hate"]
    out["hate_recall"] = sum(hate) / len(hate) if hate else None
    return out


SCORERS: dict[str, Callable[[list[Row], list[Row]], dict[str, Any]]] = {
    "pii": score_pii,
    "injection": score_injection,
    "toxicity": score_toxicity,
}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def evaluate(
    engine: GuardEngine, rows: list[Row], kind: str | None = None
) -> tuple[dict[str, Any], Run]:
    """Run the engine over labelled rows and score it; returns the figures and the run."""
    kind = kind or kind_of(rows)
    run = PREDICTORS[kind](engine, rows)
    figures = SCORERS[kind](rows, run.predictions)
    figures.setdefault("false_positive_rate", None)  # spans have no negatives to count
    figures.update(kind=kind, n=len(rows), p50_ms=percentile(run.latencies_ms, 0.5),
                   p99_ms=percentile(run.latencies_ms, 0.99))  # fmt: skip
    return figures, run
