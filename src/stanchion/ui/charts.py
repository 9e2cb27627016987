"""SVG drawn on the server: a KPI trend line and a trace's stage waterfall.

Both return plain numbers that the templates place into SVG attributes, so no style
attribute or script is needed (the Content-Security-Policy allows neither inline).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spark:
    width: int
    height: int
    points: str  # "x,y x,y ..." for a <polyline>
    dots: list[tuple[float, float]]


def sparkline(values: list[float | None], width: int = 160, height: int = 36) -> Spark:
    """A trend: gaps (None) are skipped, a flat series sits in the middle."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return Spark(width, height, "", [])
    lo, hi = min(v for _, v in known), max(v for _, v in known)
    span = hi - lo
    step = (width - 4) / max(len(values) - 1, 1)

    def y(v: float) -> float:
        if span == 0:
            return height / 2
        return round(height - 2 - (v - lo) / span * (height - 4), 1)

    dots = [(round(2 + i * step, 1), y(v)) for i, v in known]
    return Spark(width, height, " ".join(f"{x},{yy}" for x, yy in dots), dots[-1:])


@dataclass(frozen=True, slots=True)
class Bar:
    name: str
    ms: float
    x: float
    width: float
    y: int


def waterfall(timings: dict[str, float], width: float = 600.0, row: int = 22) -> list[Bar]:
    """Stages in the order they ran, each starting where the previous one ended."""
    total = sum(max(v, 0.0) for v in timings.values()) or 1.0
    bars, start = [], 0.0
    for i, (name, ms) in enumerate(timings.items()):
        ms = max(float(ms), 0.0)
        bars.append(
            Bar(
                name,
                ms,
                round(start / total * width, 2),
                max(round(ms / total * width, 2), 1.0),
                i * row,
            )
        )
        start += ms
    return bars
