"""The alert evaluator: every ``evaluate_seconds`` the replica holding the lease measures
each rule (``reports/drift.py``), and a rule that starts breaching raises one alert, a
rule that stops breaching one "resolved"; nothing in between. The state per rule is in the
store, so a replica taking the lease over carries on where the last one stopped.

    monitor = Monitor(store, spec, lease, dispatcher, holder="replica-1")
    events = await monitor.evaluate(now)        # one round (tests, `stanchion alerts check`)
    monitor.start(); ...; await monitor.aclose()  # in the background, as `serve` does
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from stanchion.alerts.deliver import AlertEvent, Sink
from stanchion.alerts.lease import Lease, RedisLease, StoreLease
from stanchion.alerts.schema import alert_state
from stanchion.alerts.spec import AlertRule
from stanchion.reports.drift import Measure, Reader, measure
from stanchion.spec.model import AppSpec
from stanchion.store.db import Store

log = logging.getLogger("stanchion.alerts")


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def summary(rule: AlertRule, m: Measure, firing: bool) -> str:
    stat = f"{rule.test} {_fmt(m.statistic)} vs threshold {rule.threshold:g}"
    if not firing:
        return f"{rule.signal} is back within bounds ({stat}); resolved"
    return (
        f"{rule.signal} {_fmt(m.value)} over the last {rule.window}"
        f" (baseline {_fmt(m.baseline)} over {rule.baseline}): {stat}, n={m.n}"
    )


class Monitor:
    def __init__(
        self,
        store: Store,
        spec: AppSpec,
        lease: Lease,
        sink: Sink,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.spec, self.lease, self.sink = store, spec, lease, sink
        self.holder = holder or secrets.token_hex(8)
        self.clock = clock
        self.rounds = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def lease_name(self) -> str:
        return f"alerts:{self.spec.app}"

    async def evaluate(self, now: float | None = None) -> list[AlertEvent] | None:
        """One round; None when another replica holds the lease."""
        at = self.clock() if now is None else now
        cfg = self.spec.alerts
        held = await asyncio.to_thread(
            self.lease.acquire, self.lease_name, self.holder, cfg.lease_seconds, at
        )
        if not held:
            return None
        self.rounds += 1
        events = await self.store.run(self._changes, at)
        for event in events:
            await self.sink.emit(event)
        return events

    def _changes(self, at: float) -> list[AlertEvent]:
        """Measure every rule and flip the state of those that changed, in one transaction."""
        out: list[AlertEvent] = []
        with self.store.engine.begin() as conn:
            state = {
                r.rule: r
                for r in conn.execute(select(alert_state).where(alert_state.c.app == self.spec.app))
            }
            reader = Reader(conn, self.spec.app)
            for rule in self.spec.alerts.rules:
                m = measure(reader, self.spec.app, rule, at)
                before = state.get(rule.name)
                was = bool(before.firing) if before is not None else False
                firing = m.breached or (was and not m.enough)  # too few to tell: unchanged
                self._save(conn, rule.name, firing, m, at, was, before)
                if firing != was:
                    out.append(self._event(rule, m, firing, at))
        return out

    def _save(
        self, conn: Connection, name: str, firing: bool, m: Measure, at: float, was: bool, row: Any
    ) -> None:
        values = {
            "firing": firing,
            "value": m.statistic,
            "checked_at": at,
            "since": at if firing != was or row is None else row.since,
        }
        t = alert_state
        if row is None:
            conn.execute(t.insert().values(app=self.spec.app, rule=name, **values))
        else:
            conn.execute(
                t.update().where(t.c.app == self.spec.app, t.c.rule == name).values(**values)
            )

    def _event(self, rule: AlertRule, m: Measure, firing: bool, at: float) -> AlertEvent:
        return AlertEvent(
            rule.name,
            "firing" if firing else "resolved",
            rule.severity,
            summary(rule, m, firing),
            m.to_record(),
            self.spec.app,
            at,
            channels=list(rule.channels),
        )

    def start(self) -> None:
        if self._task is None and self.spec.alerts.rules:
            self._task = asyncio.create_task(self._loop(), name="stanchion-alerts")

    async def _loop(self) -> None:
        while True:
            try:
                await self.evaluate()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alert evaluation failed; retrying next round")
            await asyncio.sleep(self.spec.alerts.evaluate_seconds)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            await asyncio.to_thread(self.lease.release, self.lease_name, self.holder)
        close = getattr(self.lease, "close", None)
        if close is not None:
            close()


def build_monitor(rt: Any) -> Monitor:
    """The runtime's evaluator: a Redis lease when Redis is configured, else the store's."""
    from stanchion.alerts.deliver import dispatcher_for

    url = rt.settings.redis_url or rt.spec.limits.redis_url
    lease: Lease = RedisLease(url) if url else StoreLease(rt.store)
    return Monitor(rt.store, rt.spec, lease, dispatcher_for(rt), clock=rt.clock)
