"""What each cost optimisation saved, from the traces: every trace an optimisation touched
carries ``annotations["saved"]``, a list of ``{"by", "cost", "prompt_tokens",
"completion_tokens"}`` (the model call a cache hit avoided, the tokens trimming cut, the
difference a cascade made), so "without it" is the recorded cost plus what it saved."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, select

from stanchion.store.schema import traces


@dataclass(slots=True)
class Saving:
    by: str
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def savings_report(conn: Connection, app: str, since: float, until: float) -> list[Saving]:
    """One line per optimisation (``by``), in name order."""
    stmt = select(traces.c.annotations).where(
        traces.c.app == app,
        traces.c.created_at >= since,
        traces.c.created_at < until,
        traces.c.annotations.like('%"saved"%'),
    )
    out: dict[str, Saving] = {}
    for (raw,) in conn.execute(stmt):
        try:
            items = orjson.loads(raw).get("saved")
        except (orjson.JSONDecodeError, AttributeError):
            continue
        for item in items if isinstance(items, list) else [items]:
            if not isinstance(item, dict):
                continue
            s = out.setdefault(str(item.get("by", "?")), Saving(str(item.get("by", "?"))))
            s.requests += 1
            s.prompt_tokens += int(item.get("prompt_tokens") or 0)
            s.completion_tokens += int(item.get("completion_tokens") or 0)
            s.cost += float(item.get("cost") or 0.0)
    return [out[k] for k in sorted(out)]
