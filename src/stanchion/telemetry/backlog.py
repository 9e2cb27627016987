"""Gauges read from the store at scrape time: the human review queue's depth and age.

One indexed aggregate per scrape, run off the event loop; the scraping worker publishes
the values just before it renders (the ``mostrecent`` gauge mode across workers).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from stanchion.evals.review import OPEN
from stanchion.registry.schema import review_items
from stanchion.store.db import Store
from stanchion.telemetry.metrics import Metrics


def review_backlog(store: Store, app: str) -> tuple[int, float | None]:
    """Open review items of ``app``: how many, and when the oldest was queued."""
    query = select(func.count(), func.min(review_items.c.created_at)).where(
        review_items.c.app == app, review_items.c.status.in_(OPEN)
    )
    with store.engine.connect() as conn:
        count, oldest = conn.execute(query).one()
    return int(count), oldest


def publish_backlog(metrics: Metrics, store: Store, app: str, clock: Callable[[], float]) -> None:
    count, oldest = review_backlog(store, app)
    labels = (("app", app),)
    metrics.set_gauge("stanchion_review_queue_depth", count, labels)
    age = max(clock() - oldest, 0.0) if oldest is not None else 0.0
    metrics.set_gauge("stanchion_review_oldest_age_seconds", age, labels)
