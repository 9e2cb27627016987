"""Versions side by side, from the hourly rollups (``reports/rollup.py``, dimension
``version``) and the ratings: requests, satisfaction (against the spec's target), the share
of checked answers found grounded, block rate, latency, cost, per prompt version and model
route version over a period. This is the canary report.

It never scans the traces: a period is a grouped read of whole hours (the rollups'
resolution), so a 30-day report costs the same at 10 requests a day as at 1,000 a second.
Latency percentiles are the upper edges of the rollup histogram's bins (2.5% wide).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from stanchion.reports.figures import Figures, period_figures
from stanchion.reports.rollup import percentile


@dataclass(frozen=True, slots=True)
class VersionStats:
    prompt_version: str | None
    model_version: str | None
    requests: int
    ratings: int
    satisfaction: float | None
    groundedness: float | None  # share of the checked answers found grounded
    block_rate: float
    p50_ms: float
    p95_ms: float
    cost_per_answer: float | None

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def _named(part: str) -> str | None:
    return None if part == "-" else part


def _stats(key: str, figs: Figures) -> VersionStats:
    prompt, _, model = key.partition(" / ")
    counts, hour, rated = figs.total.counts, figs.total, figs.ratings
    n = counts["requests"]
    checked = counts["grounded"] + counts["ungrounded"]
    return VersionStats(
        _named(prompt),
        _named(model),
        n,
        rated.count,
        round(rated.mean, 3) if rated.mean is not None else None,
        round(counts["grounded"] / checked, 4) if checked else None,
        round((counts["block"] + counts["hold"]) / n, 4) if n else 0.0,
        round(percentile(hour.hist, 0.5) or 0.0, 2),
        round(percentile(hour.hist, 0.95) or 0.0, 2),
        hour.cost / counts["answered"] if counts["answered"] else None,
    )


def version_report(conn: Connection, app: str, since: float, until: float) -> list[VersionStats]:
    """One row per (prompt version, model route version) seen in the period."""
    figs = period_figures(conn, app, "version", since, until, users=False)
    return [_stats(key, f) for key, f in sorted(figs.items()) if f.total.counts["requests"]]
