"""Stored experiments: read back, list, and compare two side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from stanchion.errors import NotFound
from stanchion.evals.runner import Experiment
from stanchion.evals.scoring import Result
from stanchion.registry.schema import eval_experiments
from stanchion.store.crypto import Cipher

COMPARED = (
    "accuracy",
    "groundedness",
    "refusals",
    "block_rate",
    "errors",
    "p50_ms",
    "p95_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost",
)


def _experiment(row: Any, cipher: Cipher) -> Experiment:
    results = [Result(**r) for r in orjson.loads(cipher.decrypt(bytes(row.results_enc)))]
    return Experiment(
        row.id,
        row.dataset,
        row.dataset_version,
        row.prompt_version,
        row.model_version,
        row.target,
        row.created_at,
        orjson.loads(row.summary),
        results,
    )


def load(conn: Connection, cipher: Cipher, app: str, exp_id: str) -> Experiment:
    row = conn.execute(
        select(eval_experiments).where(
            eval_experiments.c.app == app, eval_experiments.c.id == exp_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no experiment {exp_id!r} in app {app!r}")
    return _experiment(row, cipher)


def list_experiments(conn: Connection, app: str, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            eval_experiments.c.id,
            eval_experiments.c.dataset,
            eval_experiments.c.dataset_version,
            eval_experiments.c.prompt_version,
            eval_experiments.c.model_version,
            eval_experiments.c.created_at,
            eval_experiments.c.summary,
        )
        .where(eval_experiments.c.app == app)
        .order_by(eval_experiments.c.created_at.desc())
        .limit(limit)
    ).all()
    return [{**dict(r._mapping), "summary": orjson.loads(r.summary)} for r in rows]


@dataclass(frozen=True, slots=True)
class Comparison:
    metrics: list[tuple[str, Any, Any]]
    changed: list[tuple[str, Result | None, Result | None]]


def compare(a: Experiment, b: Experiment) -> Comparison:
    """Metrics side by side, and the examples whose pass/fail differs."""
    metrics = [(m, a.summary.get(m), b.summary.get(m)) for m in COMPARED]
    ra, rb = {r.id: r for r in a.results}, {r.id: r for r in b.results}
    changed = [
        (i, ra.get(i), rb.get(i))
        for i in sorted(set(ra) | set(rb))
        if (ra[i].passed if i in ra else None) != (rb[i].passed if i in rb else None)
    ]
    return Comparison(metrics, changed)
