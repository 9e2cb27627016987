"""Retention: how long each kind of record is kept, per app (the spec's ``retention``), and
the purge that enforces it (``retention/purge.py``), run by one replica at a time.

    retention:
      traces_days: 365        # trace rows deleted
      content_days: 30        # trace prompts and answers dropped; the rows and figures stay
      feedback_days: 365
      review_days: 180        # decided review items
      eval_runs_days: 730
      rollups_days: 1095      # the KPI rollups' hours; per-user rows go with traces_days
      purge_every_minutes: 60
      subject_keys: true      # erasure by destroying the user's key (see store/subjects.py)
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetentionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    traces_days: float | None = Field(None, gt=0)
    content_days: float | None = Field(None, gt=0)
    feedback_days: float | None = Field(None, gt=0)
    review_days: float | None = Field(None, gt=0)
    eval_runs_days: float | None = Field(None, gt=0)
    rollups_days: float | None = Field(
        None,
        gt=0,
        description="KPI rollup hours kept; their per-user rows (pseudonymous) are kept no"
        " longer than traces_days either",
    )
    purge_every_minutes: float = Field(60, ge=1, le=7 * 24 * 60)
    subject_keys: bool = Field(
        False,
        description="seal each user's trace content under their own data key, so that"
        " `subjects erase` makes every copy unreadable, backups included",
    )

    def periods(self) -> dict[str, float]:
        """Kind -> seconds, for the kinds that have a period."""
        days = {
            "traces": self.traces_days,
            "content": self.content_days,
            "feedback": self.feedback_days,
            "review_items": self.review_days,
            "eval_runs": self.eval_runs_days,
            "rollups": self.rollups_days,
            "rollup_users": min(
                (d for d in (self.rollups_days, self.traces_days) if d is not None),
                default=None,
            ),
        }
        return {k: v * 86400 for k, v in days.items() if v is not None}
