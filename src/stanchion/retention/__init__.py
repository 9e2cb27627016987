"""Retention: how long each kind of record is kept, per app (the spec's ``retention``), and
the purge that enforces it (``retention/purge.py``), run by one replica at a time.

    retention:
      traces_days: 365        # trace rows deleted
      content_days: 30        # trace prompts and answers dropped; the rows and figures stay
      feedback_days: 365
      review_days: 180        # decided review items
      eval_runs_days: 730
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
        }
        return {k: v * 86400 for k, v in days.items() if v is not None}
