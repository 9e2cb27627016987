"""Cost per output against the human cost of the same task."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select

from stanchion.spec.model import AppSpec
from stanchion.store.schema import traces


@dataclass(frozen=True, slots=True)
class RouteCost:
    route: str
    requests: int
    answered: int
    cost: float
    prompt_tokens: int
    completion_tokens: int
    mean_latency_ms: float


@dataclass(frozen=True, slots=True)
class CostReport:
    since: float
    until: float
    routes: list[RouteCost]
    human_per_task: float | None
    human_minutes: float | None
    currency: str

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.routes)

    @property
    def answered(self) -> int:
        return sum(r.answered for r in self.routes)

    @property
    def cost(self) -> float:
        return sum(r.cost for r in self.routes)

    @property
    def cost_per_output(self) -> float | None:
        return self.cost / self.answered if self.answered else None

    @property
    def cost_per_1k_requests(self) -> float | None:
        return self.cost / self.requests * 1000 if self.requests else None

    @property
    def tokens_per_request(self) -> float | None:
        tokens = sum(r.prompt_tokens + r.completion_tokens for r in self.routes)
        return tokens / self.requests if self.requests else None

    @property
    def human_ratio(self) -> float | None:
        """How many times cheaper an answer is than a person doing the task."""
        cpo = self.cost_per_output
        if self.human_per_task is None or not cpo:
            return None
        return self.human_per_task / cpo

    @property
    def minutes_saved_per_task(self) -> float | None:
        if self.human_minutes is None or not self.answered:
            return None
        latency = sum(r.mean_latency_ms * r.answered for r in self.routes) / self.answered
        return self.human_minutes - latency / 60_000


def cost_report(conn: Connection, spec: AppSpec, since: float, until: float) -> CostReport:
    answered = func.sum(case((traces.c.status == 200, 1), else_=0))
    stmt = (
        select(
            func.coalesce(traces.c.route, ""),
            func.count(),
            func.coalesce(answered, 0),
            func.coalesce(func.sum(traces.c.cost), 0.0),
            func.coalesce(func.sum(traces.c.prompt_tokens), 0),
            func.coalesce(func.sum(traces.c.completion_tokens), 0),
            func.coalesce(func.avg(traces.c.latency_ms), 0.0),
        )
        .where(traces.c.app == spec.app, traces.c.created_at >= since, traces.c.created_at < until)
        .group_by(traces.c.route)
        .order_by(traces.c.route)
    )
    routes = [
        RouteCost(r[0], int(r[1]), int(r[2]), float(r[3]), int(r[4]), int(r[5]), float(r[6]))
        for r in conn.execute(stmt)
    ]
    human = spec.human_cost
    return CostReport(
        since,
        until,
        routes,
        human.per_task if human else None,
        human.minutes if human else None,
        human.currency if human else "USD",
    )
