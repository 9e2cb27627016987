"""Replayed traffic for the drift and alert tests and ``bench/drift.py``: a support
assistant's hours of questions (six known topics, templated questions), with decisions,
groundedness, cost, latency and ratings drawn around steady rates, and an optional shift
from a given hour on:

- ``topic``: a quarter of the questions are about a topic nobody planned for (crypto
  payments), which the knowledge cannot answer (refused, no evidence);
- ``ratings``: ratings drop (mostly 1-3 instead of 3-5);
- ``cost``: each answer costs three times as much (a pricier model behind the route).

Rows go in through ``store_traces`` (the writer's own path), so the rollups are the ones a
server would keep.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from stanchion.evals.feedback import Rating, record
from stanchion.reports.rollup import HOUR, store_traces
from stanchion.store.crypto import Cipher

TOPICS = {
    "refunds": ["how long does a refund take", "can I get a refund for {p}", "refund status"],
    "shipping": ["when will my {p} ship", "shipping cost to {c}", "track my parcel to {c}"],
    "warranty": ["is my {p} under warranty", "warranty claim for a broken {p}"],
    "returns": ["how do I return a {p}", "return label for my order", "return window"],
    "account": ["reset my password", "change the email on my account", "delete my account"],
    "orders": ["cancel my order of a {p}", "change the address of my order", "order missing"],
}
NEW_TOPIC = ["can I pay with bitcoin", "crypto wallet payment for a {p}", "ethereum refund"]
PRODUCTS = ["kettle", "toaster", "blender", "lamp", "chair", "desk", "mixer", "heater"]
CITIES = ["paris", "berlin", "madrid", "rome", "oslo", "lisbon"]


@dataclass(frozen=True, slots=True)
class Shift:
    kind: str  # topic | ratings | cost
    from_hour: int  # hours after the start


def _question(rng: random.Random, templates: list[str]) -> str:
    return rng.choice(templates).format(p=rng.choice(PRODUCTS), c=rng.choice(CITIES))


def make_row(rng: random.Random, i: int, at: float, shifted: set[str]) -> dict[str, Any]:
    new = "topic" in shifted and rng.random() < 0.25
    q = _question(rng, NEW_TOPIC if new else TOPICS[rng.choice(list(TOPICS))])
    r = rng.random()
    refused = new or r < 0.03
    decision = "refuse" if refused else "block" if r < 0.04 else "pass"
    ann: dict[str, Any] = {"query": q}
    if refused:
        ann["no_evidence"] = True
    elif decision == "pass":
        ann["grounded"] = rng.random() < 0.94
    cost = 0.0004 * rng.lognormvariate(0, 0.25) * (3 if "cost" in shifted else 1)
    return {
        "id": f"r{i:08d}",
        "app": "demo",
        "created_at": at,
        "user": f"user-{rng.randrange(60)}",
        "status": 200,
        "decision": decision,
        "stream": False,
        "route": "main",
        "model": "m",
        "prompt_id": "system@1",
        "prompt_tokens": 250,
        "completion_tokens": 40,
        "cost": 0.0 if refused else cost,
        "latency_ms": rng.lognormvariate(6.4, 0.35),
        "timings": "{}",
        "findings": "[]",
        "annotations": orjson.dumps(ann).decode(),
    }


def _score(rng: random.Random, low: bool) -> int:
    return rng.choice((1, 2, 2, 3, 3, 4) if low else (3, 4, 4, 5, 5, 5))


def replay_hour(
    conn: Connection,
    cipher: Cipher,
    term_hash: Callable[[str], str],
    rng: random.Random,
    hour_start: float,
    index: int,
    per_hour: int,
    shifted: set[str],
) -> int:
    """Write one hour of traffic (and its ratings, on 15% of the answers)."""
    rows = [
        make_row(rng, index + j, hour_start + (j + 0.5) * HOUR / per_hour, shifted)
        for j in range(per_hour)
    ]
    store_traces(conn, rows, term_hash)
    for row in rows:
        if row["decision"] == "pass" and rng.random() < 0.15:
            at = float(row["created_at"]) + 1
            score = _score(rng, "ratings" in shifted)
            rating = Rating(row["id"], "demo", str(row["user"]), None, score, None, None)
            record(conn, cipher, rating, now=lambda t=at: t)
    return index + per_hour


def shifted_at(hour: int, shift: Shift | None) -> set[str]:
    return {shift.kind} if shift is not None and hour >= shift.from_hour else set()
