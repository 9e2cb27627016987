"""Gauges read from the store at scrape time: the human review queue's depth and age.

One indexed aggregate per scrape, run off the event loop; the scraping worker publishes
the values just before it renders (the ``mostrecent`` gauge mode across workers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from stanchion.evals.review import OPEN
from stanchion.registry.schema import review_items
from stanchion.store.db import Store
from stanchion.telemetry.metrics import Metrics

log = logging.getLogger("stanchion.metrics")


def review_backlog(store: Store, app: str) -> tuple[int, float | None]:
    """Open review items of ``app``: how many, and when the oldest was queued."""
    query = select(func.count(), func.min(review_items.c.created_at)).where(
        review_items.c.app == app, review_items.c.status.in_(OPEN)
    )
    with store.engine.connect() as conn:
        count, oldest = conn.execute(query).one()
    return int(count), oldest


def publish_backlog(metrics: Metrics, store: Store, app: str, clock: Callable[[], float]) -> None:
    """Set the backlog gauges; a database that does not answer leaves them as they were
    (the scrape still answers: that is when the other metrics matter most)."""
    try:
        count, oldest = review_backlog(store, app)
    except SQLAlchemyError as exc:
        log.warning("review backlog unavailable: %s", type(exc).__name__)
        return
    labels = (("app", app),)
    metrics.set_gauge("stanchion_review_queue_depth", count, labels)
    age = max(clock() - oldest, 0.0) if oldest is not None else 0.0
    metrics.set_gauge("stanchion_review_oldest_age_seconds", age, labels)
