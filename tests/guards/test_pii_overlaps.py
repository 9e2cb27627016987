"""Choosing among overlapping PII spans group by group keeps what choosing among all of
them at once keeps, in the same order: on random spans that nest, touch, tie and are empty."""

from __future__ import annotations

import random

from stanchion.guards.pii_overlaps import Candidate, _choose, resolve_overlaps


def _candidates(rng: random.Random) -> list[Candidate]:
    found: list[Candidate] = []
    for n in range(rng.randint(0, 30)):
        start = rng.randint(0, 60)
        end = start + rng.choice([1, 1, 2, 3, 5, 8, 20]) if rng.random() < 0.97 else start
        rank, score = -rng.randint(0, 3), -rng.choice([0.5, 0.6, 0.85, 0.9])
        found.append((rank, score, start - end, n, start, end, f"pii.{rng.randint(0, 3)}"))
    return found


def test_groups_keep_what_the_whole_choice_keeps() -> None:
    rng = random.Random(13)
    for _ in range(20_000):
        found = _candidates(rng)
        assert resolve_overlaps(found) == _choose(found), found


def test_spans_apart_are_all_kept_in_text_order() -> None:
    found: list[Candidate] = [(-1, -0.5, -2, 0, 10, 12, "b"), (-1, -0.5, -2, 1, 0, 2, "a")]
    assert [c[6] for c in resolve_overlaps(found)] == ["a", "b"]
