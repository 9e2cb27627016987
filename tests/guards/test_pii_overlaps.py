"""Choosing among overlapping PII spans group by group keeps what choosing among all of
them at once keeps, in the same order: on random spans that nest, touch, tie and are empty."""

from __future__ import annotations

import random

from stanchion.guards.pii_overlaps import Candidate, _choose, kept_spans, resolve_overlaps


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


def _kept(
    spans: list[tuple[int, int, float]], kinds: list[str], priority: dict[str, int]
) -> list[int]:
    return [item[1] for item in kept_spans(spans, kinds, priority)]


def test_kept_spans_are_those_resolve_overlaps_keeps_in_its_order() -> None:
    rng = random.Random(29)
    priority = {"pii.0": 3, "pii.1": 1, "pii.2": 2}
    for _ in range(20_000):
        found = _candidates(rng)
        spans = [(c[4], c[5], -c[1]) for c in found]
        kinds = [c[6] for c in found]
        plain = [(-priority.get(k, 0), -sc, s - e, i, s, e, k) for i, ((s, e, sc), k) in
                 enumerate(zip(spans, kinds, strict=True))]  # fmt: skip
        expected = [(c[4], c[3], spans[c[3]], c[6]) for c in resolve_overlaps(plain)]
        assert kept_spans(spans, kinds, priority) == expected, found


def test_a_text_without_overlaps_keeps_every_span_in_text_order() -> None:
    spans = [(10, 12, 0.5), (0, 2, 0.9), (2, 5, 0.6), (12, 13, 0.7)]
    assert _kept(spans, ["a", "b", "c", "d"], {}) == [1, 2, 0, 3]


def test_groups_of_two_and_of_three_between_spans_apart_each_keep_their_surest() -> None:
    spans = [(0, 4, 0.5), (2, 6, 0.9), (8, 9, 0.5), (10, 20, 0.6), (12, 14, 0.7), (15, 18, 0.6)]
    spans += [(30, 31, 0.5), (30, 31, 0.5)]
    kinds = ["a", "a", "a", "a", "b", "a", "a", "c"]
    assert _kept(spans, kinds, {"b": 1, "c": 1}) == [1, 2, 4, 5, 7]
