"""Prometheus metrics in process memory, rendered in the text exposition format.

Tiny on purpose: an observation is a dict update, cheap enough for the hot path.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

Labels = tuple[tuple[str, str], ...]


def _fmt(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v.replace(chr(34), chr(39))}"' for k, v in labels)
    return "{" + inner + "}"


class Metrics:
    def __init__(self) -> None:
        self.counters: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        self.hists: dict[str, dict[Labels, list[float]]] = defaultdict(dict)
        self.help: dict[str, str] = {}
        self.gauges: dict[str, dict[Labels, float]] = defaultdict(dict)

    def inc(self, name: str, labels: Labels = (), value: float = 1.0) -> None:
        self.counters[name][labels] += value

    def set_gauge(self, name: str, value: float, labels: Labels = ()) -> None:
        self.gauges[name][labels] = value

    def observe(self, name: str, value: float, labels: Labels = ()) -> None:
        series = self.hists[name].get(labels)
        if series is None:
            series = self.hists[name][labels] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        series[bisect.bisect_left(LATENCY_BUCKETS, value)] += 1
        series[-1] += value

    def render(self) -> str:
        out: list[str] = []
        for name, series in sorted(self.counters.items()):
            out.append(f"# TYPE {name} counter")
            out.extend(f"{name}{_fmt(lb)} {v:g}" for lb, v in series.items())
        for name, gseries in sorted(self.gauges.items()):
            out.append(f"# TYPE {name} gauge")
            out.extend(f"{name}{_fmt(lb)} {v:g}" for lb, v in gseries.items())
        for name, hseries in sorted(self.hists.items()):
            out.append(f"# TYPE {name} histogram")
            for lb, counts in hseries.items():
                running = 0.0
                for bound, c in zip(LATENCY_BUCKETS, counts, strict=False):
                    running += c
                    out.append(f"{name}_bucket{_fmt((*lb, ('le', f'{bound:g}')))} {running:g}")
                running += counts[len(LATENCY_BUCKETS)]
                out.append(f"{name}_bucket{_fmt((*lb, ('le', '+Inf')))} {running:g}")
                out.append(f"{name}_sum{_fmt(lb)} {counts[-1]:g}")
                out.append(f"{name}_count{_fmt(lb)} {running:g}")
        return "\n".join(out) + "\n"
