"""The ``rollout:`` section of stanchion.yaml: who may use the app at each stage, and what a
stage must hold before it grows.

rollout:
  groups: {support-leads: [ana, bo]}      # named groups of users
  approvers: [business, it_security]      # owner functions whose sign-off advances a stage
  training: https://wiki.example/assistant-howto   # shown to pilot users
  check_seconds: 30                       # how often each replica reloads the stage
  canary_auto: true                       # judge canaries each check (rollout/canary.py)
  stages:
    - name: pilot
      users: [u01, u02]                   # named users (<= 10 for a pilot)
      groups: [support-leads]
      gates: {satisfaction: 4.0, block_rate: 0.05, p95_latency_ms: 3000}
      hold: 604800                        # seconds the gates must hold before advancing
      min_rated: 30                       # rated answers before the gates are judged
      auto_advance: false
    - name: hundred
      size: 100                           # plus the next 100 users to come (seats)
    - name: wider
      percent: 10                         # plus a stable 10% of all users
    - name: everyone
      everyone: true

Stages are cumulative: a stage admits its own users and everyone an earlier stage admitted.
Staff roles (``admin``, ``owner``, ``reviewer`` by default) are always admitted.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
FUNCTIONS = ("business", "it_security", "legal", "end_users")
Function = Literal["business", "it_security", "legal", "end_users"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gates(_Strict):
    """KPI gates a stage must hold; each is judged once ``min_rated`` answers are rated."""

    satisfaction: float | None = Field(None, ge=1, le=5, description="mean rating at least")
    groundedness: float | None = Field(None, ge=0, le=1, description="grounded share at least")
    block_rate: float | None = Field(None, ge=0, le=1, description="blocked share at most")
    p95_latency_ms: float | None = Field(None, gt=0, description="p95 latency at most")
    cost_per_output: float | None = Field(None, ge=0, description="money per answer at most")


class Stage(_Strict):
    name: str = Field(pattern=NAME)
    users: list[str] = Field([], max_length=10_000)
    groups: list[str] = []
    percent: int = Field(0, ge=0, le=100, description="a stable share of all users")
    size: int = Field(0, ge=0, le=1_000_000, description="up to this many more users, first come")
    everyone: bool = False
    gates: Gates = Field(default_factory=Gates)
    hold: float = Field(0.0, ge=0, description="seconds the gates must hold before advancing")
    min_rated: int = Field(0, ge=0, description="rated answers before the gates are judged")
    auto_advance: bool = False


class RolloutSpec(_Strict):
    stages: list[Stage] = Field(min_length=1)
    groups: dict[str, list[str]] = {}
    approvers: list[Function] = ["business"]
    staff_roles: list[str] = ["admin", "owner", "reviewer"]
    training: str | None = Field(None, max_length=500, description="material for pilot users")
    check_seconds: float = Field(30.0, gt=0, le=3600)
    review_max_age: float = Field(86_400.0, gt=0, description="oldest pending review, seconds")
    min_raters: int = Field(5, ge=1, description="users who must have rated in the pilot")
    canary_auto: bool = Field(
        False, description="judge running canaries every check and promote or roll back"
    )
    tls: Literal["native", "proxy"] | None = Field(
        None, description="who terminates TLS: this server, or a declared proxy in front"
    )

    @model_validator(mode="after")
    def _references(self) -> RolloutSpec:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique: {names}")
        for stage in self.stages:
            unknown = [g for g in stage.groups if g not in self.groups]
            if unknown:
                raise ValueError(f"stage {stage.name!r} names unknown groups {unknown}")
        return self

    def index(self, name: str) -> int | None:
        for i, stage in enumerate(self.stages):
            if stage.name == name:
                return i
        return None
