"""The figures a stage is judged by, read from its cohort's traces and their ratings.

f = measure(conn, "support-assistant", ["pilot"], since=st.since, until=now)
problems = breaches(stage.gates, f)      # [] when every gate holds
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from stanchion.registry.schema import feedback
from stanchion.rollout.spec import Gates
from stanchion.store.schema import traces

ANSWERED = ("pass", "redact")


@dataclass(frozen=True, slots=True)
class Figures:
    requests: int
    users: int
    rated: int
    raters: int
    satisfaction: float | None
    groundedness: float | None
    block_rate: float | None
    p95_latency_ms: float | None
    cost_per_output: float | None

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def measure(
    conn: Connection, app: str, cohorts: Sequence[str] | None, since: float, until: float
) -> Figures:
    """One pass over the period's traces (of those cohorts, or all when None) and their
    ratings."""
    t = traces.c
    where = [t.app == app, t.created_at >= since, t.created_at < until]
    if cohorts is not None:
        where.append(t.cohort.in_(list(cohorts)))
    rows = conn.execute(
        select(t.id, t.user, t.decision, t.latency_ms, t.cost, t.annotations).where(*where)
    ).all()
    f = feedback.c
    ratings = conn.execute(
        select(f.user, f.score).join(traces, t.id == f.trace_id).where(f.app == app, *where)
    ).all()
    answered = [r for r in rows if r.decision in ANSWERED]
    grounded = [
        float(a["grounded"])
        for a in (orjson.loads(r.annotations or "{}") for r in answered)
        if "grounded" in a
    ]
    n = len(rows)
    return Figures(
        requests=n,
        users=len({r.user for r in rows}),
        rated=len(ratings),
        raters=len({r.user for r in ratings}),
        satisfaction=_mean([float(r.score) for r in ratings]),
        groundedness=_mean(grounded),
        block_rate=sum(r.decision == "block" for r in rows) / n if n else None,
        p95_latency_ms=percentile([float(r.latency_ms) for r in rows], 0.95),
        cost_per_output=sum(float(r.cost) for r in answered) / len(answered) if answered else None,
    )


# gate -> (the figure it reads, True when higher is better)
GATES: dict[str, tuple[str, bool]] = {
    "satisfaction": ("satisfaction", True),
    "groundedness": ("groundedness", True),
    "block_rate": ("block_rate", False),
    "p95_latency_ms": ("p95_latency_ms", False),
    "cost_per_output": ("cost_per_output", False),
}


def breaches(gates: Gates, figures: Figures) -> list[str]:
    """One line per gate the figures fail; a figure not measured yet fails nothing."""
    out = []
    for gate, (figure, higher) in GATES.items():
        target = getattr(gates, gate)
        value = getattr(figures, figure)
        if target is None or value is None:
            continue
        if (value < target) if higher else (value > target):
            word = "below" if higher else "above"
            out.append(f"{gate} {value:.4g} is {word} the gate {target:g}")
    return out
