"""Gates: ``"accuracy>=0.95,p95_ms<=2000"`` checked against an experiment's summary.

failures = check(parse("accuracy>=0.95,p95_ms<=2000"), {"accuracy": 0.9, "p95_ms": 800})
assert failures == ["accuracy 0.9 is not >= 0.95"]
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stanchion.errors import BadRequest

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_GATE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(>=|<=|==|>|<)\s*(-?[0-9.]+(?:e-?\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Gate:
    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"


def parse(text: str) -> list[Gate]:
    gates = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        m = _GATE.match(part)
        if not m:
            raise BadRequest(
                f"gate {part!r} is not METRIC OP NUMBER (like accuracy>=0.95)", param="gate"
            )
        gates.append(Gate(m.group(1), m.group(2), float(m.group(3))))
    return gates


def check(gates: list[Gate], summary: Mapping[str, object]) -> list[str]:
    """One line per failed gate; an unknown or missing metric fails too."""
    failures = []
    for g in gates:
        value = summary.get(g.metric)
        if not isinstance(value, (int, float)):
            failures.append(f"{g.metric} is not a metric of this experiment")
        elif not OPS[g.op](float(value), g.value):
            failures.append(f"{g.metric} {value:g} is not {g.op} {g.value:g}")
    return failures
