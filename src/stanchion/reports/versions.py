"""Versions side by side, from what the traces and the feedback recorded: requests,
satisfaction (against the spec's target), groundedness, block rate, latency, cost, per
prompt version and model route version over a period. This is the canary report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from stanchion.registry.schema import feedback
from stanchion.store.schema import traces


@dataclass(frozen=True, slots=True)
class VersionStats:
    prompt_version: str | None
    model_version: str | None
    requests: int
    ratings: int
    satisfaction: float | None
    groundedness: float | None
    block_rate: float
    p50_ms: float
    p95_ms: float
    cost_per_answer: float | None

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)


def _stats(
    key: tuple[str | None, str | None], rows: list[Any], scores: dict[str, list[int]]
) -> VersionStats:
    rated = [s for r in rows for s in scores.get(r.id, [])]
    grounded = [
        g for r in rows if (g := orjson.loads(r.annotations).get("groundedness")) is not None
    ]
    answered = [r for r in rows if r.status == 200]
    cost = sum(r.cost for r in rows)
    n = len(rows)
    return VersionStats(
        key[0],
        key[1],
        n,
        len(rated),
        round(sum(rated) / len(rated), 3) if rated else None,
        round(sum(grounded) / len(grounded), 4) if grounded else None,
        round(sum(r.decision in ("block", "hold") for r in rows) / n, 4) if n else 0.0,
        _pct([r.latency_ms for r in rows], 0.5),
        _pct([r.latency_ms for r in rows], 0.95),
        cost / len(answered) if answered else None,
    )


def version_report(conn: Connection, app: str, since: float, until: float) -> list[VersionStats]:
    """One row per (prompt version, model route version) seen in the period."""
    rows = conn.execute(
        select(
            traces.c.id,
            traces.c.prompt_id,
            traces.c.annotations,
            traces.c.status,
            traces.c.decision,
            traces.c.latency_ms,
            traces.c.cost,
        ).where(traces.c.app == app, traces.c.created_at >= since, traces.c.created_at < until)
    ).all()
    scores: dict[str, list[int]] = defaultdict(list)
    for f in conn.execute(
        select(feedback.c.trace_id, feedback.c.score).where(feedback.c.app == app)
    ):
        scores[f.trace_id].append(int(f.score))
    groups: dict[tuple[str | None, str | None], list[Any]] = defaultdict(list)
    for r in rows:
        groups[(r.prompt_id, orjson.loads(r.annotations).get("model_version"))].append(r)
    return [_stats(k, v, scores) for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))]
