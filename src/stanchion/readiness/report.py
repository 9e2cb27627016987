"""The readiness report: the checklist, the eight-week roadmap as a timeline of its
evidence, the people loop, and a hash owners sign off against.

    rep = readiness(conn, spec, app_dir, settings, cipher, now=time.time())
    rep.ok          # False when a required item fails (the CLI exits 1)
    rep.hash        # sha256 of the items' verdicts and evidence (not of the time)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection

from stanchion.readiness.checks import Item, run_checks
from stanchion.readiness.context import WINDOW, cohorts, gather
from stanchion.readiness.people import cluster, comments, turnaround
from stanchion.rollout.measure import measure
from stanchion.settings import Settings
from stanchion.spec.model import AppSpec
from stanchion.store.crypto import Cipher

WEEKS = {
    1: "Business case: goal, KPI targets, owners",
    2: "Security: encryption, TLS, keys and roles, audit",
    3: "Version control and guardrails",
    4: "Evaluation at the accuracy target",
    5: "Pilot with <= 10 users, rated",
    6: "Measured against the KPIs",
    7: "Monitoring, alerts and support",
    8: "Go-live sign-off",
}


@dataclass(frozen=True, slots=True)
class Readiness:
    app: str
    generated_at: float
    items: list[Item]
    people: dict[str, Any]

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items if i.required)

    @property
    def hash(self) -> str:
        """What the owners saw: the verdicts and evidence of the required items."""
        seen = [i.to_record() for i in self.items if i.required]
        return hashlib.sha256(orjson.dumps({"app": self.app, "items": seen})).hexdigest()

    def timeline(self) -> list[dict[str, Any]]:
        """One row per roadmap week: done, next (the first week not done), or later."""
        rows, found_next = [], False
        for week, title in WEEKS.items():
            items = [i for i in self.items if i.week == week]
            done = all(i.ok for i in items)
            status = "done" if done else "later" if found_next else "next"
            found_next = found_next or not done
            rows.append(
                {
                    "week": week,
                    "title": title,
                    "status": status,
                    "open": [i.key for i in items if not i.ok],
                }
            )
        return rows

    def to_record(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "generated_at": self.generated_at,
            "ok": self.ok,
            "hash": self.hash,
            "items": [i.to_record() for i in self.items],
            "timeline": self.timeline(),
            "people": self.people,
        }


def people_loop(conn: Connection, spec: AppSpec, cipher: Cipher, since: float) -> dict[str, Any]:
    f = measure(conn, spec.app, cohorts(spec), since, since + WINDOW + 1)
    return {
        "users": f.users,
        "raters": f.raters,
        "rated_share": round(f.raters / f.users, 4) if f.users else None,
        "themes": [t.to_record() for t in cluster(comments(conn, cipher, spec.app, since))[:8]],
        "review_turnaround": turnaround(conn, spec.app, since),
        "training": spec.rollout.training if spec.rollout else None,
    }


def readiness(
    conn: Connection,
    spec: AppSpec,
    app_dir: Path,
    settings: Settings,
    cipher: Cipher | None,
    now: float,
) -> Readiness:
    ctx = gather(conn, spec, app_dir, settings, now, encrypted=cipher is not None)
    people = people_loop(conn, spec, cipher, now - WINDOW) if cipher is not None else {}
    return Readiness(spec.app, now, run_checks(conn, ctx), people)
