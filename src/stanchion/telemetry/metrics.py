"""Prometheus metrics through ``prometheus_client``, behind the small interface the code calls.

    m = Metrics()
    m.inc("stanchion_requests_total", (("route", "gpt"), ("status", "200")))
    m.observe("stanchion_request_seconds", 0.12, (("route", "gpt"),))
    m.set_gauge("stanchion_trace_queue_depth", 3)
    m.render()  # the text exposition

A metric is declared the first time it is used, with the label names of that call; a
series is cached by its label tuple with a recorder bound to its values, so an observation
is two dict lookups and one or two adds under the metrics' one write lock (the library's
own ``observe`` re-checks the series and walks the buckets in Python on every call, each
value taking its own lock). A caller that writes many series at once (a request makes some
twenty) takes ``Metrics.lock`` once and writes through recorders bound ``held``. Under
``stanchion serve --workers N`` each worker writes its values to files in a
private directory (``multiproc_dir``) and a scrape on any worker adds up all of them.

Label values come from the spec (app, route, version, stage, finding type) or from small
fixed sets (status, decision, kind): never from users. As a last fence, a metric holds at
most ``MAX_SERIES`` label sets; later ones are counted under ``OVERFLOW`` values.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_left
from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Any, Literal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import multiprocess as mp
from prometheus_client.values import MutexValue

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
BUCKETS: dict[str, tuple[float, ...]] = {"stanchion_groundedness_score": SCORE_BUCKETS}
# How a worker's gauge combines with the others' in a multiprocess scrape.
GaugeMode = Literal["livesum", "livemax", "mostrecent"]
GAUGE_MODES: dict[str, GaugeMode] = {
    "stanchion_trace_queue_depth": "livesum",
    "stanchion_trace_lag_seconds": "livemax",
    "stanchion_upstream_circuit_state": "livemax",
    "stanchion_registry_unloadable_versions": "livemax",
    "stanchion_review_queue_depth": "mostrecent",
    "stanchion_review_oldest_age_seconds": "mostrecent",
}
MAX_SERIES = 2000
MAX_VALUE = 120
OVERFLOW = "__overflow__"

Labels = tuple[tuple[str, str], ...]
Child = Any  # a prometheus_client child (counter, gauge or histogram series)
Record = Callable[[float], None]


def _observer(child: Child, lock: Lock | None) -> Record:
    """``child.observe``, its bucket found by bisection: the same sum and bucket counts (a
    NaN lands in no bucket, as there). In one process the sum and the bucket are added under
    ``lock``, the metrics' one lock that every write of a bound series takes, or with no
    lock taken here when ``lock`` is None: the caller holds it (``Metrics.raw``). The
    library's own method where its parts differ (its values then lock themselves)."""
    bounds = list(getattr(child, "_upper_bounds", ()))
    total, buckets = getattr(child, "_sum", None), getattr(child, "_buckets", None)
    if total is None or not bounds or not isinstance(buckets, list) or len(buckets) != len(bounds):
        return child.observe  # type: ignore[no-any-return]
    n = len(bounds)
    if type(total) is MutexValue and all(type(b) is MutexValue for b in buckets):

        def observe_held(amount: float) -> None:
            i = bisect_left(bounds, amount)
            total._value += amount
            if i < n and amount <= bounds[i]:
                buckets[i]._value += 1

        return observe_held if lock is None else _locked(observe_held, lock)
    add_sum, adds = total.inc, [b.inc for b in buckets]

    def observe(amount: float) -> None:
        add_sum(amount)
        i = bisect_left(bounds, amount)
        if i < n and amount <= bounds[i]:
            adds[i](1)

    return observe


def _adder(child: Child, lock: Lock | None) -> Record:
    """``child.inc`` for a counter: a positive amount straight to its value (in one process,
    under ``lock`` as for ``_observer``); anything else (a negative amount raises) through
    the library."""
    value = getattr(child, "_value", None)
    if value is None:
        return child.inc  # type: ignore[no-any-return]
    add, checked = value.inc, child.inc
    if type(value) is MutexValue:

        def inc_held(amount: float) -> None:
            if amount > 0:
                value._value += amount
            elif amount:
                checked(amount)

        return inc_held if lock is None else _locked(inc_held, lock)

    def inc(amount: float) -> None:
        if amount > 0:
            add(amount)
        elif amount:
            checked(amount)

    return inc


def _locked(record: Record, lock: Lock) -> Record:
    def under_lock(amount: float) -> None:
        with lock:
            record(amount)

    return under_lock


def _setter(child: Child, lock: Lock | None) -> Record:
    return child.set  # type: ignore[no-any-return]


class _Family:
    """One metric and its cached series, each with its recorder (and its recorder for a
    caller that holds the metrics' lock already)."""

    def __init__(
        self,
        metric: Any,
        names: tuple[str, ...],
        bind: Callable[[Child, Lock | None], Record],
        lock: Lock,
    ) -> None:
        self.metric, self.names, self.bind, self.writes = metric, names, bind, lock
        self.children: dict[Labels, Child] = {}
        self.recorders: dict[Labels, Record] = {}
        self.held: dict[Labels, Record] = {}
        self.lock = threading.Lock()

    def recorder(self, labels: Labels, held: bool = False) -> Record:
        cache = self.held if held else self.recorders
        found = cache.get(labels)
        if found is None:
            child = self.child(labels)
            # past MAX_SERIES a label set shares the overflow series' recorder
            key = labels if labels in self.children else tuple((k, OVERFLOW) for k, _ in labels)
            found = cache.get(key)
            if found is None:
                found = cache[key] = self.bind(child, None if held else self.writes)
        return found

    def child(self, labels: Labels) -> Child:
        found = self.children.get(labels)
        if found is not None:
            return found
        with self.lock:
            if len(self.children) >= MAX_SERIES:
                labels = tuple((k, OVERFLOW) for k, _ in labels)
            values = [str(v)[:MAX_VALUE] for _, v in labels]
            made = self.metric.labels(*values) if self.names else self.metric
            self.children[labels] = made
            return made


class Metrics:
    """The process's metrics; ``multiproc_dir`` set means several workers share them."""

    def __init__(self, multiproc_dir: Path | None = None) -> None:
        # ``*_created`` series double a scrape and a multiprocess scrape has none: off for
        # the process (the library's own switch), so one worker and N read the same.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.multiproc_dir = multiproc_dir
        self.registry = CollectorRegistry(auto_describe=False)
        self._families: dict[str, _Family] = {}
        self._lock = threading.Lock()
        # Taken by every write of a counter or histogram series bound here; a caller holding
        # it writes through ``held`` recorders, which take no lock (one per request's twenty
        # observations rather than one each).
        self.lock = threading.Lock()
        # Recorders a caller binds once and reuses (``telemetry/observe.py``, per app and
        # route), so a request's twenty observations build no label tuples.
        self.bound: dict[Any, Any] = {}

    def _family(
        self,
        name: str,
        labels: Labels,
        make: Callable[..., Any],
        bind: Callable[[Child, Lock | None], Record] = _setter,
    ) -> _Family:
        fam = self._families.get(name)
        if fam is None:
            with self._lock:
                fam = self._families.get(name)
                if fam is None:
                    names = tuple(k for k, _ in labels)
                    fam = _Family(make(name, names), names, bind, self.lock)
                    self._families[name] = fam
        return fam

    def _counter(self, name: str, names: tuple[str, ...]) -> Any:
        return Counter(name, name.replace("_", " "), names, registry=self.registry)

    def _gauge(self, name: str, names: tuple[str, ...]) -> Any:
        mode = GAUGE_MODES.get(name, "livesum")
        return Gauge(
            name, name.replace("_", " "), names, registry=self.registry, multiprocess_mode=mode
        )

    def _histogram(self, name: str, names: tuple[str, ...]) -> Any:
        buckets = BUCKETS.get(name, LATENCY_BUCKETS)
        return Histogram(
            name, name.replace("_", " "), names, registry=self.registry, buckets=buckets
        )

    def counter(self, name: str, labels: Labels = (), held: bool = False) -> Record:
        """The series' adder, declaring it: ``inc`` without looking it up again. ``held``:
        an adder to call only while holding ``self.lock``."""
        fam = self._families.get(name) or self._family(name, labels, self._counter, _adder)
        return (fam.held if held else fam.recorders).get(labels) or fam.recorder(labels, held)

    def histogram(self, name: str, labels: Labels = (), held: bool = False) -> Record:
        """The series' observer, declaring it: ``observe`` without looking it up again.
        ``held``: an observer to call only while holding ``self.lock``."""
        fam = self._families.get(name) or self._family(name, labels, self._histogram, _observer)
        return (fam.held if held else fam.recorders).get(labels) or fam.recorder(labels, held)

    def inc(self, name: str, labels: Labels = (), value: float = 1.0) -> None:
        """Add ``value``; 0 declares the series, so a scrape shows it before its first event."""
        add = self.counter(name, labels)
        if value:
            add(value)

    def set_gauge(self, name: str, value: float, labels: Labels = ()) -> None:
        self._family(name, labels, self._gauge).recorder(labels)(value)

    def observe(self, name: str, value: float, labels: Labels = ()) -> None:
        self.histogram(name, labels)(value)

    def render(self) -> str:
        """The text exposition: this process's metrics, or every worker's."""
        if self.multiproc_dir is None:
            return generate_latest(self.registry).decode()
        scrape = CollectorRegistry()
        mp.MultiProcessCollector(scrape, str(self.multiproc_dir))  # type: ignore[no-untyped-call]
        return generate_latest(scrape).decode()

    def close(self) -> None:
        """A worker that stops: its live gauges leave the sum (its counters stay)."""
        if self.multiproc_dir is not None:
            mp.mark_process_dead(os.getpid(), str(self.multiproc_dir))  # type: ignore[no-untyped-call]
