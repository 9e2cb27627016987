"""The ``alerts:`` section of the app spec: channels (signed webhooks) and rules.

alerts:
  channels:
    ops: {url: "https://hooks.example.com/x", secret_env: ALERT_SECRET}
  rules:
    - name: refusals-up
      signal: refusal_rate
      test: z            # threshold | z | psi | js
      threshold: 3.0     # |z| at least 3, in the bad direction
      window: 1h
      baseline: 7d
      min_sample: 50
      severity: warning
      channels: [ops]
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
DURATION = re.compile(r"([1-9][0-9]{0,4})([hd])")
UNITS = {"h": 3600, "d": 86_400}
# signal -> (tests it allows, the direction that is bad)
SIGNALS: dict[str, tuple[tuple[str, ...], str]] = {
    "satisfaction": (("threshold", "z"), "below"),
    "groundedness": (("threshold", "z"), "below"),
    "refusal_rate": (("threshold", "z"), "above"),
    "block_rate": (("threshold", "z"), "above"),
    "hold_rate": (("threshold", "z"), "above"),
    "error_rate": (("threshold", "z"), "above"),
    "unanswerable_rate": (("threshold", "z"), "above"),
    "low_rating_rate": (("threshold", "z"), "above"),
    "cost_per_output": (("threshold", "z"), "above"),
    "p95_latency_ms": (("threshold",), "above"),
    "latency": (("psi",), "above"),
    "query_terms": (("js",), "above"),
    "requests": (("threshold",), "below"),
}
Signal = Literal[
    "satisfaction",
    "groundedness",
    "refusal_rate",
    "block_rate",
    "hold_rate",
    "error_rate",
    "unanswerable_rate",
    "low_rating_rate",
    "cost_per_output",
    "p95_latency_ms",
    "latency",
    "query_terms",
    "requests",
]


def hours_of(text: str) -> int:
    """Whole hours in ``6h`` or ``7d`` (the rollups are hourly)."""
    m = DURATION.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r}: use whole hours or days, like 1h or 7d")
    return int(m.group(1)) * UNITS[m.group(2)] // 3600


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Channel(_Strict):
    url: str = Field(pattern=r"^https?://[^\s]+$", max_length=2000)
    secret_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    attempts: int = Field(5, ge=1, le=20, description="tries before the delivery fails")
    backoff_seconds: float = Field(1.0, gt=0, le=300, description="first wait, doubling")
    timeout: float = Field(5.0, gt=0, le=60)


class AlertRule(_Strict):
    name: str = Field(pattern=RULE_NAME)
    signal: Signal
    test: Literal["threshold", "z", "psi", "js"] = "threshold"
    threshold: float
    window: str = "1h"
    baseline: str = "7d"
    min_sample: int = Field(30, ge=1)
    severity: Literal["info", "warning", "critical"] = "warning"
    channels: list[str] = []

    @field_validator("window", "baseline")
    @classmethod
    def _duration(cls, v: str) -> str:
        hours_of(v)
        return v

    @model_validator(mode="after")
    def _test_fits(self) -> AlertRule:
        tests, _ = SIGNALS[self.signal]
        if self.test not in tests:
            raise ValueError(f"signal {self.signal} takes test {' or '.join(tests)}")
        return self

    @property
    def bad_direction(self) -> str:
        return SIGNALS[self.signal][1]


class AlertsSpec(_Strict):
    channels: dict[str, Channel] = {}
    rules: list[AlertRule] = []
    evaluate_seconds: float = Field(60.0, gt=0, le=86_400)
    lease_seconds: float = Field(120.0, gt=0, le=86_400)

    @model_validator(mode="after")
    def _known_channels(self) -> AlertsSpec:
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("alert rule names must be unique")
        for rule in self.rules:
            unknown = set(rule.channels) - set(self.channels)
            if unknown:
                raise ValueError(f"rule {rule.name}: unknown channels {sorted(unknown)}")
        return self
