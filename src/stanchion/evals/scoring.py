"""Scoring one answer against one example, and summarising a run.

An answer passes when the decision let it through and it contains every fact and none of
the forbidden ones (case and spacing ignored); an unanswerable question passes only when
the app declines it. With a reference and no facts, 60% of the reference's words must
appear in the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stanchion.evals.datasets import Example

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")
REFERENCE_RECALL = 0.6


def norm(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


@dataclass(slots=True)
class Result:
    id: str
    passed: bool
    reasons: list[str]
    decision: str
    answer: str
    latency_ms: float
    trace_id: str
    prompt_id: str | None = None
    model_version: str | None = None
    groundedness: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    tags: list[str] = field(default_factory=list)


def score(example: Example, answer: str, decision: str) -> list[str]:
    """Why the answer fails the example (empty: it passes)."""
    if not example.answerable:
        return [] if decision == "refuse" else [f"answered an unanswerable question ({decision})"]
    if decision not in ("pass", "redact"):
        return [f"decision was {decision}"]
    text = norm(answer)
    reasons = [f"missing fact: {f}" for f in example.facts if norm(f) not in text]
    reasons += [f"contains forbidden: {f}" for f in example.must_not if norm(f) in text]
    if not example.facts and example.reference:
        want = set(_WORD.findall(example.reference.lower()))
        got = set(_WORD.findall(text))
        recall = len(want & got) / len(want) if want else 1.0
        if recall < REFERENCE_RECALL:
            reasons.append(f"covers {recall:.0%} of the reference (< {REFERENCE_RECALL:.0%})")
    return reasons


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    i = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[i]


def summarize(results: list[Result]) -> dict[str, Any]:
    n = len(results) or 1
    grounded = [r.groundedness for r in results if r.groundedness is not None]
    lat = [r.latency_ms for r in results]
    cost = sum(r.cost for r in results)
    return {
        "examples": len(results),
        "passed": sum(r.passed for r in results),
        "accuracy": round(sum(r.passed for r in results) / n, 4),
        "groundedness": round(sum(grounded) / len(grounded), 4) if grounded else None,
        "refusals": round(sum(r.decision == "refuse" for r in results) / n, 4),
        "block_rate": round(sum(r.decision in ("block", "hold") for r in results) / n, 4),
        "errors": sum(r.decision == "error" for r in results),
        "p50_ms": round(percentile(lat, 0.50), 2),
        "p95_ms": round(percentile(lat, 0.95), 2),
        "p99_ms": round(percentile(lat, 0.99), 2),
        "prompt_tokens": sum(r.prompt_tokens for r in results),
        "completion_tokens": sum(r.completion_tokens for r in results),
        "cost": round(cost, 8),
        "cost_per_example": round(cost / n, 8),
    }
