"""The ``registry:`` section of stanchion.yaml: which label is served, which labels are
protected, who approves, and whether an evaluation must pass first.

registry:
  serve: production                  # the label each request resolves
  protected: [production]            # moving these needs approvals
  approvers: [owner, legal]          # one approval from each of these roles
  require_eval_before: [production]  # a passing experiment on the version is required
  eval_gate: "accuracy>=0.95"        # what "passing" means (default: any experiment)
  refresh_seconds: 1.0               # how often each replica checks for label moves
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

LABEL = r"^[a-z][a-z0-9_-]{0,39}$"


class RegistrySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    serve: str = Field("production", pattern=LABEL)
    protected: list[str] = ["production"]
    approvers: list[str] = Field(["owner"], min_length=1)
    require_eval_before: list[str] = []
    eval_gate: str | None = None
    refresh_seconds: float = Field(1.0, gt=0, le=60)
