"""Feedback: one 1-5 score per user and trace (a later rating replaces the earlier one),
with an optional comment and correction, stored encrypted."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from stanchion.registry.schema import feedback
from stanchion.reports.activity import rate
from stanchion.store.crypto import Cipher

LOW_SCORE = 2


@dataclass(frozen=True, slots=True)
class Rating:
    trace_id: str
    app: str
    user: str
    key_id: str | None
    score: int
    comment: str | None
    correction: str | None


def record(
    conn: Connection, cipher: Cipher, rating: Rating, now: Callable[[], float] = time.time
) -> bool:
    """Store a rating; True when it replaced the user's earlier rating of the trace. The
    texts are the rater's: sealed under their own key with subject keys on."""
    sealer = cipher.for_subject(conn, rating.user)
    at = now()
    values = {
        "score": rating.score,
        "comment_enc": _seal(sealer, rating.comment),
        "correction_enc": _seal(sealer, rating.correction),
        "key_id": rating.key_id,
        "updated_at": at,
    }
    mine = (feedback.c.trace_id == rating.trace_id, feedback.c.user == rating.user)
    old = conn.execute(
        select(feedback.c.app, feedback.c.score, feedback.c.updated_at)
        .where(*mine)
        .with_for_update()
    ).first()
    if old is not None:
        conn.execute(update(feedback).where(*mine).values(**values))
        rate(conn, old.app, rating.score, at, (int(old.score), float(old.updated_at)))
        return True
    conn.execute(
        feedback.insert().values(
            trace_id=rating.trace_id, user=rating.user, app=rating.app, created_at=at, **values
        )
    )
    rate(conn, rating.app, rating.score, at)
    return False


def scores(conn: Connection, app: str, trace_id: str) -> list[int]:
    rows = conn.execute(
        select(feedback.c.score).where(feedback.c.app == app, feedback.c.trace_id == trace_id)
    ).all()
    return [int(r.score) for r in rows]


def _seal(cipher: Cipher, text: str | None) -> bytes | None:
    return cipher.encrypt_text(text) if text else None
