"""Owners' sign-offs: who signed what, when, and the readiness report they saw (its hash).

    sign(conn, app, Signoff("go-live", "business", "maria", report_hash), now=time.time)
    latest(conn, app, "go-live")   # {"business": SignoffRow(...)}

Subjects: ``goal`` (the business goal and its KPI targets), ``go-live``, and
``stage:<name>`` (an approval to advance the rollout to that stage). Each sign-off is a row
and an audit event (``signoff.goal``, ``signoff.go-live``, ``signoff.stage``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from stanchion.errors import BadRequest
from stanchion.rollout.schema import signoffs
from stanchion.rollout.spec import FUNCTIONS
from stanchion.store.audit import append_audit

SUBJECT = re.compile(r"^(goal|go-live|stage:[A-Za-z0-9][A-Za-z0-9._-]{0,99})$")
HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Signoff:
    subject: str
    function: str
    actor: str
    report_hash: str
    comment: str = ""

    def check(self) -> None:
        if not SUBJECT.match(self.subject):
            raise BadRequest("subject must be goal, go-live or stage:<name>", param="subject")
        if self.function not in FUNCTIONS:
            raise BadRequest(f"function must be one of {list(FUNCTIONS)}", param="function")
        if not HASH.match(self.report_hash):
            raise BadRequest("report_hash must be 64 hex digits", param="report_hash")
        if len(self.comment) > 2000:
            raise BadRequest("comment is over 2000 characters", param="comment")


@dataclass(frozen=True, slots=True)
class SignoffRow:
    subject: str
    function: str
    actor: str
    at: float
    report_hash: str
    comment: str

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def sign(
    conn: Connection, app: str, s: Signoff, now: Callable[[], float] = time.time
) -> SignoffRow:
    s.check()
    at = now()
    conn.execute(
        signoffs.insert().values(
            app=app,
            subject=s.subject,
            function=s.function,
            actor=s.actor,
            at=at,
            report_hash=s.report_hash,
            comment=s.comment,
        )
    )
    append_audit(
        conn,
        s.actor,
        f"signoff.{s.subject.split(':')[0]}",
        f"{app}:{s.subject}",
        {"function": s.function, "report_hash": s.report_hash, "comment": s.comment},
    )
    return SignoffRow(s.subject, s.function, s.actor, at, s.report_hash, s.comment)


def latest(conn: Connection, app: str, subject: str, since: float = 0.0) -> dict[str, SignoffRow]:
    """The newest sign-off of ``subject`` per function, made at or after ``since``."""
    c = signoffs.c
    rows = conn.execute(
        select(signoffs).where(c.app == app, c.subject == subject, c.at >= since).order_by(c.seq)
    ).all()
    return {
        r.function: SignoffRow(r.subject, r.function, r.actor, r.at, r.report_hash, r.comment)
        for r in rows
    }


def all_signoffs(conn: Connection, app: str, limit: int = 200) -> list[SignoffRow]:
    c = signoffs.c
    rows = conn.execute(
        select(signoffs).where(c.app == app).order_by(c.seq.desc()).limit(limit)
    ).all()
    return [
        SignoffRow(r.subject, r.function, r.actor, r.at, r.report_hash, r.comment) for r in rows
    ]
